import { test } from 'node:test';
import assert from 'node:assert/strict';
import { installVscodeStub } from '../../../support/vscodeStub';
import { ExplorerController } from '../../../../src/extension/explorer/controller';
import { changedElements, childrenOf, itemOf, type Element } from '../../../../src/extension/explorer/treeModel';
import { PegasusError } from '../../../../src/pegasus/errors';
import { FakeClock, flush } from '../../../support/fakeClock';
import { FakeClient, makeCluster } from '../../../support/syntheticCluster';

installVscodeStub();

const spec = { nodes: 5, tables: [{ name: 'temp', partitions: 8, replicas: 3 }] };
type Fired = Element | Element[] | undefined;

/** A controller polling fake clusters every 5 s, and the tree VS Code would render from it. */
async function setup(clients: { name: string; client: FakeClient }[]) {
  const { ExplorerTree } = await import('../../../../src/extension/explorer/tree');
  const clock = new FakeClock();
  const late: { tree?: InstanceType<typeof ExplorerTree> } = {};
  const c = new ExplorerController({ intervalMs: 5000, clock, onChange: (name) => late.tree?.changed(name) });
  const tree = (late.tree = new ExplorerTree(c, () => []));
  const fired: Fired[] = [];
  tree.onDidChangeTreeData((e) => fired.push(e));
  c.setClusters(
    clients.map(({ name, client }) => ({ name, metaServers: client.metaServers, production: false, simulated: true, client })),
    clients[0]!.name,
  );
  c.setVisible(true);
  const settle = async () => {
    await flush();
    await c.idle();
    await flush();
  };
  await settle();
  return { c, tree, clock, fired, settle };
}

/** What VS Code does with an expanded tree: asks for every level down to the nodes. */
function expand(tree: { getChildren(e?: Element): Element[] }, cluster: string): Element[] {
  const [top] = tree.getChildren().filter((e) => e.kind === 'cluster' && e.cluster === cluster);
  const parts = tree.getChildren(top);
  const nodes = parts.find((e) => e.kind === 'nodes');
  return [top!, ...parts, ...(nodes ? tree.getChildren(nodes) : [])];
}

test('polls that find the same cluster fire no change: rows (and their open tooltips) stay as they are', async () => {
  const ok = new FakeClient(makeCluster(spec));
  const { c, tree, clock, fired, settle } = await setup([{ name: 'sim', client: ok }]);
  expand(tree, 'sim');
  fired.length = 0;
  const calls = ok.calls;
  for (let i = 0; i < 3; i++) {
    await clock.advance(5000);
    await settle();
  }
  assert.ok(ok.calls > calls, 'it did poll');
  assert.deepEqual(fired, []);
  c.dispose();
});

test('a change fires only the rows that look different, as the same objects VS Code was given', async () => {
  const ok = new FakeClient(makeCluster(spec));
  const { c, tree, fired } = await setup([{ name: 'sim', client: ok }]);
  const shown = expand(tree, 'sim');
  const node = shown.find((e) => e.kind === 'node')!;
  fired.length = 0;
  c.setLeaving('sim', [(node as { address: string }).address]);
  assert.equal(fired.length, 1);
  const batch = fired[0];
  assert.ok(Array.isArray(batch), 'a list of elements, not the whole tree');
  assert.ok(batch.includes(node), 'the node row, by identity');
  assert.ok(!batch.some((e) => e.kind === 'cluster'), 'the cluster row looks the same and is not re-rendered');
  // Item identity: the ids VS Code keys its rows by do not move between refreshes.
  assert.equal(
    tree.getChildren(shown.find((e) => e.kind === 'nodes'))[0],
    shown.find((e) => e.kind === 'node'),
  );
  c.dispose();
});

test('an unreachable cluster keeps saying so between retries instead of flashing "connecting…"', async () => {
  const down = new FakeClient(makeCluster(spec));
  down.fail = new PegasusError('ERR_NETWORK_FAILURE', 'connect ECONNREFUSED 127.0.0.1:1', { kind: 'transport' });
  const { c, tree, clock, fired, settle } = await setup([{ name: 'bad', client: down }]);
  const descriptions: string[] = [];
  const look = () => descriptions.push(itemOf(tree.context(), { kind: 'cluster', cluster: 'bad' }).description!);
  const changed = tree.changed.bind(tree);
  tree.changed = (name) => {
    changed(name);
    look();
  };
  expand(tree, 'bad');
  fired.length = 0;
  const calls = down.calls;
  for (let i = 0; i < 3; i++) {
    await clock.advance(5000);
    await settle();
  }
  assert.ok(down.calls > calls, 'it did retry');
  assert.ok(descriptions.length > 0);
  assert.ok(
    descriptions.every((d) => /unreachable/.test(d) && !/connecting/.test(d)),
    descriptions.join(' | '),
  );
  assert.deepEqual(fired, [], 'the same failure again changes nothing on screen');
  c.dispose();
});

test('a cluster that stops answering keeps its last data, marked as a failed refresh', async () => {
  const ok = new FakeClient(makeCluster(spec));
  const { c, tree, clock, fired, settle } = await setup([{ name: 'sim', client: ok }]);
  const shown = expand(tree, 'sim');
  fired.length = 0;
  ok.fail = new PegasusError('ERR_TIMEOUT', 'no reply in 10000 ms', { kind: 'transport' });
  await clock.advance(5000);
  await settle();
  const ctx = tree.context();
  assert.match(itemOf(ctx, shown[0]!).description!, /refresh failed/);
  assert.deepEqual(
    childrenOf(ctx, shown[0]).map((e) => e.kind),
    ['message', 'meta', 'nodes', 'tables'],
  );
  // Only the cluster row changes (its subtree re-reads with it); the data below stays.
  assert.deepEqual(fired, [[shown[0]]]);
  fired.length = 0;
  await clock.advance(5000);
  await settle();
  assert.deepEqual(fired, [], 'the second identical failure changes nothing');
  c.dispose();
});

test('changedElements: the whole tree when the top level changes, nothing when nothing does', () => {
  const base = { clusters: [], settingsProblems: [] };
  const withProblem = { clusters: [], settingsProblems: [{ message: 'bad entry' }] };
  assert.equal(changedElements(base, withProblem, []), 'all');
  assert.deepEqual(changedElements(base, base, []), []);
});

test('a row never carries raw control characters or unbounded server text', async () => {
  installVscodeStub();
  const { toTreeItem } = await import('../../../../src/extension/explorer/tree');
  const hostile = 'evil\x1b]0;pwned\x07host';
  const item = toTreeItem({ id: 'n', label: hostile, description: 'x'.repeat(10_000), collapsible: 'none' }, {
    kind: 'node',
    cluster: 'c',
    address: hostile,
  } as unknown as Element);
  const controls = [...String(item.label)].filter((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f);
  assert.deepEqual(controls, []);
  assert.match(String(item.label), /\\x1b/);
  assert.ok(String(item.description).length < 400, String(item.description).length.toString());
  assert.match(String(item.description), /10000 chars/);
});
