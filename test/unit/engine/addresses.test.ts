import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aliveMembers, removedNodes, unknownNodes } from '../../../src/engine/addresses';
import { Journal } from '../../../src/engine/journal';
import type { ClusterState } from '../../../src/engine/ports';

const state: ClusterState = {
  leader: '10.0.0.1:34601',
  nodes: [
    { address: '10.0.0.1:34801', alive: true },
    { address: '10.0.0.2:34801', alive: true },
    { address: '10.0.0.3:34801', alive: false },
  ],
  tables: [],
  effectiveLevel: 'steady',
};

test('a node an earlier run stopped is said to be not listed any more, with no healthy neighbour offered', () => {
  const j = Journal.memory();
  const at = new Date(Date.UTC(2026, 0, 1));
  j.append({ t: 'step', step: '10.0.0.4:34801:stop', status: 'done' }, at, 'run-1');
  j.append({ t: 'step', step: '10.0.0.5:34801:stop', status: 'done' }, at, 'run-1');
  // Started again later: a member, not a removed node.
  j.append({ t: 'step', step: '10.0.0.5:34801:start', status: 'done' }, at, 'run-2');
  const removed = removedNodes(j.all());
  assert.deepEqual([...removed.keys()], ['10.0.0.4:34801']);
  const [r] = unknownNodes(state, ['10.0.0.4:34801'], removed);
  assert.deepEqual(r, { code: 'not-a-node', node: '10.0.0.4:34801', known: 3, removed: { run: 'run-1', at: at.toISOString() } });
  // A typo still gets the closest known node.
  assert.equal(unknownNodes(state, ['10.0.0.1:34802'], removed)[0]?.closest, '10.0.0.1:34801');
  // An exact dead member is listed: not refused, nothing suggested.
  assert.deepEqual(unknownNodes(state, ['10.0.0.3:34801'], removed), []);
});

test('an ALIVE member serving replicas cannot be joined; an empty started node, a dead one or a new address can', () => {
  const serving: ClusterState = {
    ...state,
    tables: [
      {
        appId: 1,
        name: 't',
        maxReplicaCount: 2,
        partitions: [{ pidx: 0, ballot: 3, primary: '10.0.0.1:34801', secondaries: ['10.0.0.3:34801'] }],
      },
    ],
  };
  assert.deepEqual(aliveMembers(serving, ['10.0.0.1:34801', '10.0.0.2:34801', '10.0.0.3:34801', '10.0.0.9:34801', '10.0.0.1:34801']), [
    { code: 'already-member', nodes: ['10.0.0.1:34801'] },
  ]);
  // 10.0.0.2 is ALIVE and empty: the node a scale-out rebalances onto.
  assert.deepEqual(aliveMembers(serving, ['10.0.0.2:34801', '10.0.0.9:34801']), []);
});
