import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimModel } from '../../../src/simulator/model/model';
import { runRemoteCommand } from '../../../src/simulator/model/commands';
import { parseTables, resolveOptions } from '../../../src/simulator/model/options';
import { CT, Level, type SimApp } from '../../../src/simulator/model/types';
import type { SimOptionsInput } from '../../../src/simulator/model/options';

const MB = 1024 * 1024;

function model(o: SimOptionsInput = {}): SimModel {
  return new SimModel({ version: '2.6', nodes: 5, tables: [{ name: 'temp', partitions: 8, replicas: 3 }], ...o });
}

/** Every partition of every table has a primary and max replicas, nothing pending or in flight. */
function allHealthy(m: SimModel): boolean {
  return m.partitions.every((p) => p.primary >= 0 && 1 + p.secondaries.length === p.maxReplicas && !p.inflight && p.pending.length === 0);
}

function cmd(m: SimModel, c: string, ...args: string[]): string {
  return runRemoteCommand(m, m.leader!.meta, c, args);
}

function stopAndDetect(m: SimModel, idx: number): void {
  m.stopNode(idx);
  m.advance(m.cfg.fdGraceSeconds + m.cfg.fdCheckIntervalSeconds + 1);
}

function spread(app: SimApp, alive: number[], of: 'prim' | 'rep'): number {
  const xs = alive.map((a) => app[of][a] ?? 0);
  return Math.max(...xs) - Math.min(...xs);
}

// ------------------------------------------------------------------ the freeze table

for (const { nodes, pct, freezesAt } of [
  { nodes: 3, pct: 50, freezesAt: 1 },
  { nodes: 3, pct: 65, freezesAt: 1 },
  { nodes: 4, pct: 65, freezesAt: 2 },
  { nodes: 4, pct: 50, freezesAt: 2 },
  { nodes: 10, pct: 65, freezesAt: 4 },
  { nodes: 10, pct: 50, freezesAt: 6 },
]) {
  test(`freeze table: ${nodes} nodes at ${pct}% freeze from ${freezesAt} dead (and not one before)`, () => {
    const m = model({ nodes, livePercentage: pct, tables: [{ name: 'temp', partitions: 4, replicas: 3 }] });
    m.controlMetaLevel(Level.lively);
    for (let k = 1; k <= freezesAt; k++) {
      stopAndDetect(m, k - 1);
      const v = m.freezeVerdict();
      assert.equal(v.dead, k);
      assert.equal(v.frozen, k >= freezesAt, `${k} dead`);
      // cluster_info shows the effective level, get_meta_level the stored one
      assert.equal(m.effectiveLevel(), k >= freezesAt ? Level.freezed : Level.lively);
      assert.equal(m.leader!.storedLevel, Level.lively);
    }
  });
}

test('freeze boundary: 5 of 10 alive at 50% is not frozen (500 < 500 is false); raising pct to 51 freezes, lowering unfreezes', () => {
  const m = model({ nodes: 10, livePercentage: 50 });
  for (let k = 0; k < 5; k++) m.stopNode(k);
  m.advance(30);
  assert.deepEqual([m.freezeVerdict().alive, m.freezeVerdict().dead, m.freezeVerdict().frozen], [5, 5, false]);
  assert.equal(cmd(m, 'meta.live_percentage', '51'), '{\n  "error": "ok"\n}');
  assert.equal(m.effectiveLevel(), Level.freezed);
  cmd(m, 'meta.live_percentage', '50');
  assert.equal(m.effectiveLevel(), Level.steady);
});

test('min_live: with 4 nodes and pct 0, the third death freezes (alive 2 < 3); /updateConfig-style min_live 2 unfreezes', () => {
  const m = model({ nodes: 4, livePercentage: 0 });
  stopAndDetect(m, 0);
  stopAndDetect(m, 1);
  assert.deepEqual(m.freezeVerdict().reasons, ['min_live']);
  m.metas[m.leader!.meta]!.minLive = 2;
  assert.equal(m.freezeVerdict().frozen, false);
});

