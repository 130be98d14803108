import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { distributionOf, livePlacementOption, rehearse, simulatorAcceptsPlacement, type PlacementOption } from '../../../src/engine/rehearse';
import { startSimulatedCluster } from '../../../src/simulator';
import { harness } from './harness';

test('rehearsal twin: the live placement when the simulator can load it, else even and said so', async () => {
  // A skewed live cluster: one node drained, so an even placement cannot look like it.
  const h = await harness({ version: '2.6', nodes: 6, tables: [{ name: 'temp', partitions: 12, replicas: 3 }, { name: 'user', partitions: 6, replicas: 3 }] });
  try {
    const d = await h.engine.run({ op: 'drain-node', node: '127.0.0.1:34806' });
    assert.equal(d.outcome, 'done', d.message);
    const live = await h.port.readState();
    const liveDist = distributionOf(live);
    assert.equal(liveDist['127.0.0.1:34806'], undefined, 'the drained node holds nothing');
    const r = await rehearse(live, { op: 'scale-in', nodes: ['127.0.0.1:34801'] }, { version: '2.6', pct: 50, replicaSizeMb: 64, copyRateMb: 64 });
    assert.equal(r.outcome, 'done', r.message);
    if (simulatorAcceptsPlacement()) {
      assert.equal(r.placement, 'live');
      assert.deepEqual(r.twinDistribution, liveDist);
      assert.match(r.assumptions.join('\n'), /with the live placement/);
    } else {
      // Until the simulator has the option (src/simulator/REQUESTS.md), the twin is even and the report says so.
      assert.equal(r.placement, 'even');
      assert.notDeepEqual(r.twinDistribution, liveDist);
      assert.match(r.assumptions.join('\n'), /placed evenly by the simulator \(not the live placement: this simulator has no placement option yet, see src\/simulator\/REQUESTS\.md\)/);
      assert.match(readFileSync('src/simulator/REQUESTS.md', 'utf8'), /placement\?: \{/);
    }
    assert.match(r.summary, r.placement === 'live' ? /twin with the live placement/ : /twin placed evenly/);
    // Whatever the detection says, the engine hands the live placement over when told the option exists,
    // and reports honestly whether the twin took it.
    let given: PlacementOption | undefined;
    const r2 = await rehearse(live, { op: 'scale-in', nodes: ['127.0.0.1:34801'] }, {
      version: '2.6',
      pct: 50,
      placementSupported: true,
      start: (opts) => {
        given = (opts as { placement?: PlacementOption }).placement;
        return startSimulatedCluster(opts);
      },
    });
    const alive = live.nodes.filter((n) => n.alive).map((n) => n.address).sort();
    assert.deepEqual(given, livePlacementOption(live, alive).placement);
    assert.equal(given!['temp']!.length, 12);
    if (r2.placement === 'live') assert.deepEqual(r2.twinDistribution, liveDist);
    else assert.match(r2.assumptions.join('\n'), /the simulator did not load it exactly/);
  } finally {
    await h.close();
  }
});

test('min_live is read from the simulated meta leader over HTTP /config and drives the freeze check', async () => {
  const h = await harness({ version: '2.6', nodes: 5, minLiveNodeCount: 4, tables: [{ name: 'temp', partitions: 4, replicas: 3 }] });
  try {
    const fc = await h.engine.freezeCheck(2);
    const ml = (fc.data as { minLive: { value: number; read: boolean; note: string } }).minLive;
    assert.equal(ml.value, 4);
    assert.equal(ml.read, true);
    assert.match(ml.note, new RegExp(`min_live=4 \\(read from the meta leader ${h.sim.metaServers[0]!.replace(/\./g, '\\.')}`));
    // 5 alive, removing 2 leaves 3 < 4: no threshold helps (with the default 3 it would be fine).
    assert.equal((fc.data as { pctAllowingRemoval: number | null }).pctAllowingRemoval, null);
    const pre = await h.engine.preflight({ op: 'scale-in', nodes: ['127.0.0.1:34801', '127.0.0.1:34802'] });
    assert.ok(pre.some((x) => /min_live_node_count_for_unfreeze = 4/.test(x.reason)), JSON.stringify(pre));
  } finally {
    await h.close();
  }
});
