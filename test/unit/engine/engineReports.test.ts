/**
 * What the engine tells the operator at the edges of a run: the level kept after a cancelled drain,
 * restore-settings without a journal, unknown addresses, freeze margin, primary balance, progress
 * totals and the overlap of a drain with failure detection.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Journal } from '../../../src/engine/journal';
import { fakeEngine, replicaDataOf, SIZED_ENGINE_OPTIONS, TWO_METAS, type FakeCluster, type FakeOptions } from '../../support/fakeCluster';
import type { EngineOptions, Progress } from '../../../src/engine/engine';
import type { ClusterPort } from '../../../src/engine/ports';
import { progressWords } from '../../../src/commands/steps/words';

const N1 = '10.0.0.1:34801';
const N2 = '10.0.0.2:34801';

function setup(o: Partial<FakeOptions> = {}, options: EngineOptions = {}, journal: Journal = Journal.memory()) {
  return fakeEngine(o, { journal, metaServers: TWO_METAS, who: 'tester@host', options: { ...SIZED_ENGINE_OPTIONS, ...options } });
}

/** What a balancer does in lively: hand a partition's primary role to `node` (a secondary of it). */
function primaryBackTo(f: FakeCluster, node: string): void {
  for (const t of f.tables) {
    for (const p of t.partitions) {
      if (p.secondaries.includes(node) && p.primary) {
        p.secondaries = [...p.secondaries.filter((s) => s !== node), p.primary];
        p.primary = node;
        p.ballot += 2;
        return;
      }
    }
  }
  throw new Error(`no partition with ${node} as a secondary`);
}

test('cancel mid-drain keeps the level steady (not lively), says why; resume re-checks "done" drain steps against the live placement', async () => {
  const journal = Journal.memory();
  // The copies in flight at the cancel are not followed (bound 0): N1 keeps secondaries for the balancer scene below.
  const { f, engine, events } = setup({}, { timeouts: { inFlightMs: 0 } }, journal);
  f.settings.level = 'lively';
  const ac = new AbortController();
  f.onTick = (x) => {
    // Cancel while N1 holds no primary any more but still replicas (its replicas step runs).
    const priDone = journal.all().some((j) => j.t === 'step' && j.step === `${N1}:primaries` && j.status === 'done');
    if (priDone && x.replicasOn(N1) > 0) ac.abort();
  };
  const r = await engine.run({ op: 'scale-in', nodes: [N1, N2] }, { signal: ac.signal });
  f.onTick = undefined;
  assert.equal(r.outcome, 'cancelled', JSON.stringify(r));
  assert.equal(f.settings.level, 'steady', 'lively would let the balancer refill the drained node');
  const kept = r.settingsLeft.find((s) => s.name === 'meta_level');
  assert.ok(kept, JSON.stringify(r.settingsLeft));
  assert.deepEqual(kept.reason, { code: 'level-kept-steady', op: 'scale-in', outcome: 'cancelled', nodes: [N1, N2], original: 'lively' });
  assert.equal(kept.value, 'steady');
  assert.deepEqual(f.settings.blackList, [], 'the other settings are still given back');
  // The balancer would have moved a primary back (the QA run saw this in lively): the journal's "done" is stale.
  primaryBackTo(f, N1);
  events.length = 0;
  const r2 = await engine.run({ op: 'scale-in', nodes: [N1, N2] }, { resume: true });
  assert.equal(r2.outcome, 'done', JSON.stringify(r2));
  assert.ok(
    events.some(
      (e) => e.kind === 'warning' && e.note.code === 'drain-again' && e.note.step === `${N1}:primaries` && e.note.primaries === 1,
    ),
    events.map((e) => JSON.stringify(e)).join('\n'),
  );
  assert.ok(!events.some((e) => e.kind === 'step' && e.status === 'skipped' && e.step === `${N1}:primaries`));
  assert.equal(f.replicasOn(N1) + f.replicasOn(N2), 0);
  assert.equal(f.settings.level, 'lively', 'finishing the run gives the level back');
  assert.equal(f.metrics.noPrimaryMs, 0);
});

