/**
 * The shell commands and the cluster model against the simulated cluster over real loopback
 * sockets, in both version dialects (2.5: ip:port and text remote commands; 2.6: host:port and JSON).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulatedCluster, type SimulatedCluster } from '../../../src/simulator';
import { MetaClient } from '../../../src/pegasus';
import { createRegistry, runCommandLine, type CommandContext } from '../../../src/commands';
import { fetchSnapshot } from '../../../src/cluster/fetch';
import { assertLines } from '../../support/lines';

const reg = createRegistry();

async function withCluster(
  version: '2.5' | '2.6',
  fn: (sim: SimulatedCluster, ctx: CommandContext, client: MetaClient) => Promise<void>,
): Promise<void> {
  const sim = await startSimulatedCluster({
    version,
    nodes: 5,
    metas: 2,
    tables: [
      { name: 'temp', partitions: 8, replicas: 3 },
      { name: 'usertable', partitions: 4, replicas: 3 },
    ],
  });
  const client = new MetaClient({ metaServers: sim.metaServers, timeoutMs: 5000 });
  const ctx: CommandContext = {
    client,
    profile: { name: `sim-${version}`, metaServers: sim.metaServers },
    signal: new AbortController().signal,
    progress: () => undefined,
    confirm: async () => true,
  };
  try {
    await fn(sim, ctx, client);
  } finally {
    client.close();
    await sim.close();
  }
}

for (const version of ['2.5', '2.6'] as const) {
  test(`${version}: nodes -d counts match the simulator and every replica is placed`, async () => {
    await withCluster(version, async (sim, ctx) => {
      const r = await runCommandLine(reg, ctx, 'nodes -d');
      const rows = r.tables[0]!.rows;
      assert.equal(rows.length, 5);
      assert.ok(rows.every((row) => row[1] === 'ALIVE'));
      const replicas = rows.reduce((a, row) => a + Number(row[2]), 0);
      const primaries = rows.reduce((a, row) => a + Number(row[3]), 0);
      assert.equal(replicas, (8 + 4) * 3);
      assert.equal(primaries, 8 + 4);
      const truth = new Map(sim.model.nodeCounts().map((n) => [n.address, n]));
      for (const row of rows) {
        const addr = String(row[0]);
        // 2.5 prints ip:port, 2.6 host:port; the simulator's own view is keyed by one of them.
        if (version === '2.5') assert.match(addr, /^\d+\.\d+\.\d+\.\d+:\d+$/);
        const t = truth.get(addr);
        if (t) {
          assert.equal(Number(row[2]), t.replicas, `replicas of ${addr}`);
          assert.equal(Number(row[3]), t.primaries, `primaries of ${addr}`);
        }
      }
      assertLines(r.text, ['[summary]', 'total_node_count    : 5', 'alive_node_count    : 5', 'unalive_node_count  : 0']);
    });
  });

  test(`${version}: ls -d and app -d are fully healthy on a fresh cluster`, async () => {
    await withCluster(version, async (_sim, ctx) => {
      const ls = await runCommandLine(reg, ctx, 'ls -d');
      const healthy = ls.tables.find((t) => t.title === 'healthy_info')!;
      assert.deepEqual(
        healthy.rows.map((row) => row.slice(1)),
        [
          ['temp', 8, 8, 0, 0, 0],
          ['usertable', 4, 4, 0, 0, 0],
        ],
      );
      const app = await runCommandLine(reg, ctx, 'app temp -d');
      // v2.5.0 src/client/replication_ddl_client.cpp list_app / master src/common/replication_common.cpp add_app_info.
      assert.deepEqual(
        app.tables.map((t) => t.title),
        ['parameters', 'general', 'replicas', 'nodes', 'healthy'],
      );
      const details = app.tables.find((t) => t.title === 'replicas')!;
      assert.equal(details.rows.length, 8);
      assert.ok(details.rows.every((row) => row[2] === '3/3' && row[3] !== '-'));
      assertLines(app.text, ['fully_healthy_partition_count    : 8']);
      const nodeRows = app.tables.find((t) => t.title === 'nodes')!.rows;
      assert.deepEqual(nodeRows.at(-1), ['', 8, 16, 24], 'the total row has an empty label');
      // master src/client/replication_ddl_client.cpp list_apps: atomic_idempotent is always the last column.
      assert.equal(ls.tables[0]!.columns.at(-1), version === '2.5' ? 'envs_count' : 'atomic_idempotent');
      await assert.rejects(runCommandLine(reg, ctx, 'app nosuch'), (e: Error & { code?: string }) => e.code === 'ERR_OBJECT_NOT_FOUND');
    });
  });

  test(`${version}: levels (stored vs effective), remote commands in the version's dialect`, async () => {
    await withCluster(version, async (_sim, ctx) => {
      assert.equal((await runCommandLine(reg, ctx, 'get_meta_level')).text, 'current meta level is fl_steady');
      const set = await runCommandLine(reg, ctx, 'set_meta_level lively');
      assert.equal(set.text, 'control meta level ok, the old level is fl_steady');
      assert.equal((await runCommandLine(reg, ctx, 'get_meta_level')).text, 'current meta level is fl_lively');
      const ci = await runCommandLine(reg, ctx, 'cluster_info');
      assert.equal((ci.data as { effectiveLevel: string }).effectiveLevel, 'lively');
      const real = (text: string) => text.split('\n\n[summary]\n')[0]!;
      const q = await runCommandLine(reg, ctx, 'remote_command -t meta-server meta.live_percentage');
      assert.equal(q.ok, true);
      const leader = ctx.client.leader!;
      // v2.5.0 src/shell/commands/node_management.cpp remote_command: CALL lines; master: one JSON object.
      if (version === '2.5') assert.match(real(q.text), new RegExp(`^CALL \\[meta-server\\] \\[${leader}\\] succeed: 65$`, 'm'));
      else {
        const out = JSON.parse(real(q.text)) as { command: string; details: Record<string, unknown>; succeed_count: number };
        assert.equal(out.command, 'meta.live_percentage ');
        assert.deepEqual(out.details[leader], { acked: true, message: { error: 'ok', 'meta.live_percentage': '65' }, role: 'meta-server' });
        assert.equal(out.succeed_count, 2);
      }
      const s = await runCommandLine(reg, ctx, 'remote_command -t meta-server meta.lb.assign_delay_ms 10');
      assert.equal(s.ok, true);
      assert.equal(s.changed, true);
      const bad = await runCommandLine(reg, ctx, 'remote_command -t meta-server meta.lb.assign_delay_ms abc');
      assert.equal(bad.ok, false);
      // Sent to every meta: the follower does not know leader-only commands; that is a skip, not a failure.
      const all = await runCommandLine(reg, ctx, 'remote_command -t meta-server meta.lb.assign_delay_ms');
      assert.match(all.text, /\[summary\]\n.*\n.*skipped \(follower: this setting lives on the leader\)\nok: 1, skipped: 1, failed: 0$/);
      assert.equal(all.ok, true);
      // No -t and no -l: every meta and every ALIVE replica server (v2.5.0 / master src/shell/command_helper.h fill_nodes).
      const every = await runCommandLine(reg, ctx, 'remote_command server-info');
      const calls = (every.data as { calls: { role: string; address: string }[] }).calls;
      assert.deepEqual(
        calls.map((c) => c.role),
        ['meta-server', 'meta-server', 'replica-server', 'replica-server', 'replica-server', 'replica-server', 'replica-server'],
      );
      const nodes = await ctx.client.listNodes();
      assert.deepEqual(
        calls.slice(2).map((c) => c.address),
        nodes.map((n) => (version === '2.5' ? n.address : n.hpAddress)),
      );
      if (version === '2.6') assert.deepEqual(Object.keys((JSON.parse(real(every.text)) as { details: object }).details).length, 7);
      else
        assert.equal(
          real(every.text)
            .split('\n')
            .filter((l) => l.startsWith('CALL [replica-server] ')).length,
          5,
        );
    });
  });

  test(`${version}: a stopped node turns UNALIVE, partitions are cured, the freeze margin drops`, async () => {
    await withCluster(version, async (sim, ctx, client) => {
      const before = await fetchSnapshot(client);
      assert.equal(before.freeze.alive, 5);
      assert.equal(before.freeze.pct, 65);
      const marginBefore = before.freeze.margin;
      const victim = before.nodes[4]!;
      const idx = sim.model.findNode(victim.ip || victim.address)?.idx ?? sim.model.findNode(victim.address)!.idx;
      sim.model.stopNode(idx);
      sim.advance(60);
      const after = await fetchSnapshot(client);
      assert.equal(after.node(victim.address)!.status, 'UNALIVE');
      assert.equal(after.freeze.dead, 1);
      assert.equal(after.freeze.margin, marginBefore - 1);
      const nodes = await runCommandLine(reg, ctx, 'nodes -d');
      const row = nodes.tables[0]!.rows.find((x) => x[0] === victim.address)!;
      assert.equal(row[1], 'UNALIVE');
      assert.equal(row[2], 0);
      // past replica_assign_delay_ms_for_dropouts (600 s on 2.6) plus a few lb rounds
      sim.advance(1500);
      const ls = await runCommandLine(reg, ctx, 'ls -d');
      const h = ls.tables.find((t) => t.title === 'healthy_info')!;
      assert.ok(
        h.rows.every((x) => x[3] === x[2]),
        `all partitions cured: ${JSON.stringify(h.rows)}`,
      );
    });
  });

  test(`${version}: balance move_pri registers a proposal the meta executes`, async () => {
    await withCluster(version, async (sim, ctx, client) => {
      const snap = await fetchSnapshot(client);
      const temp = snap.table('temp')!;
      const p0 = snap.partition(temp, 0)!;
      const to = p0.secondaries[0]!;
      const r = await runCommandLine(reg, ctx, `balance -g ${temp.appId}.0 -p move_pri -f ${p0.primary} -t ${to}`);
      assert.equal(r.text, 'send balance proposal result: ERR_OK');
      sim.advance(30);
      const after = await fetchSnapshot(client);
      assert.equal(after.partition(after.table('temp')!, 0)!.primary, to);
      await assert.rejects(
        runCommandLine(reg, ctx, `balance -g 99.0 -p move_pri -f ${p0.primary} -t ${to}`),
        (e: Error & { code?: string }) => /^ERR_/.test(e.code ?? ''),
      );
    });
  });
}
