import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExplorerController, describeError } from '../../../../src/extension/explorer/controller';
import { childrenOf, itemOf } from '../../../../src/extension/explorer/treeModel';
import { PegasusError } from '../../../../src/pegasus/errors';
import { FakeClock, flush } from '../../../support/fakeClock';
import { FakeClient, addr, makeCluster } from '../../../support/syntheticCluster';

const spec = {
  nodes: 5,
  tables: [
    { name: 'temp', partitions: 8, replicas: 3 },
    { name: 'usertable', partitions: 4, replicas: 3 },
  ],
};

function setup() {
  const clock = new FakeClock();
  const c = new ExplorerController({ intervalMs: 5000, clock, onChange: () => {} });
  const ok = new FakeClient(makeCluster(spec));
  const down = new FakeClient(makeCluster(spec));
  down.fail = new PegasusError('ERR_NETWORK_FAILURE', 'connect ECONNREFUSED 127.0.0.1:1', { kind: 'transport' });
  return { clock, c, ok, down };
}

async function settle(c: ExplorerController): Promise<void> {
  await flush();
  await c.idle();
  await flush();
}

test('an unreachable cluster becomes an error item with the reason while the other one works', async () => {
  const { c, ok, down } = setup();
  c.setClusters(
    [
      { name: 'good', metaServers: ok.metaServers, production: false, simulated: true, client: ok },
      { name: 'bad', metaServers: ['127.0.0.1:1'], production: true, simulated: false, client: down },
    ],
    'good',
  );
  await settle(c);
  const ctx = c.context([]);
  const [good, bad] = childrenOf(ctx, undefined);
  assert.match(itemOf(ctx, good!).description!, /^healthy · 5\/5 alive · steady · active$/);
  const badItem = itemOf(ctx, bad!);
  assert.match(badItem.description!, /production · unreachable/);
  const [msg] = childrenOf(ctx, bad);
  assert.equal(itemOf(ctx, msg!).description, 'ERR_NETWORK_FAILURE: connect ECONNREFUSED 127.0.0.1:1');
  assert.equal(childrenOf(ctx, good).length, 3);
  c.dispose();
});

test('first paint: the top level appears before the partitions are in', async () => {
  const clock = new FakeClock();
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const seen: boolean[] = [];
  const ctl: ExplorerController = new ExplorerController({
    intervalMs: 0,
    clock,
    onChange: (name) => {
      if (name) seen.push(ctl.snapshot(name)?.complete ?? false);
    },
  });
  // query_cfg waits for the gate; everything else answers at once.
  const client = new FakeClient(makeCluster(spec));
  const origQuery = client.queryPartitionConfig.bind(client);
  client.queryPartitionConfig = async (name, o) => {
    await gate;
    return origQuery(name, o);
  };
  ctl.setClusters([{ name: 'x', metaServers: client.metaServers, production: false, simulated: false, client }], 'x');
  await flush();
  await flush();
  const snap = ctl.snapshot('x');
  assert.ok(snap && !snap.complete, 'a partial snapshot is shown while partitions load');
  assert.equal(snap.nodes.length, 5);
  const ctx = ctl.context([]);
  assert.match(itemOf(ctx, { kind: 'cluster', cluster: 'x' }).description!, /loading tables…/);
  release();
  await settle(ctl);
  assert.equal(ctl.snapshot('x')?.complete, true);
  assert.deepEqual(seen.slice(-1), [true]);
  assert.ok(seen.includes(false));
  ctl.dispose();
});

