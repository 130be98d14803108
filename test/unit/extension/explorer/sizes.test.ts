// The Clusters view shows data size and disk use only as the replica servers reported them
// (src/cluster/replicaData), and nothing when they were not read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSnapshot } from '../../../../src/cluster/snapshot';
import { ExplorerController } from '../../../../src/extension/explorer/controller';
import { childrenOf, itemOf, tooltipOf, type ClusterViewState, type TreeContext } from '../../../../src/extension/explorer/treeModel';
import type { ReaderOptions, ReplicaData } from '../../../../src/cluster/replicaData';
import { FakeClock, flush } from '../../../support/fakeClock';
import { FakeClient, addr, makeCluster, type FakeClusterSpec } from '../../../support/syntheticCluster';

const GiB = 1 << 30;
const MiB = 1 << 20;
const spec: FakeClusterSpec = { nodes: 3, tables: [{ name: 'temp', partitions: 4, replicas: 3 }] };

function reading(over: Partial<ReplicaData> = {}): ReplicaData {
  const replicas = [0, 1, 2].flatMap((n) => [0, 1, 2, 3].map((p) => ({ node: addr(n), appId: 1, partitionIndex: p, bytes: 256 * MiB })));
  return {
    dialect: '2.5',
    answered: [addr(0), addr(1), addr(2)],
    replicas,
    disks: [
      { node: addr(0), totalBytes: 100 * GiB, availBytes: 60 * GiB, usedBytes: 40 * GiB, availTotalRatio: 60, availMinRatio: 60 },
      { node: addr(1), totalBytes: 100 * GiB, availBytes: 10 * GiB, usedBytes: 90 * GiB, availTotalRatio: 10, availMinRatio: 10 },
    ],
    learning: [],
    unknown: [],
    readAt: 1_700_000_000_000,
    ...over,
  };
}

function ctxFor(over: Partial<ClusterViewState>): TreeContext {
  const c = makeCluster(spec);
  const snapshot = buildSnapshot({
    nodes: c.nodes,
    apps: c.apps,
    configs: c.configs,
    clusterInfo: c.clusterInfo,
    extras: { storedLevel: 400, livePercentage: 65, blackList: [] },
  });
  const view: ClusterViewState = {
    name: 'onebox',
    metaServers: ['127.0.0.1:34601'],
    production: false,
    simulated: true,
    active: true,
    status: { kind: 'ok' },
    snapshot,
    leaving: new Set(),
    ...over,
  };
  return { clusters: [view], settingsProblems: [] };
}

const nodesOf = (ctx: TreeContext) => childrenOf(ctx, { kind: 'nodes', cluster: 'onebox' });
const tableOf = (ctx: TreeContext) => childrenOf(ctx, { kind: 'tables', cluster: 'onebox' })[0]!;

test('nodes show data and disk use read from the servers; a node above the fill limit gets the themed warning', () => {
  const ctx = ctxFor({ replicaData: reading() });
  const items = nodesOf(ctx).map((e) => itemOf(ctx, e));
  assert.equal(items[0]!.description, '4 (2 P · 2 S) · 1.0 GiB · disk 40.0 GiB/100 GiB (40%)');
  assert.deepEqual(items[0]!.icon, { id: 'pass-filled', color: 'testing.iconPassed' });
  // 90% used ≥ the default 85% limit.
  assert.deepEqual(items[1]!.icon, { id: 'warning', color: 'list.warningForeground' });
  assert.match(items[1]!.contextValue!, /\.diskfull$/);
  assert.match(tooltipOf(ctx, nodesOf(ctx)[1]!)!, /\$\(warning\) Disk: \*\*90\.0 GiB\*\* used of 100 GiB \(90\.0%; flagged from 85%\)/);
  // No disk figures reported: the size only, no disk part and no warning.
  assert.equal(items[2]!.description, '4 (1 P · 3 S) · 1.0 GiB');
  // A higher limit clears the warning.
  const relaxed = ctxFor({ replicaData: reading(), diskFillLimitPct: 95 });
  assert.deepEqual(itemOf(relaxed, nodesOf(relaxed)[1]!).icon, { id: 'pass-filled', color: 'testing.iconPassed' });
});

test('the table shows its size over all replicas, only when every node holding it answered', () => {
  const ctx = ctxFor({ replicaData: reading() });
  assert.match(itemOf(ctx, tableOf(ctx)).description!, / · 3\.0 GiB$/);
  const partial = ctxFor({
    replicaData: reading({
      answered: [addr(0), addr(1)],
      unknown: [{ node: addr(2), code: 'timeout', detail: 'no answer within 3000 ms' }],
    }),
  });
  assert.doesNotMatch(itemOf(partial, tableOf(partial)).description!, /GiB/);
  // The silent node shows no figures (never an estimate), and its tooltip says why.
  const silent = nodesOf(partial)[2]!;
  assert.equal(itemOf(partial, silent).description, '4 (1 P · 3 S)');
  assert.match(tooltipOf(partial, silent)!, /Data and disk: not read \(`timeout`: no answer within 3000 ms\)/);
});

test('a node the reading did not cover shows no figures, and its tables no size', () => {
  const ctx = ctxFor({ replicaData: reading({ answered: [addr(0), addr(1)] }) });
  assert.equal(itemOf(ctx, nodesOf(ctx)[2]!).description, '4 (1 P · 3 S)');
  assert.doesNotMatch(itemOf(ctx, tableOf(ctx)).description!, /GiB/);
});

test('without a reading nothing about sizes is shown', () => {
  const ctx = ctxFor({});
  assert.equal(itemOf(ctx, nodesOf(ctx)[0]!).description, '4 (2 P · 2 S)');
  assert.doesNotMatch(itemOf(ctx, tableOf(ctx)).description!, /B$/);
  assert.doesNotMatch(tooltipOf(ctx, nodesOf(ctx)[0]!)!, /Disk|Data/);
});

test('controller: reads the ALIVE nodes after each refresh (2.5: ip:port, remote commands) and keeps the reading with the snapshot', async () => {
  const clock = new FakeClock();
  const calls: { nodes: readonly string[]; opts: ReaderOptions }[] = [];
  let answer: ReplicaData = reading();
  const c = new ExplorerController({
    intervalMs: 0,
    clock,
    onChange: () => {},
    readReplicaData: async (nodes, opts) => {
      calls.push({ nodes, opts });
      return answer;
    },
    diskFillLimitPct: () => 80,
  });
  const client = new FakeClient(makeCluster({ ...spec, unalive: [2] }));
  c.setClusters([{ name: 'a', metaServers: client.metaServers, production: false, simulated: true, client }], 'a');
  await flush();
  await c.idle();
  assert.deepEqual(calls[0]!.nodes, [addr(0), addr(1)]);
  assert.equal(calls[0]!.opts.dialect, '2.5');
  assert.equal(calls[0]!.opts.remote, client);
  const view = c.views()[0]!;
  assert.equal(view.replicaData, answer);
  assert.equal(view.diskFillLimitPct, 80);
  // Nobody answered: no reading at all rather than a reading of zeros.
  answer = reading({ answered: [], replicas: [], disks: [], unknown: [{ node: addr(0), code: 'unreachable', detail: 'ECONNREFUSED' }] });
  c.refresh('a');
  await flush();
  await c.idle();
  assert.equal(c.views()[0]!.replicaData, undefined);
  c.dispose();
});
