import assert from 'node:assert/strict';
import { test } from 'node:test';
import { didYouMean, editDistance } from '../../../src/cluster/suggest';

test('editDistance: insert, delete and substitute each cost one; max stops early at max + 1', () => {
  assert.equal(editDistance('nodes', 'nodes'), 0);
  assert.equal(editDistance('nodse', 'nodes'), 2);
  assert.equal(editDistance('', 'abc'), 3);
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('kitten', 'sitting', 1), 2);
  assert.equal(editDistance('a', 'abcdef', 2), 3);
});

test('didYouMean: ignores case, takes the first on a tie, allows one edit per 5 characters above 2', () => {
  assert.equal(didYouMean('NODES', ['ls', 'nodes']), 'nodes');
  assert.equal(didYouMean('tmep', ['temp', 'tmp2']), 'temp');
  assert.equal(didYouMean('ab', ['xy']), 'xy');
  assert.equal(didYouMean('abc', ['xyz']), undefined);
  assert.equal(
    didYouMean('replica_assign_delay_ms_for_dropout', new Set(['replica_assign_delay_ms_for_dropouts'])),
    'replica_assign_delay_ms_for_dropouts',
  );
  assert.equal(didYouMean('max_replicas_in_group', ['max_reserved_dropped_replicas']), undefined);
});
