import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from '../../../src/engine/journal';
import type { FreezeCheckData } from '../../../src/engine/engine';
import { fakeEngine, SIZED_ENGINE_OPTIONS, TWO_METAS, type FakeOptions } from '../../support/fakeCluster';

function setup(o: Partial<FakeOptions> = {}, journal: Journal = Journal.memory()) {
  return fakeEngine(
    {
      tables: [
        { name: 'temp', partitions: 8, replicas: 3 },
        { name: 'user', partitions: 4, replicas: 3 },
      ],
      ...o,
    },
    { journal, metaServers: TWO_METAS, who: 'tester@host', options: SIZED_ENGINE_OPTIONS },
  );
}

test('scale-in of two nodes copies each hosted replica once, never loses a primary, restores every setting', async () => {
  const { f, engine, journal } = setup();
  const hosted = f.replicasOn('10.0.0.1:34801') + f.replicasOn('10.0.0.2:34801');
  const r = await engine.run({ op: 'scale-in', nodes: ['10.0.0.1:34801', '10.0.0.2:34801'] });
  assert.equal(r.outcome, 'done', JSON.stringify(r));
  assert.equal(f.metrics.copies, hosted);
  assert.equal(f.metrics.noPrimaryMs, 0);
  assert.equal(f.metrics.frozenMs, 0);
  assert.equal(f.replicasOn('10.0.0.1:34801'), 0);
  assert.equal(f.nodes.get('10.0.0.1:34801')!.alive, false);
  assert.equal(f.nodes.get('10.0.0.2:34801')!.alive, false);
  assert.equal(f.unhealthy(), 0);
  assert.deepEqual(f.settings.blackList, []);
  assert.equal(f.settings.delay, 300_000);
  assert.equal(f.settings.pct, 50);
  assert.deepEqual(r.settingsLeft, []);
  assert.equal(r.plan!.copies, hosted);
  assert.equal(r.plan!.replicasOnLeaving, hosted);
  // The black list held both leaving nodes while the first one drained.
  assert.ok(f.settingLog.includes('meta.lb.assign_secondary_black_list=10.0.0.1:34801,10.0.0.2:34801'));
  const steps = journal
    .all()
    .filter((x) => x.t === 'step' && x.status === 'done')
    .map((x) => (x as { step: string }).step);
  // One node at a time; the next drain overlaps only the failure detector's grace period of the previous (empty) node.
  assert.deepEqual(steps.slice(3), [
    '10.0.0.1:34801:primaries',
    '10.0.0.1:34801:replicas',
    '10.0.0.1:34801:stop',
    '10.0.0.2:34801:primaries',
    '10.0.0.2:34801:replicas',
    '10.0.0.1:34801:gone',
    '10.0.0.1:34801:healthy',
    '10.0.0.2:34801:stop',
    '10.0.0.2:34801:gone',
    '10.0.0.2:34801:healthy',
    'primaries-balance',
  ]);
  assert.equal(journal.all().at(-1)!.t, 'end');
});

test('freeze guard lowers meta.live_percentage just enough before a stop and keeps it lowered while dead nodes count', async () => {
  // 6 nodes at pct 70: removing one leaves 5 alive of 6 (500 < 420? no: 500 >= 420) fine; two: 400 < 420 freezes.
  const { f, engine, events } = setup({ pct: 70 });
  const r = await engine.run({ op: 'scale-in', nodes: ['10.0.0.1:34801', '10.0.0.2:34801'] });
  assert.equal(r.outcome, 'done', JSON.stringify(r));
  assert.equal(f.metrics.frozenMs, 0);
  // Second stop: alive 4, dead 2 -> largest safe pct = floor(400/6) = 66.
  assert.ok(f.settingLog.includes('meta.live_percentage=66'), f.settingLog.join(' '));
  assert.equal(f.settings.pct, 66, 'not restored while the dead nodes are still counted');
  assert.equal(r.settingsLeft.length, 1);
  assert.equal(r.settingsLeft[0]!.name, 'meta.live_percentage');
  assert.equal(r.settingsLeft[0]!.reason.code, 'pct-kept-lowered');
  assert.ok(events.some((e) => e.kind === 'warning' && e.note.code === 'pct-kept-lowered'));
  // After a meta restart the dead set is empty and the config value applies again.
  const rr = await engine.run({ op: 'restart-meta' });
  assert.equal(rr.outcome, 'done', JSON.stringify(rr));
  assert.equal(f.settings.pct, 70);
  assert.deepEqual(rr.settingsLeft, []);
});

