import { test } from 'node:test';
import assert from 'node:assert/strict';
import { distributionOf, livePlacementOption } from '../../../src/engine/rehearse';
import type { PlacementOption } from '../../../src/engine/twin';
import { startSimulatedCluster } from '../../../src/simulator';
import { rehearseOnSimulator as rehearse } from '../../../src/simulator/twin';
import { nodeLoads } from '../../../src/engine/model';
import type { FreezeCheckData } from '../../../src/engine/engine';
import { harness } from '../../support/engineHarness';

test('rehearsal twin: started with the live placement, and the report says so', async () => {
  // A skewed live cluster: one node drained, so an even placement cannot look like it.
  const h = await harness({
    version: '2.6',
    nodes: 6,
    tables: [
      { name: 'temp', partitions: 12, replicas: 3 },
      { name: 'user', partitions: 6, replicas: 3 },
    ],
  });
  try {
    // Addresses as the meta lists them (2.6 may list host names).
    const listed = (await h.port.readState()).nodes.map((n) => n.address);
    const d = await h.engine.run({ op: 'drain-node', node: listed[5]! });
    assert.equal(d.outcome, 'done', JSON.stringify(d));
    const live = await h.port.readState();
    const liveDist = distributionOf(live);
    assert.equal(liveDist[listed[5]!], undefined, 'the drained node holds nothing');
    const r = await rehearse(live, { op: 'scale-in', nodes: [listed[0]!] }, { version: '2.6', pct: 50, replicaSizeMb: 64, copyRateMb: 64 });
    assert.equal(r.outcome, 'done', JSON.stringify(r));
    // The simulator loads the live placement: the twin starts as the live cluster is.
    assert.equal(r.placement, 'live');
    assert.deepEqual(r.twinDistribution, liveDist);
    assert.equal(r.evenBecause, undefined);
    // The sub-second no-primary time of the role switches is explained by the move_pri count, not left as a bare number.
    if (r.partitionSecondsWithoutPrimary > 0) assert.ok(r.primarySwitches > 0);
    // The engine hands the live placement over to the twin, and reports honestly whether the twin took it.
    let given: PlacementOption | undefined;
    const r2 = await rehearse(
      live,
      { op: 'scale-in', nodes: [listed[0]!] },
      {
        version: '2.6',
        pct: 50,
        start: (opts) => {
          given = (opts as { placement?: PlacementOption }).placement;
          return startSimulatedCluster(opts);
        },
      },
    );
    const alive = live.nodes
      .filter((n) => n.alive)
      .map((n) => n.address)
      .sort();
    assert.deepEqual(given, livePlacementOption(live, alive).placement);
    assert.equal(given!['temp']!.length, 12);
    if (r2.placement === 'live') assert.deepEqual(r2.twinDistribution, liveDist);
    else assert.equal(r2.evenBecause, 'not-loaded');
  } finally {
    await h.close();
  }
});

test('min_live is read from the simulated meta leader over HTTP /config and drives the freeze check', async () => {
  const h = await harness({ version: '2.6', nodes: 5, minLiveNodeCount: 4, tables: [{ name: 'temp', partitions: 4, replicas: 3 }] });
  try {
    const fc = await h.engine.freezeCheck(2);
    const ml = (fc.data as FreezeCheckData).minLive;
    assert.equal(ml.value, 4);
    assert.equal(ml.read, true);
    assert.equal(ml.note.code, 'min-live-read');
    assert.match(
      ml.note.code === 'min-live-read' ? ml.note.source : '',
      new RegExp(`the meta leader ${h.sim.metaServers[0]!.replace(/\./g, '\\.')}`),
    );
    // 5 alive, removing 2 leaves 3 < 4: no threshold helps (with the default 3 it would be fine).
    assert.equal((fc.data as { pctAllowingRemoval: number | null }).pctAllowingRemoval, null);
    const nodes = (await h.port.readState()).nodes.slice(0, 2).map((n) => n.address);
    const pre = await h.engine.preflight({ op: 'scale-in', nodes });
    assert.ok(
      pre.some((x) => x.code === 'min-live' && x.minLive === 4),
      JSON.stringify(pre),
    );
  } finally {
    await h.close();
  }
});

test('[2.6] host-name identities (hp_* fields carry localhost:port): scale-in by the listed name, black list in names, nothing copied twice', async () => {
  const h = await harness({ version: '2.6', nodes: 5, hostnames: true, tables: [{ name: 'temp', partitions: 8, replicas: 3 }] });
  try {
    const s0 = await h.port.readState();
    const node = s0.nodes[0]!.address;
    assert.match(node, /^localhost:\d+$/, 'the meta lists host names');
    const hosted = nodeLoads(s0).get(node)!.replicas;
    const m0 = h.metrics();
    const r = await h.engine.run({ op: 'scale-in', nodes: [node] });
    assert.equal(r.outcome, 'done', JSON.stringify(r));
    const m = h.metrics();
    assert.equal(m.replicasCopied! - m0.replicasCopied!, hosted);
    assert.equal(m.frozenSeconds, 0);
    const s1 = await h.port.readState();
    assert.equal(nodeLoads(s1).get(node)?.replicas ?? 0, 0);
    assert.equal(s1.nodes.find((n) => n.address === node)?.alive ?? false, false);
    assert.ok(h.journal.all().some((x) => x.t === 'setting' && x.name === 'meta.lb.assign_secondary_black_list' && x.after === node));
    assert.equal(await h.port.getSetting('meta.lb.assign_secondary_black_list'), '');
  } finally {
    await h.close();
  }
});
