/** A finished drain-node keeps its node black-listed (and the level steady) until stop-node / start-node of it or restore-settings. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Journal } from '../../../src/engine/journal';
import { fakeEngine, SIZED_ENGINE_OPTIONS, TWO_METAS } from '../../support/fakeCluster';

const N1 = '10.0.0.1:34801';
const N2 = '10.0.0.2:34801';

function setup() {
  const journal = Journal.memory();
  const s = fakeEngine({}, { journal, metaServers: TWO_METAS, who: 'tester@host', options: { ...SIZED_ENGINE_OPTIONS } });
  s.f.settings.level = 'lively';
  return { ...s, journal };
}

async function drained(s: ReturnType<typeof setup>) {
  const delay0 = s.f.settings.delay;
  const r = await s.engine.run({ op: 'drain-node', node: N1 });
  assert.equal(r.outcome, 'done', JSON.stringify(r));
  assert.equal(s.f.replicasOn(N1), 0);
  assert.deepEqual(s.f.settings.blackList, [N1], 'the drained node stays black-listed');
  assert.equal(s.f.settings.level, 'steady', 'no balancer refilling it');
  assert.equal(s.f.settings.delay, delay0, 'the assign delay is given back');
  assert.deepEqual(r.settingsLeft.map((x) => x.name).sort(), ['meta.lb.assign_secondary_black_list', 'meta_level']);
  for (const x of r.settingsLeft) assert.deepEqual(x.reason, { code: 'drain-held', node: N1 });
  assert.equal(r.settingsLeft.find((x) => x.name === 'meta_level')!.original, 'lively');
  const open = s.journal.openSettings();
  assert.deepEqual(open.map((x) => [x.name, x.heldFor]).sort(), [
    ['meta.lb.assign_secondary_black_list', N1],
    ['meta_level', N1],
  ]);
  return r;
}

test('drain-node keeps the node black-listed and steady; a simulated minute later it still holds nothing; stop-node gives them back', async () => {
  const s = setup();
  await drained(s);
  // Cure runs at steady: partitions losing a replica on another node must not be refilled onto N1 (the emptiest node).
  const N3 = '10.0.0.3:34801';
  const hostedN3 = s.f.replicasOn(N3);
  assert.ok(hostedN3 > 0);
  const copies0 = s.f.metrics.copies;
  s.f.nodes.get(N3)!.running = false;
  s.f.nodes.get(N3)!.stoppedAt = s.f.time;
  s.f.advance(7 * 60_000); // past the grace period and the (restored) 5-minute assign delay
  assert.ok(
    s.f.metrics.copies - copies0 >= hostedN3,
    `cure re-placed N3's replicas (${s.f.metrics.copies - copies0} copies for ${hostedN3})`,
  );
  assert.equal(s.f.replicasOn(N1), 0, 'none of them on the drained node');
  s.f.nodes.get(N3)!.running = true;
  s.f.nodes.get(N3)!.alive = true;
  s.f.dead.delete(N3);
  const st = await s.engine.run({ op: 'stop-node', node: N1 });
  assert.equal(st.outcome, 'done', JSON.stringify(st));
  assert.deepEqual(s.f.settings.blackList, []);
  assert.equal(s.f.settings.level, 'lively');
  assert.deepEqual(st.settingsLeft, []);
  assert.deepEqual(s.journal.openSettings(), []);
});

test('restore-settings gives back what drain-node kept; start-node of the node does too', async () => {
  const a = setup();
  await drained(a);
  const r = await a.engine.run({ op: 'restore-settings' });
  assert.equal(r.outcome, 'done', JSON.stringify(r));
  assert.deepEqual(a.f.settings.blackList, []);
  assert.equal(a.f.settings.level, 'lively');
  assert.deepEqual(r.settingsLeft, []);

  const b = setup();
  await drained(b);
  const st = await b.engine.run({ op: 'start-node', node: N1 });
  assert.equal(st.outcome, 'done', JSON.stringify(st));
  assert.deepEqual(b.f.settings.blackList, []);
  assert.equal(b.f.settings.level, 'lively');
  assert.deepEqual(b.journal.openSettings(), []);
});

test('while drain-node keeps settings, other mutating steps are refused naming the fix; stop-node of another node keeps them', async () => {
  const s = setup();
  await drained(s);
  const r = await s.engine.run({ op: 'scale-in', nodes: [N2] });
  assert.equal(r.outcome, 'refused');
  assert.ok(
    r.refusals.some((x) => x.code === 'drain-held' && x.nodes.includes(N1)),
    JSON.stringify(r.refusals),
  );
  // A stop-node that does not stop (an unknown node) gives nothing back.
  const bad = await s.engine.run({ op: 'stop-node', node: '10.0.0.99:34801' });
  assert.notEqual(bad.outcome, 'done', JSON.stringify(bad));
  assert.deepEqual(s.f.settings.blackList, [N1]);
  assert.ok(bad.settingsLeft.some((x) => x.name === 'meta.lb.assign_secondary_black_list' && x.reason.code === 'drain-held'));
  // stop-node of N2 (it hands its primaries over, then stops) gives back nothing drain-node kept for N1.
  const st = await s.engine.run({ op: 'stop-node', node: N2 });
  assert.equal(st.outcome, 'done', JSON.stringify(st));
  assert.equal(s.f.nodes.get(N2)!.alive, false);
  assert.deepEqual(s.f.settings.blackList, [N1]);
  assert.ok(st.settingsLeft.some((x) => x.name === 'meta.lb.assign_secondary_black_list' && x.reason.code === 'drain-held'));
});
