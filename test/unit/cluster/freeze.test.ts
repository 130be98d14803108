import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freezeMargin, freezeVerdict, isFrozen, largestSafePct, pctAllowingRemoval, removalSchedule } from '../../../src/cluster/freeze';

// Worked examples of the freeze rule (meta_service::check_freeze in upstream src/meta/meta_service.cpp), min_live = 3.
test('3 nodes: one dead freezes whatever the percentage (alive < min_live)', () => {
  assert.equal(isFrozen({ alive: 3, dead: 0, pct: 0, minLive: 3 }), false);
  assert.deepEqual(freezeVerdict({ alive: 2, dead: 1, pct: 0, minLive: 3 }).reasons, ['min_live']);
  assert.equal(freezeMargin({ alive: 3, dead: 0, pct: 50, minLive: 3 }), 0);
});

test('4 nodes at 65: one dead is fine (300 >= 260), two freeze', () => {
  assert.equal(isFrozen({ alive: 3, dead: 1, pct: 65, minLive: 3 }), false);
  assert.equal(isFrozen({ alive: 2, dead: 2, pct: 65, minLive: 3 }), true);
  assert.equal(freezeMargin({ alive: 4, dead: 0, pct: 65, minLive: 3 }), 1);
});

test('10 nodes at 65 freeze from 4 dead; at 50 from 6 dead; 5 of 10 at 50 is the strict boundary', () => {
  assert.equal(isFrozen({ alive: 7, dead: 3, pct: 65, minLive: 3 }), false);
  assert.deepEqual(freezeVerdict({ alive: 6, dead: 4, pct: 65, minLive: 3 }).reasons, ['percentage']);
  assert.equal(isFrozen({ alive: 5, dead: 5, pct: 50, minLive: 3 }), false); // 500 < 500 is false
  assert.equal(isFrozen({ alive: 4, dead: 6, pct: 50, minLive: 3 }), true);
  assert.equal(freezeMargin({ alive: 10, dead: 0, pct: 65, minLive: 3 }), 3);
  assert.equal(freezeMargin({ alive: 10, dead: 0, pct: 50, minLive: 3 }), 5);
  assert.equal(freezeMargin({ alive: 4, dead: 6, pct: 50, minLive: 3 }), -1);
});

test('largest safe threshold and the threshold that allows k removals', () => {
  assert.equal(largestSafePct(5, 5, 3), 50);
  assert.equal(largestSafePct(2, 1, 3), null);
  assert.equal(pctAllowingRemoval(10, 0, 3, 5), 50);
  assert.equal(pctAllowingRemoval(10, 0, 3, 4), 60);
  assert.equal(pctAllowingRemoval(4, 0, 3, 2), null);
  const s = removalSchedule({ alive: 10, dead: 0, pct: 65, minLive: 3 }, 5);
  assert.deepEqual(
    s.map((x) => x.frozen),
    [false, false, false, true, true],
  );
  assert.equal(s[3]!.aliveShare, 60);
});
