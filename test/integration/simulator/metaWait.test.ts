/**
 * Meta restarts that answer once the metas are back, in simulated time: what a fast, correct
 * rolling meta restart needs (manual clock: the simulator runs its clock to that moment; real-time
 * clock: the answer comes as soon as simulated time got there).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetaClient, clusterInfoRecord } from '../../../src/pegasus';
import { startSimulatedCluster, type SimulatedCluster } from '../../../src/simulator';

async function post(sim: SimulatedCluster, path: string, body: unknown = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(`${sim.controlUrl}${path}`, { method: 'POST', body: JSON.stringify(body) });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
}

test('manual clock: restart with wait runs simulated time to the moment the meta is back and a leader serves', async () => {
  const sim = await startSimulatedCluster({ version: '2.6', nodes: 4, metaStartupMs: 1500, leaderElectionMs: 3000 });
  const client = new MetaClient({ metaServers: sim.metaServers, timeoutMs: 5000, retryDelayMs: 20 });
  try {
    const [m0, m1, m2] = sim.metaServers as [string, string, string];
    // Followers first: each one is down for metaStartupMs, the leader keeps serving.
    let r = await post(sim, `/meta/${m1}/restart`, { wait: true });
    assert.equal(r.status, 200);
    assert.deepEqual(
      {
        address: r.json.address,
        up: r.json.up,
        role: r.json.role,
        leader: r.json.leader,
        waitedSeconds: r.json.waitedSeconds,
        simulatedSeconds: r.json.simulatedSeconds,
      },
      { address: m1, up: true, role: 'follower', leader: m0, waitedSeconds: 1.5, simulatedSeconds: 1.5 },
    );
    r = await post(sim, `/meta/${m2}/restart`, { wait: true });
    assert.equal(r.json.waitedSeconds, 1.5);
    // The leader last: a follower takes over at once and loads state for metaStartupMs.
    r = await post(sim, `/meta/${m0}/restart`, { wait: true });
    assert.equal(r.status, 200);
    assert.equal(r.json.leader, m1);
    assert.equal(r.json.role, 'follower');
    assert.equal(r.json.waitedSeconds, 1.5);
    assert.equal(sim.model.roleOf(1), 'leader');
    // The answer means "usable now": the restarted meta's port accepts and the leader serves.
    assert.equal(clusterInfoRecord(await client.clusterInfo()).primary_meta_server, m1);
    assert.equal((await fetch(`http://${m0}/version`)).status, 200);
    // Without wait the answer is immediate (the old behaviour).
    r = await post(sim, `/meta/${m2}/restart`);
    assert.deepEqual([r.json.up, r.json.simulatedSeconds], [false, 4.5]);
    r = await post(sim, '/meta/wait', { allMetas: true });
    assert.deepEqual([r.status, r.json.waitedSeconds, r.json.leader], [200, 1.5, m1]);
    // Killing the leader: the election takes leaderElectionMs, then the start-up.
    r = await post(sim, '/meta/leader/kill', { wait: true });
    assert.deepEqual([r.json.killed, r.json.leader, r.json.waitedSeconds], [m1, m2, 4.5]);
    // Restarting every meta at once: down for the start-up, then meta #0 loads for the start-up.
    r = await post(sim, '/meta/restart', { wait: true });
    assert.deepEqual([r.status, r.json.leader, r.json.waitedSeconds], [200, m0, 3]);
  } finally {
    client.close();
    await sim.close();
  }
});

test('wait fails clearly: 504 when no leader can come back in time, 400 for a bad body', async () => {
  const sim = await startSimulatedCluster({ nodes: 3, metas: 2 });
  try {
    const [m0, m1] = sim.metaServers as [string, string];
    assert.equal((await post(sim, `/meta/${m1}/stop`)).status, 200);
    const r = await post(sim, `/meta/${m0}/stop`, { wait: true, timeoutSeconds: 30 });
    assert.equal(r.status, 504);
    assert.match(String(r.json.error), /no serving meta leader .* within 30 simulated s/);
    assert.equal(sim.model.now, 30_000, 'the manual clock ran exactly to the timeout');
    const bad = await post(sim, `/meta/${m0}/start`, { wait: 'yes' });
    assert.equal(bad.status, 400);
    assert.match(String(bad.json.error), /wait/);
    assert.equal((await post(sim, `/meta/${m0}/start`, { wait: true, nonsense: 1 })).status, 400);
    assert.equal(sim.model.metas[0]!.up, false, 'a rejected body changes nothing');
    const ok = await post(sim, `/meta/${m0}/start`, { wait: true });
    assert.deepEqual([ok.status, ok.json.leader, ok.json.up], [200, m0, true]);
  } finally {
    await sim.close();
  }
});

test('real-time clock: a rolling restart with wait takes simulated seconds, not a fixed wall gap', async () => {
  const sim = await startSimulatedCluster({ nodes: 3, timeScale: 100 });
  const client = new MetaClient({ metaServers: sim.metaServers, timeoutMs: 5000, retryDelayMs: 20 });
  try {
    const leader = sim.model.leaderAddress();
    const order = [...sim.metaServers].sort((a, b) => (a === leader ? 1 : 0) - (b === leader ? 1 : 0));
    for (const m of order) {
      const r = await post(sim, `/meta/${m}/restart`, { wait: true });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      assert.equal(r.json.up, true);
      // Simulated time moved about one start-up (plus the polling granularity of a fast clock).
      const waited = r.json.waitedSeconds as number;
      assert.ok(waited >= 1 && waited < 60, `waited ${waited} simulated s`);
      assert.ok(clusterInfoRecord(await client.clusterInfo()).primary_meta_server);
    }
    assert.notEqual(sim.model.leaderAddress(), leader, 'the leader restarted last handed over');
  } finally {
    client.close();
    await sim.close();
  }
});

test('closing the simulator answers a pending wait and leaves no timer behind', async () => {
  const sim = await startSimulatedCluster({ nodes: 3, metas: 1, timeScale: 1 });
  const [m0] = sim.metaServers as [string];
  await post(sim, `/meta/${m0}/stop`);
  const pending = fetch(`${sim.controlUrl}/meta/wait`, { method: 'POST', body: '{}' }).then(
    async (r) => r.status,
    () => 'closed',
  );
  await new Promise((r) => setTimeout(r, 30));
  await sim.close();
  const got = await pending;
  assert.ok(got === 503 || got === 'closed', `got ${String(got)}`);
});
