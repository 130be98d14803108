import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LearnMeter } from '../../../src/engine/capacity';
import { planScaleIn } from '../../../src/engine/plan';
import { refusalWords } from '../../../src/commands/steps/words';
import { fakeEngine, FakeCluster, SIZED_ENGINE_OPTIONS } from '../../support/fakeCluster';

const MB = 1024 * 1024;
const N1 = '10.0.0.1:34801';
// Partitions of different sizes: 10 MB x (pidx + 1).
const skewed = { mb: (_appId: number, pidx: number) => 10 * (pidx + 1) };

test('plan: bytes per move and in total are the reported sizes of the replicas that move; no "sizes unknown" assumption', async () => {
  const f = new FakeCluster({ nodes: 6, tables: [{ name: 't', partitions: 8, replicas: 3 }], sizes: skewed });
  const s = await f.readState();
  const data = await f.readReplicaData!(s.nodes.map((n) => n.address));
  const p = planScaleIn(s, [N1], { pct: 50, replicaData: data, copyRateMBps: 10 });
  const copies = p.moves.filter((m) => m.bytes > 0);
  assert.ok(copies.length > 0);
  for (const m of copies) assert.equal(m.bytes, f.replicaBytes(m.appId, m.pidx), m.gpid);
  assert.equal(p.bytes, f.dataOn(N1), 'the leaving node copies exactly the bytes it holds');
  assert.equal(p.sizesFrom, 'metrics');
  assert.ok(!p.assumptions.some((a) => /sizes unknown/.test(a)), p.assumptions.join('; '));
  // Projected fill per receiving node in the drain step, and every node before/after in the plan.
  const drain = p.steps.find((x) => x.kind === 'drain')!;
  assert.ok(drain.fill && drain.fill.length > 0);
  for (const r of drain.fill) assert.ok(r.usedAfter > r.usedBefore, r.node);
  assert.equal(p.disks?.length, 6);
});