test('pre-flight refuses with reason and fix', async () => {
  {
    const { engine } = setup();
    const r = await engine.run({ op: 'scale-in', nodes: ['10.9.9.9:34801'] });
    assert.equal(r.outcome, 'refused');
    assert.equal(r.refusals[0]!.code, 'not-a-node');
  }
  {
    const { engine } = setup({ nodes: 4 });
    const r = await engine.run({ op: 'scale-in', nodes: ['10.0.0.1:34801', '10.0.0.2:34801'] });
    assert.equal(r.outcome, 'refused');
    assert.ok(
      r.refusals.some((x) => x.code === 'replica-count' && x.replicas === 3 && x.left === 2),
      JSON.stringify(r),
    );
  }
  {
    const { f, engine } = setup();
    f.settings.blackList = ['10.0.0.5:34801'];
    f.settings.delay = 10;
    const r = await engine.run({ op: 'scale-in', nodes: ['10.0.0.1:34801'] });
    assert.equal(r.outcome, 'refused');
    assert.ok(r.refusals.some((x) => x.code === 'black-list-present'));
    assert.ok(r.refusals.some((x) => x.code === 'delay-lowered' && x.ms === 10));
  }
  {
    const { f, engine } = setup();
    f.settings.level = 'freezed';
    const r = await engine.run({ op: 'scale-in', nodes: ['10.0.0.1:34801'] });
    assert.ok(r.refusals.some((x) => x.code === 'level-below-steady'));
  }
  {
    const { f, engine } = setup();
    f.tables[0]!.partitions[0]!.secondaries.pop();
    const r = await engine.run({ op: 'scale-in', nodes: ['10.0.0.1:34801'] });
    assert.ok(r.refusals.some((x) => x.code === 'unhealthy' && x.sample.some((u) => u.gpid === '1.0')));
  }
  {
    // Frozen now: 6 nodes, 3 dead at pct 60.
    const { f, engine } = setup({ pct: 60 });
    for (const a of ['10.0.0.4:34801', '10.0.0.5:34801', '10.0.0.6:34801']) {
      f.nodes.get(a)!.alive = false;
      f.dead.add(a);
    }
    const r = await engine.run({ op: 'scale-in', nodes: ['10.0.0.1:34801'] });
    assert.ok(
      r.refusals.some((x) => x.code === 'frozen'),
      JSON.stringify(r),
    );
  }
});

