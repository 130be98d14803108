import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freezeState } from '../../../src/cluster/freeze';

test('freezeState: the inputs with their verdict and margin', () => {
  assert.deepEqual(freezeState({ alive: 4, dead: 0, pct: 65, minLive: 3 }), {
    alive: 4,
    dead: 0,
    pct: 65,
    minLive: 3,
    frozen: false,
    reasons: [],
    margin: 1,
  });
  assert.deepEqual(freezeState({ alive: 2, dead: 2, pct: 65, minLive: 3 }), {
    alive: 2,
    dead: 2,
    pct: 65,
    minLive: 3,
    frozen: true,
    reasons: ['min_live', 'percentage'],
    margin: -1,
  });
});