test('dead nodes stay counted until the meta restarts; a restart forgets drained nodes and resets runtime settings', () => {
  const m = model({ nodes: 10, livePercentage: 65, tables: [{ name: 'temp', partitions: 40, replicas: 3 }] });
  cmd(m, 'meta.lb.assign_delay_ms', '10');
  for (let k = 0; k < 3; k++) {
    stopAndDetect(m, k);
    m.advance(120); // cure re-creates the replicas elsewhere
    assert.ok(allHealthy(m));
  }
  assert.deepEqual([m.freezeVerdict().alive, m.freezeVerdict().dead, m.freezeVerdict().frozen], [7, 3, false]);
  stopAndDetect(m, 3);
  assert.equal(m.freezeVerdict().frozen, true, '6 alive of 10 known at 65% freezes');
  m.restartAllMetas();
  m.advance((m.cfg.metaStartupMs / 1000) * 2 + m.cfg.fdGraceSeconds + 3);
  // the three drained nodes hold nothing and are forgotten; node 3 still holds replicas and is dead again
  assert.deepEqual([m.freezeVerdict().alive, m.freezeVerdict().dead, m.freezeVerdict().frozen], [6, 1, false]);
  assert.equal(m.leader!.assignDelayMs, 600000);
  assert.equal(cmd(m, 'meta.lb.assign_delay_ms'), '{\n  "error": "ok",\n  "meta.lb.assign_delay_ms": "600000"\n}');
});

// ------------------------------------------------------------------ node death

test('2.6: a stopped node turns UNALIVE only after the grace period; its primaries are re-elected; secondaries come back only after the assign delay', () => {
  const m = model({ nodes: 5, tables: [{ name: 'temp', partitions: 16, replicas: 3 }] });
  m.advance(5);
  const victim = 0;
  const hadPrimaries = m.nodes[victim]!.primaries;
  assert.ok(hadPrimaries > 0);
  m.stopNode(victim);
  m.advance(m.cfg.fdGraceSeconds - 1);
  assert.equal(m.isAlive(victim), true, 'still alive before grace');
  assert.ok(m.groundTruth().partitionsWithoutPrimary > 0, 'ground truth: its primaries do not serve');
  m.advance(m.cfg.fdCheckIntervalSeconds + 2);
  assert.equal(m.isAlive(victim), false);
  assert.equal(m.leader!.dead.has(victim), true);
  m.advance(2);
  assert.equal(m.nodes[victim]!.primaries, 0);
  assert.equal(m.nodes[victim]!.replicas, 0, 'dead secondaries were downgraded');
  assert.ok(m.partitions.every((p) => p.primary >= 0 && p.primary !== victim));
  assert.equal(m.groundTruth().partitionsWithoutPrimary, 0);
  const under = m.groundTruth().partitionsUnderReplicated;
  assert.ok(under > 0);
  // primary loss costs two ballots: meta removes the primary, the secondary upgrades
  const lost = m.log.filter((e) => e.kind === 'config' && e.type === 'CT_UPGRADE_TO_PRIMARY');
  assert.equal(lost.length, hadPrimaries);
  m.advance(300);
  assert.equal(m.groundTruth().partitionsUnderReplicated, under, 'nothing re-added within the 600 s delay');
  assert.equal(m.metrics.replicasCopied, 0);
  m.advance(300 + 10 + 60);
  assert.ok(allHealthy(m));
  assert.equal(m.metrics.replicasCopied, under);
  assert.equal(Math.round(m.metrics.bytesCopied), under * 1024 * MB);
});

test('2.5 defaults: grace 10 s and assign delay 300 s', () => {
  const m = model({ version: '2.5' });
  assert.deepEqual([m.cfg.fdLeaseSeconds, m.cfg.fdGraceSeconds, m.cfg.assignDelayMs], [9, 10, 300000]);
  m.stopNode(1);
  m.advance(9);
  assert.equal(m.isAlive(1), true);
  m.advance(4);
  assert.equal(m.isAlive(1), false);
  m.advance(200);
  assert.ok(!allHealthy(m));
  m.advance(150);
  assert.ok(allHealthy(m));
});

test('a node back within the assign delay gets its own replicas back by log learning (no full copy)', () => {
  const m = model({ nodes: 5 });
  stopAndDetect(m, 2);
  m.advance(60);
  m.startNode(2);
  m.advance(30);
  assert.ok(allHealthy(m));
  assert.equal(m.metrics.replicasCopied, 0);
  assert.ok(m.metrics.incrementalLearns > 0);
  assert.ok(m.nodes[2]!.replicas > 0);
});