test('cancel mid-drain restores settings, says where the cluster is, and resume finishes without repeating steps', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'engine-'));
  try {
    const path = join(dir, 'run.journal.jsonl');
    const { f, engine } = setup({}, Journal.open(path));
    const ac = new AbortController();
    let cancelled = false;
    f.onTick = (x) => {
      // Cancel once the first node has lost some but not all of its replicas.
      if (!cancelled && x.tables.some((t) => t.partitions.some((p) => p.learn && p.pending?.from === '10.0.0.1:34801'))) {
        cancelled = true;
        ac.abort();
      }
    };
    const r = await engine.run({ op: 'scale-in', nodes: ['10.0.0.1:34801', '10.0.0.2:34801'] }, { signal: ac.signal });
    assert.equal(r.outcome, 'cancelled', JSON.stringify(r));
    const n1 = r.cluster?.nodes.find((n) => n.node === '10.0.0.1:34801');
    assert.ok(n1?.alive && (n1.replicas ?? 0) > 0, JSON.stringify(r.cluster));
    assert.deepEqual(f.settings.blackList, [], 'restored on cancel');
    assert.equal(f.settings.delay, 300_000);
    f.onTick = undefined;
    // Resume in a new engine (a reload) from the file.
    const j2 = Journal.open(path);
    const { engine: e2 } = fakeEngine({}, { cluster: f, journal: j2, metaServers: [] });
    const r2 = await e2.run({ op: 'scale-in', nodes: ['10.0.0.1:34801', '10.0.0.2:34801'] }, { resume: true });
    assert.equal(r2.outcome, 'done', JSON.stringify(r2));
    assert.equal(r2.run, r.run);
    assert.equal(f.replicasOn('10.0.0.1:34801') + f.replicasOn('10.0.0.2:34801'), 0);
    assert.deepEqual(f.settings.blackList, []);
    const lines = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { t: string; step?: string; status?: string });
    const primDone = lines.filter((l) => l.t === 'step' && l.step === '10.0.0.1:34801:primaries' && l.status === 'done');
    assert.equal(primDone.length, 1, 'a finished step is never repeated');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('crash resume: a journal without an end blocks other operations and resumes from the last finished step', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'engine-'));
  try {
    const path = join(dir, 'j.jsonl');
    const { f, engine } = setup({}, Journal.open(path));
    // Simulate a crash: stop after the first node is stopped by throwing from the clock (no restore runs when the process dies).
    let crashed = false;
    f.onTick = (x) => {
      if (!crashed && !x.nodes.get('10.0.0.1:34801')!.alive) {
        crashed = true;
        throw new Error('editor crashed');
      }
    };
    await engine.run({ op: 'scale-in', nodes: ['10.0.0.1:34801', '10.0.0.2:34801'] }).catch(() => undefined);
    f.onTick = undefined;
    // Drop the records the "crashed" run wrote after the crash point (its restore and end), as a dead process would not write them.
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    const cut = lines.findIndex((l) => l.includes('"failed"'));
    const kept = lines.slice(0, cut).join('\n') + '\n';
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path, kept);
    // Settings as a crash leaves them: still applied on the cluster.
    f.settings.blackList = ['10.0.0.1:34801', '10.0.0.2:34801'];
    f.settings.delay = 10;
    const j = Journal.open(path);
    assert.ok(j.unfinishedRun());
    const { engine: e2 } = fakeEngine({}, { cluster: f, journal: j, metaServers: [] });
    const other = await e2.run({ op: 'drain-node', node: '10.0.0.3:34801' });
    assert.equal(other.outcome, 'refused');
    assert.ok(other.refusals[0]!.code === 'unfinished-run' && other.refusals[0]!.op === 'scale-in');
    const r = await e2.resume();
    assert.equal(r!.outcome, 'done', JSON.stringify(r));
    assert.equal(f.replicasOn('10.0.0.2:34801'), 0);
    assert.equal(f.nodes.get('10.0.0.2:34801')!.alive, false);
    assert.deepEqual(f.settings.blackList, []);
    assert.equal(f.settings.delay, 300_000, 'restored to the value before, from the journal');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('leader failover mid-drain: the engine re-applies black list, delay and level from the journal', async () => {
  const { f, engine, events } = setup();
  let done = false;
  f.onTick = (x) => {
    if (!done && x.tables.some((t) => t.partitions.some((p) => p.learn && p.pending?.from === '10.0.0.1:34801'))) {
      done = true;
      x.failover();
    }
  };
  const r = await engine.run({ op: 'scale-in', nodes: ['10.0.0.1:34801', '10.0.0.2:34801'] });
  assert.equal(r.outcome, 'done', JSON.stringify(r));
  assert.ok(done);
  assert.ok(
    events.some((e) => e.kind === 'leader' && e.reapplied.some((x) => /black_list/.test(x.name))),
    events
      .filter((e) => e.kind === 'leader')
      .map((e) => JSON.stringify(e))
      .join('\n'),
  );
  assert.equal(f.metrics.noPrimaryMs, 0);
  assert.equal(f.unhealthy(), 0);
  assert.deepEqual(f.settings.blackList, []);
});

test('a node that never drains: explained when stuck, times out, nothing lost, settings restored', async () => {
  const { f } = setup();
  f.stuckNodes.add('10.0.0.1:34801');
  const before = f.replicasOn('10.0.0.1:34801');
  const { engine, events } = fakeEngine(
    {},
    {
      cluster: f,
      metaServers: [],
      // fdGraceSeconds: the engine's default.
      options: { fdGraceSeconds: undefined, stuckAfterMs: 20_000, reproposeAfterMs: 10_000, timeouts: { primariesMs: 60_000 } },
    },
  );
  const r = await engine.run({ op: 'scale-in', nodes: ['10.0.0.1:34801'] });
  assert.equal(r.outcome, 'failed');
  assert.match(r.error ?? '', /timed out .* waiting for 10\.0\.0\.1:34801 to hold no primary/);
  assert.ok(r.diagnosis?.cause);
  assert.ok(events.some((e) => e.kind === 'stuck'));
  assert.equal(f.replicasOn('10.0.0.1:34801'), before, 'nothing moved, nothing lost');
  assert.equal(f.nodes.get('10.0.0.1:34801')!.alive, true, 'never stopped');
  assert.equal(r.cluster?.nodes.find((n) => n.node === '10.0.0.1:34801')?.alive, true);
  assert.deepEqual(f.settings.blackList, []);
  assert.equal(f.settings.delay, 300_000);
});

