import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideRemoval, decideRestorePct } from '../../../src/engine/freezeGuard';
import { describePlan, planMigration, planScaleIn, planScaleOut } from '../../../src/engine/plan';
import { Journal } from '../../../src/engine/journal';
import type { ClusterState } from '../../../src/engine/ports';
import { FakeCluster } from '../../support/fakeCluster';

async function state(nodes: number, partitions = 16, replicas = 3): Promise<ClusterState> {
  return new FakeCluster({
    nodes,
    tables: [
      { name: 't1', partitions, replicas },
      { name: 't2', partitions: 8, replicas },
    ],
  }).readState();
}

test('scale-in plan: copies exactly the replicas the leaving nodes host, none onto a leaving node, bytes and time from size and rate', async () => {
  const s = await state(8);
  const leaving = ['10.0.0.1:34801', '10.0.0.2:34801', '10.0.0.3:34801'];
  const p = planScaleIn(s, leaving, { pct: 50, replicaSizeBytes: 100 * 1024 * 1024, copyRateMBps: 10 });
  assert.equal(p.copies, p.replicasOnLeaving);
  assert.ok(p.moves.every((m) => !leaving.includes(m.to) || m.type === 'move_pri'));
  assert.equal(p.bytes, p.copies * 100 * 1024 * 1024);
  assert.ok(p.seconds > 0);
  assert.deepEqual(p.problems, []);
  // Every partition stays at 3 distinct members after the plan.
  assert.match(describePlan(p), /replicas copied: \d+ \(hosted on leaving nodes: \d+\)/);
  // A primary on a leaving node goes to a staying secondary when there is one.
  const mp = p.moves.filter((m) => m.type === 'move_pri' && m.from === leaving[0]);
  assert.ok(mp.length > 0);
  for (const m of mp) {
    const part = s.tables.find((t) => t.appId === m.appId)!.partitions[m.pidx]!;
    if (leaving.includes(m.to))
      assert.ok(
        part.secondaries.every((x) => leaving.includes(x)),
        `${m.gpid} moved to leaving ${m.to} though a staying secondary existed`,
      );
  }
});

test('plan states its assumptions when sizes and rate are unknown', async () => {
  const p = planScaleIn(await state(6), ['10.0.0.1:34801'], { pct: 50 });
  assert.ok(p.assumptions.some((a) => /replica sizes unknown: assumed 1\.0 GiB/.test(a)));
  assert.ok(p.assumptions.some((a) => /copy rate not given/.test(a)));
});

test('plan: freeze margin after every stop and the threshold the guard sets (10 nodes at 65, remove 5)', async () => {
  const p = planScaleIn(await state(10, 32), ['10.0.0.1:34801', '10.0.0.2:34801', '10.0.0.3:34801', '10.0.0.4:34801', '10.0.0.5:34801'], {
    pct: 65,
  });
  const stops = p.steps.filter((s) => s.kind === 'stop');
  assert.equal(stops.length, 5);
  assert.deepEqual(
    stops.map((s) => s.lowerPctTo),
    [undefined, undefined, undefined, 60, 50],
  );
  assert.ok(stops.every((s) => !s.freezeAfter.frozen));
  assert.equal(p.pctLowest, 50);
});

test('plan: a table that cannot fit on the nodes left is a problem', async () => {
  const p = planScaleIn(await state(4), ['10.0.0.1:34801', '10.0.0.2:34801'], { pct: 50 });
  // One line per table, not one per partition; long reasons stay out of the step cells.
  assert.deepEqual(
    p.problems.filter((x) => x.code === 'no-room').map((x) => x.code === 'no-room' && [x.table, x.replicas, x.left]),
    [
      ['t1', 3, 2],
      ['t2', 3, 2],
    ],
  );
  assert.ok(p.problems.length <= 3, JSON.stringify(p.problems));
  // A refused stop carries only its numbers; the reason and fix are said once, in the problems.
  for (const st of p.steps) if (st.refused) assert.deepEqual(Object.keys(st.refused).sort(), ['aliveAfter', 'minLive']);
});