test('a node stopped: after a change notification it is UNALIVE within one refresh and the margin drops', async () => {
  const { c, ok, clock } = setup();
  c.setClusters([{ name: 'sim', metaServers: ok.metaServers, production: false, simulated: true, client: ok }], 'sim');
  await settle(c);
  const margin = () => itemOf(c.context([]), { kind: 'meta', cluster: 'sim' }).description;
  assert.equal(margin(), 'freeze margin 1 · steady');
  ok.cluster = makeCluster({ ...spec, unalive: [2] });
  c.notifyChanged('sim');
  await clock.advance(499);
  assert.equal(itemOf(c.context([]), { kind: 'node', cluster: 'sim', address: addr(2) }).contextValue, 'pegasus.node.alive', 'debounced');
  await clock.advance(1);
  await settle(c);
  const node = itemOf(c.context([]), { kind: 'node', cluster: 'sim', address: addr(2) });
  assert.equal(node.contextValue, 'pegasus.node.unalive');
  assert.match(node.description!, /^UNALIVE/);
  assert.equal(margin(), 'freeze margin 0 · steady');
  c.dispose();
});

test('polling while visible; a failed refresh keeps the last data with the error on top', async () => {
  const { c, ok, clock } = setup();
  c.setClusters([{ name: 'sim', metaServers: ok.metaServers, production: false, simulated: true, client: ok }], 'sim');
  await settle(c);
  const calls = ok.calls;
  c.setVisible(true);
  await clock.advance(5000);
  await settle(c);
  assert.ok(ok.calls > calls, 'polled');
  ok.fail = new PegasusError('ERR_TIMEOUT', 'no reply in 10000 ms', { kind: 'transport' });
  await clock.advance(5000);
  await settle(c);
  const ctx = c.context([]);
  const kids = childrenOf(ctx, { kind: 'cluster', cluster: 'sim' });
  assert.deepEqual(
    kids.map((k) => k.kind),
    ['message', 'meta', 'nodes', 'tables'],
  );
  assert.equal(itemOf(ctx, kids[0]!).label, 'Last refresh failed');
  assert.match(itemOf(ctx, { kind: 'cluster', cluster: 'sim' }).description!, /refresh failed/);
  c.setVisible(false);
  const before = ok.calls;
  await clock.advance(19_000);
  assert.equal(ok.calls, before, 'hidden: the active cluster waits 4× the interval');
  assert.equal(c.nextPollIn('sim'), 1000);
  await clock.advance(1_100);
  await settle(c);
  assert.ok(ok.calls > before, 'then polls, for the status bar');
  c.setActive(undefined);
  const after = ok.calls;
  await clock.advance(60_000);
  assert.equal(ok.calls, after, 'no active cluster: no polling while hidden');
  assert.equal(c.nextPollIn('sim'), null);
  c.dispose();
});

test('describeError keeps the code, the detail and the hint apart', () => {
  const e = new PegasusError('ERR_NETWORK_FAILURE', 'connect ECONNREFUSED', { kind: 'transport' });
  const d = describeError(e);
  assert.equal(d.message, 'ERR_NETWORK_FAILURE: connect ECONNREFUSED');
  assert.equal(d.code, 'ERR_NETWORK_FAILURE');
  assert.match(d.hint!, /check host:port/);
  assert.deepEqual(describeError('boom'), { message: 'boom' });
});

test('onSnapshot: once per successful refresh with the complete snapshot; first paints and failures stay silent', async () => {
  const clock = new FakeClock();
  const got: { name: string; complete: boolean; nodes: number }[] = [];
  const c = new ExplorerController({
    intervalMs: 0,
    clock,
    onChange: () => {},
    onSnapshot: (name, s) => got.push({ name, complete: s.complete, nodes: s.nodes.length }),
  });
  const client = new FakeClient(makeCluster(spec));
  c.setClusters([{ name: 'a', metaServers: client.metaServers, production: false, simulated: true, client }], 'a');
  await settle(c);
  assert.deepEqual(got, [{ name: 'a', complete: true, nodes: 5 }]);
  client.fail = new PegasusError('ERR_TIMEOUT', 'no answer', { kind: 'transport' });
  c.refresh('a');
  await settle(c);
  assert.equal(got.length, 1, 'a failed refresh publishes nothing');
  client.fail = undefined;
  c.refresh('a');
  await settle(c);
  assert.equal(got.length, 2);
  assert.equal(c.snapshot('a')?.complete, true);
  c.dispose();
});