test('restore-settings after a cancelled drain gives the kept level back', async () => {
  const { f, engine } = setup();
  f.settings.level = 'lively';
  const ac = new AbortController();
  f.onTick = (x) => {
    if (x.tables.some((t) => t.partitions.some((p) => p.learn))) ac.abort();
  };
  const r = await engine.run({ op: 'scale-in', nodes: [N1] }, { signal: ac.signal });
  f.onTick = undefined;
  assert.equal(r.outcome, 'cancelled');
  assert.equal(f.settings.level, 'steady');
  const r2 = await engine.run({ op: 'restore-settings' });
  assert.equal(r2.outcome, 'done', JSON.stringify(r2));
  assert.equal(f.settings.level, 'lively');
  assert.deepEqual(r2.settingsLeft, []);
});

test('restore-settings with an empty journal says nothing is known and lists what looks changed, with the fixes', async () => {
  const { f, engine } = setup();
  // Left by a run whose journal is gone (exec killed by SIGTERM before the journal was kept).
  f.settings.blackList = [N1];
  f.settings.delay = 10;
  const r = await engine.run({ op: 'restore-settings' });
  const none = r.notes.find((n) => n.code === 'no-journal');
  assert.ok(none && none.code === 'no-journal', JSON.stringify(r.notes));
  assert.deepEqual(none.looksChanged, [{ code: 'black-list-set', value: N1 }, { code: 'delay-low', ms: 10 }, { code: 'level-steady' }]);
  assert.ok(!r.notes.some((n) => n.code === 'nothing-to-restore'), 'it does not claim all was given back');
  // It changed nothing it does not know about.
  assert.deepEqual(f.settings.blackList, [N1]);
  // A clean cluster: says so too.
  const c = setup();
  c.f.settings.level = 'lively';
  const r2 = await c.engine.run({ op: 'restore-settings' });
  assert.deepEqual(r2.notes, [{ code: 'no-journal', journal: 'in-memory journal', looksChanged: [] }]);
});

test('scale-out of a member is refused by plan and pre-flight with a code; freeze-check of a removed node offers no neighbour', async () => {
  const journal = Journal.memory();
  journal.append({ t: 'step', step: '10.0.0.9:34801:stop', status: 'done' }, new Date(), 'earlier-run');
  const { engine } = setup({}, {}, journal);
  const plan = await engine.plan({ op: 'scale-out', nodes: [N1] });
  assert.deepEqual(
    plan.problems.filter((p) => p.code === 'already-member'),
    [{ code: 'already-member', nodes: [N1] }],
  );
  const pre = await engine.preflight({ op: 'scale-out', nodes: [N1] });
  assert.ok(
    pre.some((r) => r.code === 'already-member'),
    JSON.stringify(pre),
  );
  const fc = await engine.freezeCheck(['10.0.0.9:34801']);
  assert.equal(fc.outcome, 'refused');
  const r0 = fc.refusals[0]!;
  assert.ok(r0.code === 'not-a-node' && r0.removed?.run === 'earlier-run' && r0.closest === undefined, JSON.stringify(r0));
});

test('plan and freeze-check refuse an address the meta does not list, naming the closest known node', async () => {
  const { engine } = setup();
  const plan = await engine.plan({ op: 'scale-in', nodes: ['10.0.0.9:34801'] });
  assert.ok(plan.problems.length > 0, 'a plan for an unknown node is not green');
  const p0 = plan.problems[0]!;
  assert.ok(
    p0.code === 'not-a-node' && p0.node === '10.0.0.9:34801' && p0.known === 6 && /^10\.0\.0\.\d:34801$/.test(p0.closest ?? ''),
    JSON.stringify(p0),
  );
  const hostMix = await engine.plan({ op: 'scale-in', nodes: ['node-1.example:34801'] });
  const h0 = hostMix.problems[0]!;
  assert.ok(h0.code === 'not-a-node' && /^10\.0\.0\.\d:34801$/.test(h0.closest ?? '') && h0.listedAs === 'ip', JSON.stringify(h0));
  const fc = await engine.freezeCheck(['10.0.0.1:34801', '10.0.0.1:39999']);
  assert.equal(fc.outcome, 'refused');
  assert.ok(
    fc.refusals.some((x) => x.code === 'not-a-node' && x.node === '10.0.0.1:39999' && x.closest === '10.0.0.1:34801'),
    JSON.stringify(fc.refusals),
  );
  assert.deepEqual((fc.data as { schedule: unknown[] }).schedule, []);
  const seven = await engine.freezeCheck(7);
  assert.equal(seven.outcome, 'refused');
  assert.deepEqual(seven.refusals, [{ code: 'too-many', count: 7, alive: 6, listed: 6 }]);
  assert.equal((await engine.freezeCheck(2)).outcome, 'done');
});

