// The extension-side cluster registry (src/extension/clusters.ts) with a stubbed `vscode` module.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fakeContext, installVscodeStub, stub } from '../../support/vscodeStub';

installVscodeStub();

async function load() {
  return import('../../../src/extension/clusters');
}

test('settings → clusters, one meta client each, reused until the meta servers change; bad entries reported', async () => {
  const { ClusterRegistry } = await load();
  stub.settings.clusters = [
    { name: 'a', metaServers: ['127.0.0.1:1'] },
    { name: 'b', metaServers: ['bad'] },
    { name: 'c', metaServers: ['127.0.0.1:2'], production: true },
  ];
  stub.warnings.length = 0;
  const ctx = fakeContext();
  const reg = new ClusterRegistry(ctx as never, undefined);
  try {
    assert.deepEqual(
      reg.list().map((c) => c.profile.name),
      ['a', 'c'],
    );
    assert.equal(reg.problems.length, 1);
    assert.match(reg.problems[0]!.message, /pegasus\.clusters\[1\] \("b"\) is ignored/);
    assert.equal(stub.warnings.length, 1, 'one warning for the bad entry');
    const clientA = reg.get('a')!.client;
    let fired = 0;
    reg.onDidChangeClusters(() => fired++);
    stub.setClusters([
      { name: 'a', metaServers: ['127.0.0.1:1'] },
      { name: 'c', metaServers: ['127.0.0.1:3'] },
    ]);
    assert.equal(fired, 1);
    assert.equal(reg.get('a')!.client, clientA, 'unchanged cluster keeps its client');
    assert.deepEqual(reg.get('c')!.client.metaServers, ['127.0.0.1:3']);
    assert.equal(reg.problems.length, 0);
  } finally {
    reg.dispose();
  }
});

test('active cluster: first by default, chosen one persisted per workspace, unknown names refused', async () => {
  const { ClusterRegistry } = await load();
  stub.settings.clusters = [
    { name: 'a', metaServers: ['127.0.0.1:1'] },
    { name: 'b', metaServers: ['127.0.0.1:2'] },
  ];
  const ctx = fakeContext();
  const reg = new ClusterRegistry(ctx as never, undefined);
  try {
    assert.equal(reg.active?.profile.name, 'a');
    const seen: (string | undefined)[] = [];
    reg.onDidChangeActive((c) => seen.push(c?.profile.name));
    await reg.setActive('b');
    assert.equal(reg.active?.profile.name, 'b');
    assert.deepEqual(seen, ['b']);
    assert.equal(ctx.workspaceState.get('pegasus.activeCluster'), 'b');
    await assert.rejects(reg.setActive('zzz'), /no cluster named "zzz"; the configured ones are: a, b/);
    const again = new ClusterRegistry(ctx as never, undefined);
    assert.equal(again.active?.profile.name, 'b', 'remembered');
    again.dispose();
  } finally {
    reg.dispose();
  }
});

test('notifyClusterChanged and leaving nodes reach listeners', async () => {
  const { initClusterRegistry, notifyClusterChanged, getClusterRegistry } = await load();
  stub.settings.clusters = [{ name: 'a', metaServers: ['127.0.0.1:1'] }];
  notifyClusterChanged('a'); // before init: a no-op, not a crash
  const reg = initClusterRegistry(fakeContext() as never);
  try {
    assert.equal(getClusterRegistry(), reg);
    const changed: string[] = [];
    reg.onDidNotifyChange((n) => changed.push(n));
    notifyClusterChanged('a');
    assert.deepEqual(changed, ['a']);
    reg.setLeavingNodes('a', ['n1:1', 'n2:1']);
    assert.deepEqual(reg.leavingNodes('a'), ['n1:1', 'n2:1']);
    reg.setLeavingNodes('a', []);
    assert.deepEqual(reg.leavingNodes('a'), []);
  } finally {
    reg.dispose();
    assert.equal(getClusterRegistry(), undefined);
  }
});

test('credentials live in SecretStorage, indexed so they can be forgotten', async () => {
  const { ClusterRegistry } = await load();
  stub.settings.clusters = [{ name: 'a', metaServers: ['127.0.0.1:1'] }];
  const ctx = fakeContext();
  const reg = new ClusterRegistry(ctx as never, undefined);
  try {
    await reg.storeSecret('a', 'token', 's3cret');
    assert.equal(await reg.getSecret('a', 'token'), 's3cret');
    assert.deepEqual(await reg.secretKeys('a'), ['token']);
    assert.equal(await reg.forgetSecrets('a'), 1);
    assert.equal(await reg.getSecret('a', 'token'), undefined);
    assert.equal(ctx.secrets.store_.size, 0);
  } finally {
    reg.dispose();
  }
});

test('onDidRefresh: complete snapshots of known clusters reach listeners; partial ones and unknown names do not', async () => {
  const { ClusterRegistry } = await load();
  stub.settings.clusters = [{ name: 'a', metaServers: ['127.0.0.1:1'] }];
  const reg = new ClusterRegistry(fakeContext() as never, undefined);
  try {
    const seen: { name: string; nodes: number }[] = [];
    const sub = reg.onDidRefresh(({ name, snapshot }) => seen.push({ name, nodes: snapshot.nodes.length }));
    const snap = (complete: boolean) => ({ complete, nodes: [{}, {}, {}] }) as never;
    reg.publishSnapshot('a', snap(false));
    reg.publishSnapshot('gone', snap(true));
    assert.deepEqual(seen, []);
    reg.publishSnapshot('a', snap(true));
    assert.deepEqual(seen, [{ name: 'a', nodes: 3 }]);
    sub.dispose();
    reg.publishSnapshot('a', snap(true));
    assert.equal(seen.length, 1, 'disposed listeners hear nothing');
  } finally {
    reg.dispose();
  }
});

test('a second simulated cluster gets its own replica ports: no two clusters list the same node address', async () => {
  const { ClusterRegistry } = await load();
  const { freeReplicaBase } = await import('../../../src/extension/clusters/simulators');
  assert.equal(freeReplicaBase([], 5), 34801);
  assert.equal(freeReplicaBase([34801], 5), 34901);
  assert.equal(freeReplicaBase([34901], 5), 34801, 'a freed block is used again');
  assert.equal(freeReplicaBase([34801], 150), 35001, 'a large cluster takes a larger block');
  stub.settings.clusters = [];
  const reg = new ClusterRegistry(fakeContext() as never, undefined);
  try {
    const a = await reg.startSimulatedCluster({ nodes: 3, timeScale: 0, process: 'inProcess' });
    const b = await reg.startSimulatedCluster({ nodes: 3, timeScale: 0, process: 'inProcess' });
    assert.deepEqual([a.profile.name, b.profile.name], ['simulated', 'simulated-2']);
    const nodesOf = async (name: string) => (await reg.get(name)!.client.listNodes()).map((n) => n.address);
    const [na, nb] = [await nodesOf('simulated'), await nodesOf('simulated-2')];
    assert.equal(na.length, 3);
    assert.deepEqual(
      na.filter((x) => nb.includes(x)),
      [],
      `${na.join(',')} vs ${nb.join(',')}`,
    );
  } finally {
    await reg.stopSimulatedCluster('simulated-2');
    await reg.stopSimulatedCluster('simulated');
    reg.dispose();
  }
});