test('plan: a node that did not answer is named in an assumption, and only it', async () => {
  const f = new FakeCluster({ nodes: 6, tables: [{ name: 't', partitions: 8, replicas: 3 }], sizes: skewed });
  f.silent.add(N1);
  const s = await f.readState();
  const p = planScaleIn(s, [N1], { pct: 50, replicaData: await f.readReplicaData!(s.nodes.map((n) => n.address)) });
  const about = p.assumptions.filter((a) => /did not report/.test(a));
  assert.equal(about.length, 1);
  assert.match(about[0]!, /10\.0\.0\.1:34801 did not report its data \(unreachable/);
  // Its replicas are sized from the same partitions' other replicas: still exact here.
  assert.equal(p.bytes, f.dataOn(N1));
});

test('pre-flight: a scale-in that overfills the staying nodes is refused with disk-headroom naming the node and the fix; bigger disks pass', async () => {
  // 8 partitions x 3 replicas of 100 MB on 4 nodes: 600 MB each; removing one puts 800 MB on each of the 3 others.
  const small = fakeEngine({ nodes: 4, sizes: { mb: 100, diskMb: 900 } }, { options: SIZED_ENGINE_OPTIONS });
  const refusals = await small.engine.preflight({ op: 'scale-in', nodes: [N1] });
  const r = refusals.find((x) => x.code === 'disk-headroom');
  assert.ok(r && r.code === 'disk-headroom', JSON.stringify(refusals));
  assert.equal(r.limitPct, 85);
  assert.ok(r.nodes.length > 0 && r.nodes.every((n) => n.node !== N1 && n.pctAfter > 85));
  const w = refusalWords(r);
  assert.match(w.reason, new RegExp(r.nodes[0]!.node.replace(/\./g, '\\.')));
  assert.match(w.fix, /add nodes first.*remove fewer.*migrate/);
  const big = fakeEngine({ nodes: 4, sizes: { mb: 100, diskMb: 10_000 } }, { options: SIZED_ENGINE_OPTIONS });
  const ok = await big.engine.preflight({ op: 'scale-in', nodes: [N1] });
  assert.ok(!ok.some((x) => x.code === 'disk-headroom'), JSON.stringify(ok));
});

test('pre-flight: between the warning level and the limit it warns; the limit never passes what disk_min_available_space_ratio leaves', async () => {
  // 800 MB of 1000 MB after the moves: 80%, above 75, below 85.
  const warn = fakeEngine({ nodes: 4, sizes: { mb: 100, diskMb: 1000 } }, { options: SIZED_ENGINE_OPTIONS });
  const rep = await warn.engine.preflightReport({ op: 'scale-in', nodes: [N1] });
  assert.ok(!rep.refusals.some((x) => x.code === 'disk-headroom'));
  assert.ok(
    rep.warnings.some((x) => x.code === 'disk-headroom-warning'),
    JSON.stringify(rep.warnings),
  );
  // A limit of 99% is capped at 100 - 25 = 75%: 80% is refused.
  const capped = fakeEngine(
    { nodes: 4, sizes: { mb: 100, diskMb: 1000 } },
    { options: { ...SIZED_ENGINE_OPTIONS, fillLimitPct: 99, diskMinAvailableRatio: 25 } },
  );
  const rs = await capped.engine.preflight({ op: 'scale-in', nodes: [N1] });
  const r = rs.find((x) => x.code === 'disk-headroom');
  assert.ok(r && r.code === 'disk-headroom' && r.limitPct === 75, JSON.stringify(rs));
});

test('drain progress in bytes from the learning counters: the run reports the bytes the receivers copied', async () => {
  const { f, engine, events } = fakeEngine({ nodes: 6, sizes: skewed }, { options: SIZED_ENGINE_OPTIONS });
  const held = f.dataOn(N1);
  const r = await engine.run({ op: 'scale-in', nodes: [N1] });
  assert.equal(r.outcome, 'done', JSON.stringify(r));
  assert.equal(r.stats.bytesCopied, held);
  const last = events.filter((e) => e.kind === 'progress' && e.progress.phase === 'copy replicas').pop();
  assert.ok(last && last.kind === 'progress' && last.progress.bytesPlanned === held);
});

test('learning meter: a counter that goes down (process restart) keeps what it had counted', () => {
  const m = new LearnMeter(
    new Map([
      ['a', 100],
      ['b', 0],
    ]),
  );
  assert.equal(
    m.update(
      new Map([
        ['a', 150],
        ['b', 10],
      ]),
    ),
    60,
  );
  assert.equal(
    m.update(
      new Map([
        ['a', 20],
        ['b', 10],
      ]),
    ),
    80,
  );
  assert.equal(
    m.update(
      new Map([
        ['a', 30],
        ['c', 5],
      ]),
    ),
    90,
  );
  assert.equal(MB, 1 << 20);
});

test('learning meter: a volatile counter (2.5, reset on each read) adds every reading after the start', () => {
  // Follows v2.5.0 src/replica/replica_stub.cpp: replicas.learning.recent.copy.file.size is COUNTER_TYPE_VOLATILE_NUMBER.
  const m = new LearnMeter(new Map([['a', 500]]), true);
  assert.equal(m.update(new Map([['a', 100]])), 100, 'what was counted before the start is not the run');
  assert.equal(
    m.update(
      new Map([
        ['a', 0],
        ['b', 40],
      ]),
    ),
    140,
  );
});

test('plan: nodes that did not answer for the same reason are one assumption; none answering is "sizes unknown", said once with why', async () => {
  const f = new FakeCluster({ nodes: 6, tables: [{ name: 't', partitions: 8, replicas: 3 }], sizes: skewed });
  f.silent.add(N1);
  f.silent.add('10.0.0.2:34801');
  const s = await f.readState();
  const p = planScaleIn(s, [N1], { pct: 50, replicaData: await f.readReplicaData!(s.nodes.map((n) => n.address)) });
  const about = p.assumptions.filter((a) => /did not report/.test(a));
  assert.equal(about.length, 1, about.join('; '));
  assert.match(about[0]!, /^10\.0\.0\.1:34801, 10\.0\.0\.2:34801 did not report their data \(unreachable/);
  for (const n of f.nodes.keys()) f.silent.add(n);
  const none = planScaleIn(s, [N1], { pct: 50, replicaData: await f.readReplicaData!(s.nodes.map((n) => n.address)) });
  assert.equal(none.sizesFrom, 'assumed');
  const lines = none.assumptions.filter((a) => /report|sizes unknown/.test(a));
  assert.equal(lines.length, 1, lines.join('; '));
  assert.match(
    lines[0]!,
    /^replica sizes unknown \(no replica server reported its data: unreachable: connection refused, and 5 more\): assumed 1\.0 GiB/,
  );
});