test('a stop that leaves freeze margin 0 is warned about in plan and preflight; keepMargin 1 keeps a spare', async () => {
  const { decideRemoval } = await import('../../../src/engine/freezeGuard');
  // 10 nodes at 65: removals 4.. need lowering; margin-0 lowering gives 60, keep-margin 1 gives 50 (4 alive, 4 dead after the 2nd... see below).
  assert.deepEqual(decideRemoval({ alive: 7, dead: 3, pct: 65, minLive: 3 }).kind, 'lower');
  const d0 = decideRemoval({ alive: 7, dead: 3, pct: 65, minLive: 3 });
  const d1 = decideRemoval({ alive: 7, dead: 3, pct: 65, minLive: 3 }, 1);
  assert.ok(d0.kind === 'lower' && d0.pct === 60 && d0.after.margin === 0);
  assert.ok(d1.kind === 'lower' && d1.pct === 50 && d1.after.margin >= 1, JSON.stringify(d1));
  // Not frozen after, but margin 0: keepMargin 1 lowers before it is needed.
  const ok1 = decideRemoval({ alive: 6, dead: 0, pct: 80, minLive: 3 }, 1);
  assert.ok(ok1.kind === 'lower' && ok1.pct === 66 && ok1.after.margin === 1, JSON.stringify(ok1));
  // min_live makes a spare impossible: margin-0 value, said.
  const short = decideRemoval({ alive: 4, dead: 0, pct: 65, minLive: 3 }, 1);
  assert.ok(
    short.kind !== 'refuse' && short.short?.code === 'margin-short' && short.short.aliveAfter === 2 && short.short.minLive === 3,
    JSON.stringify(short),
  );

  const { engine, events } = setup({ nodes: 6, pct: 80 });
  const plan = await engine.plan({ op: 'scale-in', nodes: [N1, N2] });
  assert.ok(
    plan.warnings.some((w) => w.code === 'margin-zero' && w.nodes.join(',') === `${N1},${N2}`),
    JSON.stringify(plan.warnings),
  );
  const pf = await engine.preflightReport({ op: 'scale-in', nodes: [N1, N2] });
  assert.deepEqual(pf.refusals, []);
  assert.ok(pf.warnings.some((w) => w.code === 'margin-zero'));
  assert.ok(events.some((e) => e.kind === 'warning' && e.note.code === 'margin-zero'));

  const k = setup({ nodes: 6, pct: 80 }, { keepMargin: 1 });
  const kp = await k.engine.plan({ op: 'scale-in', nodes: [N1, N2] });
  assert.deepEqual(kp.warnings, []);
  assert.ok(kp.steps.filter((s) => s.kind === 'stop').every((s) => s.freezeAfter.margin >= 1));
  const r = await k.engine.run({ op: 'scale-in', nodes: [N1, N2] });
  assert.equal(r.outcome, 'done', JSON.stringify(r));
  assert.equal(k.f.metrics.frozenMs, 0);
  // One more unrelated failure now would not freeze the meta.
  const { freezeMargin } = await import('../../../src/cluster/freeze');
  assert.ok(freezeMargin({ alive: k.f.aliveCount(), dead: k.f.dead.size, pct: k.f.settings.pct, minLive: 3 }) >= 1);
});

test('after a scale-in the moved primaries are even per table (role switches only); the summary advises a rebalance when not even', async () => {
  const { f, engine } = setup({
    nodes: 5,
    tables: [
      { name: 'temp', partitions: 8, replicas: 3 },
      { name: 'usertable', partitions: 16, replicas: 3 },
    ],
  });
  const hosted = f.replicasOn('10.0.0.4:34801') + f.replicasOn('10.0.0.5:34801');
  const r = await engine.run({ op: 'scale-in', nodes: ['10.0.0.4:34801', '10.0.0.5:34801'] });
  assert.equal(r.outcome, 'done', JSON.stringify(r));
  for (const t of f.tables) {
    const cnt = new Map<string, number>();
    for (const p of t.partitions) cnt.set(p.primary!, (cnt.get(p.primary!) ?? 0) + 1);
    const v = [...cnt.values()];
    assert.equal(cnt.size, 3, `${t.name}: every staying node holds primaries`);
    assert.ok(Math.max(...v) - Math.min(...v) <= 1, `${t.name} primaries ${[...cnt].join(' ')}`);
  }
  assert.equal(f.metrics.copies, hosted, 'evening out copies nothing');
  assert.equal(f.metrics.noPrimaryMs, 0);
  assert.ok(!r.notes.some((n) => n.code === 'uneven'), JSON.stringify(r.notes));
  // Uneven replicas the engine does not fix by role switches: said, with the command.
  const u = setup({ nodes: 6 });
  const r2 = await u.engine.run({ op: 'drain-node', node: N1 });
  assert.equal(r2.outcome, 'done', JSON.stringify(r2));
  // The drained node is still alive and empty: its table is not even.
  const uneven = r2.notes.find((n) => n.code === 'uneven');
  assert.ok(uneven && uneven.code === 'uneven' && uneven.op === 'drain-node', JSON.stringify(r2.notes));
  assert.equal(uneven.tables.find((t) => t.table === 'temp')?.primaries[0], 0);
});