test('assign_delay_ms 10 with a black list: replicas are re-created at once and never on a black-listed node', () => {
  const m = model({ nodes: 8, tables: [{ name: 'temp', partitions: 32, replicas: 3 }] });
  const black = [m.nodes[5]!.address, m.nodes[6]!.address, m.nodes[0]!.address];
  assert.equal(cmd(m, 'meta.lb.assign_secondary_black_list', black.join(',')), '{\n  "error": "ok"\n}');
  assert.equal(cmd(m, 'meta.lb.assign_delay_ms', '10'), '{\n  "error": "ok"\n}');
  stopAndDetect(m, 0); // the node being removed is black-listed too
  m.advance(12);
  m.startNode(0); // even if it comes back, it never gets a new secondary
  m.advance(200);
  assert.ok(allHealthy(m));
  assert.ok(m.metrics.replicasCopied > 0);
  const added = m.log.filter((e) => e.kind === 'config' && e.type === 'CT_UPGRADE_TO_SECONDARY').map((e) => e.node);
  assert.equal(added.length, m.metrics.replicasCopied);
  for (const a of added) assert.ok(!black.includes(a as string), `added a secondary on black-listed ${String(a)}`);
  assert.equal(m.nodes[0]!.replicas, 0);
});

test('a node death while frozen: the primary is removed but no new primary until unfreeze', () => {
  const m = model({ nodes: 3 });
  stopAndDetect(m, 0);
  assert.equal(m.effectiveLevel(), Level.freezed);
  m.advance(60);
  const without = m.groundTruth().partitionsWithoutPrimary;
  assert.ok(without > 0, 'no primary while frozen');
  assert.ok(m.metrics.frozenSeconds > 50);
  m.metas[m.leader!.meta]!.minLive = 1; // /updateConfig?min_live_node_count_for_unfreeze=1
  cmd(m, 'meta.live_percentage', '0');
  m.advance(5);
  assert.equal(m.groundTruth().partitionsWithoutPrimary, 0);
});

// ------------------------------------------------------------------ balancer

test('balancer: after adding empty nodes and lively, primaries and replicas converge within ±1 per table; copied bytes match the moves', () => {
  const m = model({ nodes: 5, replicaSizeMb: 100, tables: parseTables('temp:8:3,big:32:3,two:10:2') });
  m.advance(40);
  m.addNode();
  m.addNode();
  m.controlMetaLevel(Level.lively);
  for (let i = 0; i < 200 && !(m.leader!.balanceCount.total === 0 && allHealthy(m) && i > 3); i++) m.advance(30);
  const alive = [...m.leader!.alive];
  assert.equal(alive.length, 7);
  for (const app of m.apps) {
    assert.ok(spread(app, alive, 'prim') <= 1, `${app.name} primaries ${alive.map((a) => app.prim[a])}`);
    assert.ok(spread(app, alive, 'rep') <= 1, `${app.name} replicas ${alive.map((a) => app.rep[a])}`);
  }
  assert.ok(m.nodes[5]!.replicas > 0 && m.nodes[6]!.replicas > 0);
  const lbAdds = m.log.filter((e) => e.kind === 'config' && e.type === 'CT_UPGRADE_TO_SECONDARY' && e.origin === 'balancer').length;
  assert.equal(m.metrics.replicasCopied, lbAdds);
  assert.equal(Math.round(m.metrics.bytesCopied), lbAdds * 100 * MB);
  assert.ok(m.metrics.balancerRounds >= 2);
  assert.equal(m.groundTruth().partitionsWithoutPrimary, 0);
});

test('only_move_primary: scale-out copies secondaries then moves primaries (no copy_pri)', () => {
  const m = model({ nodes: 4, replicaSizeMb: 10, tables: parseTables('temp:16:3') });
  m.addNode();
  m.addNode();
  cmd(m, 'meta.lb.only_move_primary', 'true');
  m.controlMetaLevel(Level.lively);
  m.advance(1500);
  const kinds = new Set(m.log.filter((e) => e.kind === 'proposal' && e.origin === 'balancer').map((e) => e.balance));
  assert.ok(!kinds.has('copy_pri'));
  assert.ok(kinds.has('copy_sec') && kinds.has('move_pri'));
  const alive = [...m.leader!.alive];
  assert.ok(spread(m.apps[0]!, alive, 'prim') <= 1);
});