test('scale-out by count starts nodes, waits ALIVE, rebalances in lively until balanced, back to steady', async () => {
  const { f, engine } = setup({ nodes: 4, tables: [{ name: 'temp', partitions: 8, replicas: 3 }] });
  // The fake has no balancer: emulate one that moves replicas onto the new nodes with copy_sec in lively.
  f.onTick = (x) => {
    if (x.settings.level !== 'lively') return;
    const all = [...x.nodes.entries()].filter(([, n]) => n.alive).map(([a]) => a);
    if (x.tables.some((t) => t.partitions.some((p) => p.pending || p.learn))) return; // one move at a time
    const load = (a: string) => x.replicasOn(a);
    const pri = (a: string) => x.tables[0]!.partitions.filter((p) => p.primary === a).length;
    for (const t of x.tables) {
      for (const p of t.partitions) {
        const min = all.reduce((m, a) => (load(a) < load(m) ? a : m));
        const from = p.secondaries.find((s) => load(s) > load(min) + 1);
        if (from && !p.secondaries.includes(min) && p.primary !== min) {
          p.pending = { appId: t.appId, pidx: p.pidx, type: 'copy_sec', from, to: min };
          return;
        }
        const to = p.secondaries.find((s) => p.primary && pri(s) + 1 < pri(p.primary));
        if (to && p.primary) {
          p.pending = { appId: t.appId, pidx: p.pidx, type: 'move_pri', from: p.primary, to };
          return;
        }
      }
    }
  };
  const r = await engine.run({ op: 'scale-out', count: 2 });
  assert.equal(r.outcome, 'done', JSON.stringify(r));
  const added = [...(r.added ?? [])];
  assert.equal(added.length, 2);
  // The result names the nodes it added.
  assert.deepEqual(r.added, added);
  for (const a of added) assert.ok(f.replicasOn(a) >= 3 && f.replicasOn(a) <= 5, `${a} holds ${f.replicasOn(a)} (average 4)`);
  assert.equal(f.settings.level, 'steady');
  assert.equal(f.settings.onlyMovePrimary, false);
});

// As scripts/pegasus_offline_node.sh (apache/incubator-pegasus) does: primaries move away (move_pri) before the kill.
test('stop-node of a node still holding primaries hands them over first (no copy), stops it and says how many secondaries cure re-creates', async () => {
  const { f, engine, events } = setup();
  const node = '10.0.0.1:34801';
  const hosted = f.replicasOn(node);
  const primaries = f.tables.flatMap((t) => t.partitions).filter((p) => p.primary === node).length;
  assert.ok(primaries > 0, 'the node holds primaries before the stop');
  const r = await engine.run({ op: 'stop-node', node });
  assert.equal(r.outcome, 'done', JSON.stringify(r));
  assert.equal(f.nodes.get(node)!.alive, false);
  assert.equal(f.metrics.noPrimaryMs, 0, 'no partition lost its primary: they were handed over before the stop');
  assert.equal(r.stats.copiesProposed, 0, 'a hand-over copies nothing');
  assert.ok(r.stats.primariesMoved >= primaries);
  const info = events.flatMap((e) => (e.kind === 'info' ? [e.note] : []));
  assert.deepEqual(
    info.find((n) => n.code === 'primaries-handed-over'),
    { code: 'primaries-handed-over', node, primaries },
  );
  assert.deepEqual(
    info.find((n) => n.code === 'cure-recreates'),
    // move_pri swaps roles: the handed-over primaries stay on the node as secondaries, so cure re-creates every replica it held.
    { code: 'cure-recreates', node, secondaries: hosted },
  );
});

