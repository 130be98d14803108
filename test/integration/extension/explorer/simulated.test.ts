// The explorer's controller against the simulated cluster over real loopback sockets: node counts
// match the simulator's ground truth; a stopped node is UNALIVE after one refresh and the freeze
// margin drops; the stored vs effective level is shown when the meta freezes itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExplorerController } from '../../../../src/extension/explorer/controller';
import { childrenOf, itemOf, type Element } from '../../../../src/extension/explorer/treeModel';
import { MetaClient } from '../../../../src/pegasus/metaClient';
import { startSimulatedCluster } from '../../../../src/simulator';

async function withCluster(
  nodes: number,
  fn: (sim: Awaited<ReturnType<typeof startSimulatedCluster>>, ctl: ExplorerController) => Promise<void>,
): Promise<void> {
  const sim = await startSimulatedCluster({
    nodes,
    tables: [
      { name: 'temp', partitions: 8, replicas: 3 },
      { name: 'usertable', partitions: 16, replicas: 3 },
    ],
    timeScale: 0,
  });
  const client = new MetaClient({ metaServers: sim.metaServers, timeoutMs: 10_000 });
  const ctl = new ExplorerController({ intervalMs: 0, debounceMs: 0, onChange: () => {} });
  try {
    ctl.setClusters([{ name: 'sim', metaServers: sim.metaServers, production: false, simulated: true, client }], 'sim');
    await ctl.idle();
    await fn(sim, ctl);
  } finally {
    ctl.dispose();
    client.close();
    await sim.close();
  }
}

const nodesOf = (ctl: ExplorerController) => {
  const ctx = ctl.context([]);
  return childrenOf(ctx, { kind: 'nodes', cluster: 'sim' }).map((e) => ({ e, item: itemOf(ctx, e) }));
};

test('nodes appear with the counts the simulator holds', async () => {
  await withCluster(5, async (sim, ctl) => {
    const truth = sim.state({ partitions: false }) as { nodes: { address: string; primaries: number; replicas: number }[] };
    const nodes = nodesOf(ctl);
    assert.equal(nodes.length, 5);
    for (const n of truth.nodes) {
      const row = nodes.find((x) => x.item.label === n.address);
      assert.ok(row, `${n.address} listed`);
      assert.equal(row.item.description, `${n.replicas} (${n.primaries} P · ${n.replicas - n.primaries} S)`);
      assert.equal(row.item.contextValue, 'pegasus.node.alive');
    }
    const total = truth.nodes.reduce((s, n) => s + n.replicas, 0);
    assert.equal(total, (8 + 16) * 3);
    // Expanding a node lists exactly its replicas.
    const first = nodes[0]!;
    assert.equal(childrenOf(ctl.context([]), first.e as Element).length, truth.nodes.find((n) => n.address === first.item.label)!.replicas);
  });
});

test('stopping a node: UNALIVE within one refresh, and the freeze margin drops', async () => {
  await withCluster(5, async (sim, ctl) => {
    const meta = () => itemOf(ctl.context([]), { kind: 'meta', cluster: 'sim' }).description;
    const before = meta();
    assert.match(before!, /^freeze margin 1 · /, `meta: ${before}`);
    const victim = nodesOf(ctl)[2]!.item.label;
    const res = await fetch(`${sim.controlUrl}/nodes/${victim}/stop`, { method: 'POST' });
    assert.equal(res.status, 200);
    sim.advance(60); // past the failure detector's grace period
    ctl.notifyChanged('sim');
    await new Promise((r) => setTimeout(r, 5));
    await ctl.idle();
    const row = nodesOf(ctl).find((n) => n.item.label === victim)!;
    assert.equal(row.item.contextValue, 'pegasus.node.unalive');
    assert.match(row.item.description!, /^UNALIVE/);
    assert.match(meta()!, /^freeze margin 0 · /);
    const cluster = itemOf(ctl.context([]), { kind: 'cluster', cluster: 'sim' }).description!;
    assert.match(cluster, /^1 down · /);
  });
});

test('a 3-node cluster that loses a node shows freezed with the stored level next to it', async () => {
  await withCluster(3, async (sim, ctl) => {
    const victim = nodesOf(ctl)[0]!.item.label;
    await fetch(`${sim.controlUrl}/nodes/${victim}/stop`, { method: 'POST' });
    sim.advance(60);
    ctl.refresh('sim');
    await ctl.idle();
    const meta = itemOf(ctl.context([]), { kind: 'meta', cluster: 'sim' });
    assert.equal(meta.description, 'FROZEN · freezed (stored steady)');
    const status = itemOf(ctl.context([]), { kind: 'cluster', cluster: 'sim' });
    assert.equal(status.icon?.color, 'testing.iconFailed');
  });
});

test('an unreachable cluster is an error item with the reason', async () => {
  const client = new MetaClient({ metaServers: ['127.0.0.1:1'], timeoutMs: 2000, connectTimeoutMs: 500 });
  const ctl = new ExplorerController({ intervalMs: 0, onChange: () => {} });
  try {
    ctl.setClusters([{ name: 'gone', metaServers: ['127.0.0.1:1'], production: false, simulated: false, client }], 'gone');
    await ctl.idle();
    const ctx = ctl.context([]);
    const [msg] = childrenOf(ctx, { kind: 'cluster', cluster: 'gone' });
    const item = itemOf(ctx, msg!);
    assert.equal(item.label, 'Unreachable');
    assert.match(item.description!, /^ERR_/);
  } finally {
    ctl.dispose();
    client.close();
  }
});