test('steady only counts; set_meta_level steady clears registered proposals', () => {
  const m = model({ nodes: 4, tables: parseTables('temp:16:3') });
  m.addNode();
  m.advance(30);
  assert.ok(m.leader!.balanceCount.total > 0, 'the checker runs at steady');
  assert.equal(m.metrics.balancerRounds, 0);
  // a manual move_pri is registered, then cleared by set_meta_level steady before it runs
  const p = m.apps[0]!.partitions[0]!;
  const [a, b] = [p.primary, p.secondaries[0]!];
  assert.equal(
    m.proposeBalancer(
      1,
      0,
      [
        { target: a, node: a, type: CT.DOWNGRADE_TO_SECONDARY },
        { target: b, node: b, type: CT.UPGRADE_TO_PRIMARY },
      ],
      false,
    ),
    'ERR_OK',
  );
  assert.equal(
    m.proposeBalancer(1, 0, [{ target: a, node: a, type: CT.DOWNGRADE_TO_SECONDARY }], false),
    'ERR_INVALID_PARAMETERS',
    'already pending',
  );
  m.controlMetaLevel(Level.steady);
  m.advance(20);
  assert.equal(p.primary, a);
  // registered again, it runs at the next tick: two ballots
  const ballot = p.ballot;
  m.proposeBalancer(
    1,
    0,
    [
      { target: a, node: a, type: CT.DOWNGRADE_TO_SECONDARY },
      { target: b, node: b, type: CT.UPGRADE_TO_PRIMARY },
    ],
    false,
  );
  m.advance(11);
  assert.equal(p.primary, b);
  assert.equal(p.ballot, ballot + 2);
});

test('DOWNGRADE_TO_INACTIVE of an alive node: cure re-adds the same node (not black-listed)', () => {
  const m = model();
  const p = m.apps[0]!.partitions[1]!;
  const victim = p.secondaries[0]!;
  m.proposeBalancer(1, 1, [{ target: -1, node: victim, type: CT.DOWNGRADE_TO_INACTIVE }], false);
  m.advance(25);
  assert.ok(p.secondaries.includes(victim));
  assert.equal(m.metrics.replicasCopied, 0);
});

test('learning concurrency: at most 5 full learns per node at once; the copy rate is shared', () => {
  const m = model({ nodes: 4, replicaSizeMb: 1000, copyRateMb: 100, tables: parseTables('temp:40:3') });
  cmd(m, 'meta.lb.assign_delay_ms', '10');
  stopAndDetect(m, 0);
  m.advance(11);
  const learning = m.nodes.map((n) => n.learns.filter((l) => l.full).length);
  assert.ok(Math.max(...learning) <= 5);
  assert.ok(learning.some((c) => c === 5));
  m.advance(2000);
  assert.ok(allHealthy(m));
});

// ------------------------------------------------------------------ meta fail-over

test('leader killed mid-operation: a follower takes over, runtime settings are back to config values, the dead set is rebuilt', () => {
  const m = model({ nodes: 6 });
  const first = m.leader!.meta;
  cmd(m, 'meta.lb.assign_delay_ms', '10');
  cmd(m, 'meta.lb.assign_secondary_black_list', m.nodes[1]!.address);
  m.controlMetaLevel(Level.lively);
  stopAndDetect(m, 0);
  m.advance(3);
  m.killLeader();
  assert.equal(m.roleOf(first), 'down');
  assert.equal(m.leader, null);
  m.advance(m.cfg.leaderElectionMs / 1000 + 0.5);
  const next = m.leader!.meta;
  assert.notEqual(next, first);
  assert.equal(m.roleOf(next), 'leader-starting');
  m.advance(m.cfg.metaStartupMs / 1000);
  assert.equal(m.roleOf(next), 'leader');
  assert.equal(m.leader!.assignDelayMs, 600000);
  assert.deepEqual(m.leader!.blackList, []);
  assert.equal(m.leader!.storedLevel, Level.steady);
  assert.equal(cmd(m, 'meta.lb.assign_secondary_black_list'), '{\n  "assign_secondary_black_list": "",\n  "error": "ok"\n}');
  // follower-only commands: the old leader is down, the other follower does not know meta.lb.*
  const follower = [0, 1, 2].find((i) => i !== first && i !== next)!;
  assert.equal(runRemoteCommand(m, follower, 'meta.lb.assign_delay_ms', []), "unknown command 'meta.lb.assign_delay_ms'");
  m.startMeta(first);
  assert.equal(m.roleOf(first), 'follower');
});