test('stop-node hands primaries to nodes that are not black-listed (the next to leave) when a secondary there can take them', async () => {
  const { f, engine } = setup();
  const [a, b] = ['10.0.0.1:34801', '10.0.0.2:34801'];
  f.settings.blackList = [a, b];
  const primariesOf = (n: string) => f.tables.flatMap((t) => t.partitions).filter((p) => p.primary === n).length;
  const before = primariesOf(b);
  const r = await engine.run({ op: 'stop-node', node: a });
  assert.equal(r.outcome, 'done', JSON.stringify(r));
  assert.equal(primariesOf(b), before, `${b} received none of ${a}'s primaries`);
});

test('stop-node refuses a node holding the only alive replica of a partition (last-replica); --force still stops it', async () => {
  const { f, engine } = setup({ tables: [{ name: 'single', partitions: 4, replicas: 1 }] });
  const node = f.tables[0]!.partitions[0]!.primary!;
  const r = await engine.run({ op: 'stop-node', node });
  assert.equal(r.outcome, 'failed', JSON.stringify(r));
  const last = r.refusals.find((x) => x.code === 'last-replica');
  assert.ok(last && last.code === 'last-replica', JSON.stringify(r.refusals));
  assert.equal(last.node, node);
  assert.equal(last.count, f.replicasOn(node));
  assert.ok(f.nodes.get(node)!.running && f.nodes.get(node)!.alive, 'nothing was stopped');
  assert.equal(r.stats.primariesMoved, 0, 'nothing was handed over either');
  const forced = await engine.run({ op: 'stop-node', node, force: true });
  assert.equal(forced.outcome, 'done', JSON.stringify(forced));
  assert.equal(f.nodes.get(node)!.running, false);
});

test('freeze-check reports the schedule and the threshold the guard would use', async () => {
  const { engine } = setup({ nodes: 10, pct: 65 });
  const r = await engine.freezeCheck(5);
  const d = r.data as FreezeCheckData;
  assert.ok(d.schedule.some((s) => s.frozen));
  assert.equal(d.pctAllowingRemoval, 50);
});

test('step by step (drain, stop, drain, stop): a threshold kept lowered does not block the next step; the guard lowers it further', async () => {
  const { f, engine } = setup({ pct: 85 });
  for (const n of ['10.0.0.1:34801', '10.0.0.2:34801']) {
    const d = await engine.run({ op: 'drain-node', node: n });
    assert.equal(d.outcome, 'done', JSON.stringify(d));
    const s = await engine.run({ op: 'stop-node', node: n });
    assert.equal(s.outcome, 'done', JSON.stringify(s));
    assert.equal(s.settingsLeft[0]?.name, 'meta.live_percentage');
  }
  assert.ok(f.settingLog.includes('meta.live_percentage=83'), f.settingLog.join(' '));
  assert.ok(f.settingLog.includes('meta.live_percentage=66'), f.settingLog.join(' '));
  assert.equal(f.metrics.frozenMs, 0);
  const r = await engine.run({ op: 'restore-settings' });
  assert.equal(r.settingsLeft[0]?.original, '85', 'the original from before the first change');
  assert.equal(f.settings.pct, 66);
  await engine.run({ op: 'restart-meta' });
  assert.equal(f.settings.pct, 85);
});

test('cleanup runs only once the node is confirmed gone and every partition is healthy', async () => {
  const seen: { node: string; alive: boolean; unhealthy: number }[] = [];
  const { engine } = fakeEngine(
    {},
    {
      control: (f) => ({
        ...f.control(),
        cleanupNode: async (a: string) => void seen.push({ node: a, alive: f.nodes.get(a)!.alive, unhealthy: f.unhealthy() }),
      }),
      metaServers: [],
      options: { fdGraceSeconds: undefined },
    },
  );
  const r = await engine.run({ op: 'scale-in', nodes: ['10.0.0.1:34801', '10.0.0.2:34801'] });
  assert.equal(r.outcome, 'done', JSON.stringify(r));
  assert.deepEqual(seen, [
    { node: '10.0.0.1:34801', alive: false, unhealthy: 0 },
    { node: '10.0.0.2:34801', alive: false, unhealthy: 0 },
  ]);
});
