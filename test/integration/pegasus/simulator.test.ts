/** The meta client against the simulated cluster (src/simulator), both dialects. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterInfoRecord, MetaClient, MetaFunctionLevel, NodeStatus, PegasusError, type LeaderChange } from '../../../src/pegasus';
import { startSimulatedCluster } from '../../../src/simulator';
import type { MetaClientLike } from '../../../src/cluster/client';

// Compile-time check: the real client satisfies the interface the cluster/commands layer codes against.
const asLike = (c: MetaClient): MetaClientLike => c;
void asLike;

for (const version of ['2.5', '2.6'] as const) {
  test(`meta client against the simulator (${version})`, async () => {
    const sim = await startSimulatedCluster({
      version,
      metas: 3,
      nodes: 4,
      tables: [{ name: 'temp', partitions: 8, replicas: 3 }],
      seed: 7,
    });
    const changes: LeaderChange[] = [];
    // Start at a follower: the client must find the leader.
    const client = new MetaClient({
      metaServers: [sim.metaServers[1]!, sim.metaServers[2]!, sim.metaServers[0]!],
      retryDelayMs: 10,
      timeoutMs: 5000,
      onLeaderChange: (c) => changes.push(c),
    });
    try {
      sim.advance(5);
      const nodes = await client.listNodes();
      assert.equal(nodes.length, 4);
      assert.ok(nodes.every((n) => n.status === NodeStatus.NS_ALIVE));
      assert.equal(nodes[0]!.hpAddress !== undefined, version === '2.6');
      assert.equal(client.leader, sim.metaServers[0]);

      const apps = await client.listApps();
      assert.deepEqual(
        apps.map((a) => a.appName),
        ['temp'],
      );
      const cfg = await client.queryPartitionConfig('temp');
      assert.equal(cfg.partitions.length, 8);
      assert.equal(cfg.partitions[0]!.hpPrimary !== undefined, version === '2.6');
      await assert.rejects(client.queryPartitionConfig('nope'), (e) => e instanceof PegasusError && e.code === 'ERR_OBJECT_NOT_FOUND');
      const info = clusterInfoRecord(await client.clusterInfo());
      assert.equal(info.meta_function_level, 'steady');
      assert.equal(await client.getMetaLevel(), MetaFunctionLevel.fl_steady);
      assert.equal(await client.setMetaLevel(MetaFunctionLevel.fl_lively), MetaFunctionLevel.fl_steady);
      assert.equal(await client.getMetaLevel(), MetaFunctionLevel.fl_lively);

      const get = await client.remoteCommand('meta.lb.assign_delay_ms');
      assert.equal(get.ok, true, get.raw);
      assert.equal(get.dialect, version === '2.6' ? 'json' : 'text');
      assert.equal(get.value, version === '2.6' ? '600000' : '300000');
      assert.equal((await client.remoteCommand('meta.lb.assign_delay_ms', ['1000'])).ok, true);
      assert.equal((await client.remoteCommand('meta.lb.assign_delay_ms')).value, '1000');
      const bad = await client.remoteCommand('meta.lb.only_move_primary', ['maybe']);
      assert.equal(bad.ok, false, bad.raw);
      const onFollower = await client.remoteCommand('meta.lb.assign_delay_ms', [], { address: sim.metaServers[1]! });
      assert.equal(onFollower.ok, false);
      assert.match(onFollower.error ?? '', /unknown command/);

      // Fail-over: the client notices the new leader.
      sim.model.killLeader();
      sim.advance(10);
      await client.listNodes();
      assert.notEqual(client.leader, sim.metaServers[0]);
      assert.deepEqual(changes[0], { previous: undefined, current: sim.metaServers[0] });
      assert.deepEqual(changes.at(-1), { previous: sim.metaServers[0], current: client.leader });
    } finally {
      client.close();
      await sim.close();
    }
  });
}

test('watchLeader notices a simulated fail-over while no call is made', async () => {
  const sim = await startSimulatedCluster({
    version: '2.6',
    metas: 3,
    nodes: 3,
    tables: [{ name: 't', partitions: 4, replicas: 3 }],
    seed: 11,
  });
  const client = new MetaClient({ metaServers: sim.metaServers, retryDelayMs: 10, timeoutMs: 5000 });
  try {
    sim.advance(5);
    assert.equal(await client.ensureLeader(), sim.metaServers[0]);
    const change = new Promise<LeaderChange>((resolve) => client.onLeaderChange(resolve));
    client.watchLeader({ intervalMs: 20 });
    sim.model.killLeader();
    sim.advance(10);
    const c = await change;
    assert.equal(c.previous, sim.metaServers[0]);
    assert.notEqual(c.current, sim.metaServers[0]);
    assert.equal(client.leader, c.current);
  } finally {
    client.close();
    await sim.close();
  }
});
