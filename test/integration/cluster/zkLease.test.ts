import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { leasePath, zookeeperLease } from '../../../src/cluster/zkLease';
import { clusterProfileSchema } from '../../../src/cluster/profile';
import { startZooKeeper, zookeeperSkip, type ZooKeeperServer } from '../../support/zookeeper';

const skip = zookeeperSkip();
let zk: ZooKeeperServer | undefined;
before(async () => {
  if (!skip) zk = await startZooKeeper();
});
after(async () => {
  await zk?.stop();
});

const holder = (who: string) => ({
  who,
  op: 'scale-in',
  started: new Date().toISOString(),
  cluster: 'prod/a b',
  nodes: ['10.0.0.1:34801'],
});

test('a second acquire is refused with the holder and start time; release lets the next one take it', { skip }, async () => {
  const port = zookeeperLease({ hosts: zk!.hosts, root: '/t1/locks' });
  const a = await port.acquire(holder('alice@h1'));
  assert.ok('held' in a);
  assert.equal(a.held.holder.path, leasePath('/t1/locks', 'prod/a b'));
  const b = await port.acquire(holder('bob@h2'));
  assert.ok('heldBy' in b, JSON.stringify(b));
  assert.equal(b.heldBy.who, 'alice@h1');
  assert.equal(b.heldBy.op, 'scale-in');
  assert.equal(b.heldBy.started, a.held.holder.started);
  assert.deepEqual(b.heldBy.nodes, ['10.0.0.1:34801']);
  assert.equal(a.held.lost(), undefined);
  await a.held.release();
  const c = await port.acquire(holder('bob@h2'));
  assert.ok('held' in c);
  await c.held.release();
});

test('concurrent acquires: exactly one holds the lease', { skip }, async () => {
  const port = zookeeperLease({ hosts: zk!.hosts, root: '/t2/locks' });
  const rs = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((w) => port.acquire(holder(`${w}@h`))));
  const held = rs.filter((r) => 'held' in r);
  assert.equal(held.length, 1);
  for (const r of rs) if ('heldBy' in r) assert.equal(r.heldBy.who, (held[0] as { held: { holder: { who: string } } }).held.holder.who);
  for (const r of held) await r.held.release();
});

test('the lease is ephemeral: deleting its node by hand marks it lost', { skip }, async () => {
  const port = zookeeperLease({ hosts: zk!.hosts, root: '/t3/locks' });
  const a = await port.acquire(holder('alice@h1'));
  assert.ok('held' in a);
  // A second session removes the node, as an operator with zkCli would.
  const zookeeper = (await import('node-zookeeper-client')).default;
  const c = zookeeper.createClient(zk!.hosts);
  await new Promise<void>((r) => {
    c.once('connected', () => r());
    c.connect();
  });
  await new Promise<void>((r, j) => c.remove(a.held.holder.path!, -1, (e) => (e ? j(e) : r())));
  c.close();
  for (let i = 0; i < 50 && a.held.lost() === undefined; i++) await new Promise((r) => setTimeout(r, 50));
  assert.match(a.held.lost() ?? '', /deleted/);
  await a.held.release();
});

test('an unreachable ensemble is an error naming the hosts, in bounded time', async () => {
  const port = zookeeperLease({ hosts: '127.0.0.1:1', connectTimeoutMs: 500 });
  const t0 = Date.now();
  await assert.rejects(port.acquire(holder('a@h')), /127\.0\.0\.1:1/);
  assert.ok(Date.now() - t0 < 3000);
});

test('profile: zookeeper hosts are validated, root is optional and absolute', () => {
  const base = { name: 'c', metaServers: ['10.0.0.1:34601'] };
  assert.deepEqual(clusterProfileSchema.parse({ ...base, zookeeper: { hosts: 'zk1:2181,zk2:2181' } }).zookeeper, {
    hosts: 'zk1:2181,zk2:2181',
  });
  assert.equal(clusterProfileSchema.safeParse({ ...base, zookeeper: { hosts: 'zk1' } }).success, false);
  assert.equal(clusterProfileSchema.safeParse({ ...base, zookeeper: { hosts: 'zk1:2181', root: 'rel' } }).success, false);
  assert.equal(clusterProfileSchema.safeParse({ ...base, zookeeper: { hosts: 'zk1:2181', rooot: '/x' } }).success, false);
  assert.equal(clusterProfileSchema.parse({ ...base, zookeeper: { hosts: 'zk1:2181', root: '/a/b' } }).zookeeper?.root, '/a/b');
});
