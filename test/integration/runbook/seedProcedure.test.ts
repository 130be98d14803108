/**
 * The operations page's scale-in procedure, written as a runbook cell by cell and run headless
 * against the simulated cluster: steady level, black list, a short assign delay, then stop-node
 * and wait-healthy per node. stop-node hands each node's primaries over before the stop, as
 * Pegasus's own scripts/pegasus_offline_node.sh does (apache/incubator-pegasus, via
 * scripts/migrate_node.sh's `balance --type move_pri`); cure re-creates the secondaries.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulatedCluster } from '../../../src/simulator';
import { MetaClient } from '../../../src/pegasus';
import { runRunbook } from '../../../src/runbook/headless';

const A = '127.0.0.1:34804';
const B = '127.0.0.1:34805';

const cell = (body: string): string => '```pegasus\n' + body + '\n```\n\n';
const RUNBOOK =
  '---\ncluster: sim\n---\n\n# Scale in as the operations page writes it\n\n' +
  cell('set_meta_level steady') +
  cell(`remote_command -t meta-server meta.lb.assign_secondary_black_list ${A},${B}`) +
  cell('remote_command -t meta-server meta.lb.assign_delay_ms 10') +
  cell(`stop-node ${A}`) +
  cell('wait-healthy') +
  cell(`stop-node ${B}`) +
  cell('wait-healthy');

interface SimState {
  nodes: { address: string; running: boolean; metaStatus: string; replicas: number }[];
  freeze: { frozen: boolean };
  tables: { name: string; partitionCount: number; health: { fully_healthy: number } }[];
}

test('the operations page procedure runs as written: both nodes leave, every partition ends healthy, the meta never froze', async () => {
  const sim = await startSimulatedCluster({
    nodes: 5,
    seed: 7,
    timeScale: 100,
    replicaSizeMb: 50,
    tables: [
      { name: 'temp', partitions: 8, replicas: 3 },
      { name: 'usertable', partitions: 4, replicas: 3 },
    ],
  });
  const dir = mkdtempSync(join(tmpdir(), 'runbook-seed-'));
  const client = new MetaClient({ metaServers: sim.metaServers });
  try {
    const file = join(dir, 'seed.runbook.md');
    writeFileSync(file, RUNBOOK);
    let out = '';
    let err = '';
    const r = await runRunbook({
      file,
      profile: { name: 'sim', metaServers: sim.metaServers, nodeControl: { kind: 'simulator', control: sim.controlUrl } },
      client,
      yes: true,
      out: (s) => (out += s),
      err: (s) => (err += s),
      engineOptions: { pollIntervalMs: 100 },
      progressIntervalMs: 0,
    });
    const all = out + err;
    assert.equal(r.exitCode, 0, all);
    assert.deepEqual(
      r.outcomes.map((o) => o.status),
      Array(7).fill('succeeded'),
      all,
    );
    const st = sim.state({ partitions: false }) as unknown as SimState;
    for (const a of [A, B]) {
      const n = st.nodes.find((x) => x.address === a)!;
      assert.equal(n.running, false, `${a} stopped`);
      assert.equal(n.replicas, 0, `${a} holds nothing once the meta dropped it`);
    }
    for (const t of st.tables) assert.equal(t.health.fully_healthy, t.partitionCount, `${t.name}: every partition fully healthy`);
    assert.equal(st.freeze.frozen, false);
    assert.equal((sim.metrics() as { frozenSeconds: number }).frozenSeconds, 0);
    // Each stop says it handed the primaries over and how many secondaries cure re-creates.
    assert.match(all, new RegExp(`handed \\d+ primar(y|ies) of ${A.replace(/\./g, '\\.')} over to secondaries`), all);
    assert.match(all, /cure re-creates them on other nodes .*drain-node or scale-in would have copied them before the stop/);
  } finally {
    client.close();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('stop-node of a node holding the only replica of partitions is still refused, with the code, the reason and the fix', async () => {
  const sim = await startSimulatedCluster({ nodes: 5, seed: 7, timeScale: 100, tables: [{ name: 'single', partitions: 5, replicas: 1 }] });
  const dir = mkdtempSync(join(tmpdir(), 'runbook-seed-'));
  const client = new MetaClient({ metaServers: sim.metaServers });
  try {
    const file = join(dir, 'last.runbook.md');
    writeFileSync(file, '---\ncluster: sim\n---\n\n' + cell(`stop-node ${A}`));
    let all = '';
    const r = await runRunbook({
      file,
      profile: { name: 'sim', metaServers: sim.metaServers, nodeControl: { kind: 'simulator', control: sim.controlUrl } },
      client,
      yes: true,
      out: (s) => (all += s),
      err: (s) => (all += s),
      engineOptions: { pollIntervalMs: 100 },
      progressIntervalMs: 0,
    });
    assert.equal(r.exitCode, 1, all);
    assert.equal(r.outcomes[0]?.status, 'failed');
    const data = JSON.stringify(r.outcomes[0]?.results ?? []);
    assert.match(data, /"code":"last-replica"/, data);
    assert.match(all, /holds the only alive replica of \d+ partition/, all);
    assert.match(all, /drain-node 127\.0\.0\.1:34804 first/);
    const st = sim.state({ partitions: false }) as unknown as SimState;
    assert.equal(st.nodes.find((x) => x.address === A)?.running, true, 'nothing was stopped');
  } finally {
    client.close();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