// ------------------------------------------------------------------ determinism and options

test('same seed, same operations: identical logs and metrics', () => {
  const runOnce = (seed: number): string => {
    const m = model({ seed, nodes: 6, replicaSizeMb: 50, tables: parseTables('a:12:3,b:6:2') });
    cmd(m, 'meta.lb.assign_delay_ms', '10');
    stopAndDetect(m, 1);
    m.addNode();
    m.controlMetaLevel(Level.lively);
    m.advance(900);
    return JSON.stringify([m.log, m.metrics]);
  };
  assert.equal(runOnce(7), runOnce(7));
});

test('options: bad table specs and grace <= lease are refused with the value named', () => {
  assert.throws(() => parseTables('temp:8'), /bad table 'temp:8'/);
  assert.throws(() => parseTables('temp:0:3'), /partitions ≥ 1/);
  assert.throws(() => parseTables('a:1:1,a:2:2'), /listed twice/);
  assert.deepEqual(parseTables('temp:8:3, t2:4:2'), [
    { name: 'temp', partitions: 8, replicas: 3 },
    { name: 't2', partitions: 4, replicas: 2 },
  ]);
  assert.throws(() => resolveOptions({ fdGraceSeconds: 5, fdLeaseSeconds: 9 }), /must be greater/);
});

test('documented scale-in of one node: black list + assign delay 10 + move_pri + downgrade, then stop: no partition loses its primary for long', () => {
  const m = model({ nodes: 6, replicaSizeMb: 100, tables: parseTables('temp:24:3,t2:12:3') });
  const x = 2;
  const addr = m.nodes[x]!.address;
  cmd(m, 'meta.lb.assign_secondary_black_list', addr);
  cmd(m, 'meta.lb.assign_delay_ms', '10');
  // migrate_node: move_pri to a secondary
  for (const p of m.partitions.filter((q) => q.primary === x)) {
    const to = p.secondaries[0]!;
    assert.equal(
      m.proposeBalancer(
        p.app.id,
        p.pidx,
        [
          { target: x, node: x, type: CT.DOWNGRADE_TO_SECONDARY },
          { target: to, node: to, type: CT.UPGRADE_TO_PRIMARY },
        ],
        false,
      ),
      'ERR_OK',
    );
  }
  m.advance(11);
  assert.equal(m.nodes[x]!.primaries, 0);
  // downgrade_node: DOWNGRADE_TO_INACTIVE through the primary; cure re-creates each replica elsewhere
  const copies = m.nodes[x]!.replicas;
  for (const p of m.partitions.filter((q) => q.secondaries.includes(x))) {
    assert.equal(m.proposeBalancer(p.app.id, p.pidx, [{ target: -1, node: x, type: CT.DOWNGRADE_TO_INACTIVE }], false), 'ERR_OK');
  }
  m.advance(120);
  assert.equal(m.nodes[x]!.replicas, 0);
  assert.ok(allHealthy(m));
  assert.equal(m.metrics.replicasCopied, copies);
  const before = m.metrics.partitionSecondsWithoutPrimary;
  m.stopNode(x);
  m.advance(60);
  assert.ok(allHealthy(m));
  assert.equal(m.metrics.partitionSecondsWithoutPrimary, before, 'the drained node served nothing');
  assert.ok(before < 24 * 0.2, `only the brief move_pri windows (${before})`);
  assert.equal(m.freezeVerdict().dead, 1);
});

test('worker lease: replica servers stop serving when no leader acks beacons for lease - check seconds; a quick fail-over costs nothing', () => {
  const quick = model({ version: '2.5' });
  quick.killLeader();
  quick.advance(10);
  assert.equal(quick.metrics.partitionSecondsWithoutPrimary, 0, 'election 3 s + start 1 s < lease');
  const slow = model({ version: '2.5', leaderElectionMs: 20000 });
  slow.killLeader();
  slow.advance(8); // lease 9 - check 2 = 7 s
  assert.equal(slow.groundTruth().partitionsWithoutPrimary, 8);
  slow.advance(14); // elected at 20 s, ready at 21 s
  assert.equal(slow.groundTruth().partitionsWithoutPrimary, 0);
  assert.ok(Math.abs(slow.metrics.partitionSecondsWithoutPrimary - 8 * 14) < 1e-6, String(slow.metrics.partitionSecondsWithoutPrimary));
});