test('progress uses one planned total and one time window; bytes past the plan are explained; no "ETA 0s" while replicas are left', async () => {
  // The learning counters report twice the given size per copy (the replicas are larger than given; no sizes reported).
  const timed: {
    t: number;
    kind: string;
    step?: string;
    status?: string;
    detail?: string;
    p?: Progress;
  }[] = [];
  const { f, engine } = setup();
  (f as { readReplicaData?: ClusterPort['readReplicaData'] }).readReplicaData = async (nodes) =>
    replicaDataOf({ learning: nodes.map((n, i) => ({ node: n, copyFileBytes: i === 0 ? f.metrics.copies * 2 * (1 << 20) : 0 })) });
  const events = {
    push: (e: { kind: string; detail?: string; step?: string; status?: string; progress?: never }) =>
      timed.push({
        t: f.time,
        kind: e.kind,
        ...(e.kind === 'step' ? { step: e.step, status: e.status, detail: e.detail } : {}),
        ...(e.kind === 'progress' ? { p: e.progress } : {}),
      }),
  };
  const { engine: e2 } = fakeEngine({}, { cluster: f, events: events as never, options: SIZED_ENGINE_OPTIONS });
  void engine;
  const r = await e2.run({ op: 'scale-in', nodes: [N1] });
  assert.equal(r.outcome, 'done', JSON.stringify(r));
  const drainAt = timed.find((e) => e.kind === 'step' && e.step === `${N1}:primaries` && e.status === 'started')!.t;
  const copying = timed.filter((e) => e.kind === 'progress' && e.p!.replicasLeft !== undefined);
  assert.ok(copying.length > 0);
  for (const e of copying) {
    // Past the plan the progress says why: the replicas are larger than the size given.
    if (e.p!.bytesCopied > e.p!.bytesPlanned) assert.equal(e.p!.overPlan, 'given');
    assert.doesNotMatch(progressWords(e.p!), /ETA 0s/);
    // Rate and elapsed over the drain's window, which began with the primaries step.
    assert.ok(Math.abs(e.p!.elapsedSeconds - (e.t - drainAt) / 1000) < 1e-9, `${e.p!.elapsedSeconds} vs ${(e.t - drainAt) / 1000}`);
  }
  const done = timed.find((e) => e.kind === 'step' && e.step === `${N1}:replicas` && e.status === 'done')!;
  assert.match(
    done.detail ?? '',
    /4 replicas copied off 10\.0\.0\.1:34801 \(8\.0 MiB, measured from the learning counters: more than the 4\.0 MiB planned/,
  );
});

test("the overlap of a drain with the previous node's failure detection is said; plan scale-out --count counts one node per start and names no fake address", async () => {
  const { engine, events } = setup();
  const r = await engine.run({ op: 'scale-in', nodes: [N1, N2] });
  assert.equal(r.outcome, 'done', JSON.stringify(r));
  assert.ok(
    events.some((e) => e.kind === 'info' && e.note.code === 'drain-overlaps' && e.note.node === N2 && e.note.previous === N1),
    events.map((e) => JSON.stringify(e)).join('\n'),
  );
  const plan = await engine.plan({ op: 'scale-out', count: 2 });
  const starts = plan.steps.filter((s) => s.kind === 'start');
  // 4 alive, 2 dead after the scale-in: the first start makes 5 alive, the second 6.
  assert.deepEqual(
    starts.map((s) => `${s.freezeAfter.alive}/${s.freezeAfter.dead}`),
    ['5/2', '6/2'],
  );
  assert.ok(
    starts.every((s) => !/:0$/.test(s.node!) && /new node \d, address given when it starts/.test(s.node!)),
    starts.map((s) => s.node).join(','),
  );
});