test('scale-out and migration plans', async () => {
  const s = await state(6);
  const out = planScaleOut(s, ['10.0.1.1:34801', '10.0.1.2:34801'], { pct: 50, replicaSizeBytes: 1 });
  // 48+24 replicas over 8 nodes: each new node ends with ~9 replicas (72/8).
  assert.ok(out.copies >= 16 && out.copies <= 20, String(out.copies));
  const mig = planMigration(s, ['10.0.0.1:34801', '10.0.0.2:34801'], ['10.0.1.1:34801', '10.0.1.2:34801'], { pct: 50 });
  const drained = mig.moves.filter((m) => m.type === 'copy_sec' && m.pidx >= 0);
  // The drained replicas land on the new (empty) nodes.
  assert.ok(drained.filter((m) => m.to.startsWith('10.0.1.')).length >= drained.length * 0.9, drained.map((m) => m.to).join(','));
  assert.equal(drained.length, mig.replicasOnLeaving);
});

test('freeze guard boundaries (strict less-than, min-live)', () => {
  // 10 nodes, pct 50: the 5th removal gives 500 < 500 false -> ok.
  assert.equal(decideRemoval({ alive: 6, dead: 4, pct: 50, minLive: 3 }).kind, 'ok');
  // the 6th: 400 < 500 -> lower to floor(400/10) = 40.
  const d = decideRemoval({ alive: 5, dead: 5, pct: 50, minLive: 3 });
  assert.equal(d.kind, 'lower');
  assert.equal(d.kind === 'lower' && d.pct, 40);
  // 3 alive: one more leaves 2 < min_live 3, whatever the pct.
  assert.equal(decideRemoval({ alive: 3, dead: 0, pct: 0, minLive: 3 }).kind, 'refuse');
  // 4 nodes at 65: one removal fine (300 >= 260).
  assert.equal(decideRemoval({ alive: 4, dead: 0, pct: 65, minLive: 3 }).kind, 'ok');
  // Restore: not while the dead count would freeze at the original.
  assert.equal(decideRestorePct(65, 6, 4, 3).kind, 'keep');
  assert.equal(decideRestorePct(65, 7, 3, 3).kind, 'restore');
  assert.equal(decideRestorePct(65, 10, 0, 3).kind, 'restore');
});

test('journal: open settings keep the value before the first change, across runs; torn last line ignored', () => {
  const j = Journal.memory();
  j.run = 'r1';
  j.append({ t: 'setting', name: 'meta.live_percentage', before: '65', after: '60' });
  j.append({ t: 'setting', name: 'meta.live_percentage', before: '60', after: '50' });
  j.append({ t: 'kept', name: 'meta.live_percentage', value: '50', reason: 'dead nodes' });
  j.run = 'r2';
  j.append({ t: 'setting', name: 'meta.lb.assign_delay_ms', before: '600000', after: '10' });
  j.append({ t: 'restored', name: 'meta.lb.assign_delay_ms', value: '600000', how: 'set' });
  const open = j.openSettings();
  assert.equal(open.length, 1);
  assert.deepEqual(open[0], { name: 'meta.live_percentage', original: '65', current: '50', keptReason: 'dead nodes' });
});

test('rehearsal placement option: live members by alive-node index, dead members left out and counted', async () => {
  const { livePlacementOption } = await import('../../../src/engine/rehearse');
  const live = {
    leader: 'm:1',
    effectiveLevel: 'steady' as const,
    nodes: [
      { address: 'b:1', alive: true },
      { address: 'a:1', alive: true },
      { address: 'c:1', alive: true },
      { address: 'd:1', alive: false },
    ],
    tables: [
      {
        appId: 1,
        name: 't',
        maxReplicaCount: 3,
        partitions: [
          { pidx: 1, ballot: 4, primary: 'c:1', secondaries: ['a:1', 'd:1'] },
          { pidx: 0, ballot: 3, primary: 'a:1', secondaries: ['b:1', 'c:1'] },
        ],
      },
    ],
  };
  const alive = ['a:1', 'b:1', 'c:1'];
  const { placement, dropped } = livePlacementOption(live, alive);
  assert.deepEqual(placement, {
    t: [
      { primary: 0, secondaries: [1, 2] },
      { primary: 2, secondaries: [0] },
    ],
  });
  assert.equal(dropped, 1);
});