test('flow control: at most add_secondary_max_count_for_one_node add-secondary sends per target per tick; 0 stops them', () => {
  const m = model({ nodes: 4, replicaSizeMb: 10, tables: parseTables('temp:40:3') });
  cmd(m, 'meta.lb.add_secondary_enable_flow_control', 'true');
  cmd(m, 'meta.lb.add_secondary_max_count_for_one_node', '0');
  cmd(m, 'meta.lb.assign_delay_ms', '10');
  stopAndDetect(m, 0);
  m.advance(60);
  assert.equal(m.log.filter((e) => e.kind === 'learn' && e.event === 'start').length, 0, 'max count 0 stops every add-secondary');
  cmd(m, 'meta.lb.add_secondary_max_count_for_one_node', '1');
  m.advance(10);
  const starts = m.log.filter((e) => e.kind === 'learn' && e.event === 'start');
  const perNode = new Map<unknown, number>();
  for (const s of starts) perNode.set(s.node, (perNode.get(s.node) ?? 0) + 1);
  assert.ok(starts.length > 0);
  assert.ok(
    [...perNode.values()].every((c) => c <= 1),
    JSON.stringify([...perNode]),
  );
  m.advance(600);
  assert.ok(allHealthy(m));
});

test('meta.lb.ignored_app_list: an ignored table is not balanced, the others are', () => {
  const m = model({ nodes: 4, replicaSizeMb: 10, tables: parseTables('a:16:3,b:16:3') });
  m.addNode();
  cmd(m, 'meta.lb.ignored_app_list', 'set', '2');
  m.controlMetaLevel(Level.lively);
  m.advance(1200);
  const alive = [...m.leader!.alive];
  assert.ok(spread(m.apps[0]!, alive, 'rep') <= 1);
  assert.equal(m.apps[1]!.rep[4] ?? 0, 0, 'table b (id 2) is ignored: nothing moves onto the new node');
  assert.ok(m.log.filter((e) => e.kind === 'proposal' && e.gpid === '2.0').length === 0);
});

test('primary imbalance with balanced replicas: the balancer uses move_pri along augmenting paths and copies nothing', () => {
  const m = model({ nodes: 3, tables: parseTables('temp:9:3') });
  for (const p of m.apps[0]!.partitions) {
    if (p.primary === 0) continue;
    m.proposeBalancer(
      1,
      p.pidx,
      [
        { target: p.primary, node: p.primary, type: CT.DOWNGRADE_TO_SECONDARY },
        { target: 0, node: 0, type: CT.UPGRADE_TO_PRIMARY },
      ],
      false,
    );
  }
  m.advance(11);
  assert.equal(m.apps[0]!.prim[0], 9, 'every primary on node 0');
  m.controlMetaLevel(Level.lively);
  m.advance(300);
  assert.deepEqual(
    [0, 1, 2].map((n) => m.apps[0]!.prim[n]),
    [3, 3, 3],
  );
  const kinds = new Set(m.log.filter((e) => e.kind === 'proposal' && e.origin === 'balancer').map((e) => e.balance));
  assert.deepEqual([...kinds], ['move_pri']);
  assert.equal(m.metrics.bytesCopied, 0);
  assert.equal(m.leader!.balanceCount.total, 0);
});

test('balancer_in_turn: one table per round', () => {
  const m = model({ nodes: 4, replicaSizeMb: 10, tables: parseTables('a:8:3,b:8:3') });
  m.addNode();
  cmd(m, 'meta.lb.balancer_in_turn', 'true');
  m.controlMetaLevel(Level.lively);
  m.advance(11);
  const first = m.log.filter((e) => e.kind === 'proposal' && e.origin === 'balancer');
  assert.ok(first.length > 0);
  assert.deepEqual([...new Set(first.map((e) => String(e.gpid).split('.')[0]))], ['1'], 'only table a in the first round');
  m.advance(1500);
  const alive = [...m.leader!.alive];
  for (const app of m.apps) assert.ok(spread(app, alive, 'rep') <= 1);
});
