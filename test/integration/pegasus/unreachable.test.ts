import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { Connection, MetaClient, PegasusError, RPC } from '../../../src/pegasus';
import { closedPort, startFixtureCluster } from '../../support/fixtureCluster';

/** A resolver that fails like the OS does for `code` (ENOTFOUND: no such name; EHOSTUNREACH via routing). */
function failingLookup(code: string): net.LookupFunction {
  return ((hostname: string, _opts: unknown, cb: (e: NodeJS.ErrnoException | null, address?: string, family?: number) => void) => {
    const e: NodeJS.ErrnoException = new Error(`getaddrinfo ${code} ${hostname}`);
    e.code = code;
    process.nextTick(() => cb(e));
  }) as net.LookupFunction;
}

test('every meta refuses or does not resolve: one fast ERR_NETWORK_FAILURE naming each address and its OS error', async () => {
  const a = await closedPort();
  const b = await closedPort();
  const c = 'meta3.invalid:34601';
  // A long call timeout: before the fix the client waited all of it and said ERR_TIMEOUT.
  const client = new MetaClient({
    metaServers: [a, b, c],
    timeoutMs: 20_000,
    retryDelayMs: 1000,
    lookup: lookupOnly('meta3.invalid', 'ENOTFOUND'),
  });
  try {
    const t0 = Date.now();
    await assert.rejects(client.listNodes(), (e) => {
      assert.ok(e instanceof PegasusError, String(e));
      assert.equal(e.code, 'ERR_NETWORK_FAILURE', e.message);
      assert.equal(e.kind, 'transport');
      assert.equal(e.rpc, 'RPC_CM_LIST_NODES');
      assert.deepEqual(
        e.failures.map((f) => [f.address, f.error.code, f.error.osCode]),
        [
          [a, 'ERR_NETWORK_FAILURE', 'ECONNREFUSED'],
          [b, 'ERR_NETWORK_FAILURE', 'ECONNREFUSED'],
          [c, 'ERR_NETWORK_FAILURE', 'ENOTFOUND'],
        ],
      );
      for (const addr of [a, b, c]) assert.ok(e.message.includes(addr), e.message);
      assert.match(e.message, new RegExp(`${a}: ECONNREFUSED \\(nothing listens on that host:port\\)`));
      assert.match(e.message, /meta3\.invalid:34601: ENOTFOUND \(the host name does not resolve\)/);
      assert.match(e.hint, /meta server address list/);
      assert.match(e.hint, /running/);
      return true;
    });
    assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`);
  } finally {
    client.close();
  }
});

/** Resolves `bad` with an error `code`; every other name (127.0.0.1) as usual. */
function lookupOnly(bad: string, code: string): net.LookupFunction {
  const fail = failingLookup(code);
  return ((hostname: string, opts: unknown, cb: (e: NodeJS.ErrnoException | null, address?: unknown, family?: number) => void) => {
    if (hostname === bad) return fail(hostname, opts as never, cb as never);
    const o = opts as { all?: boolean };
    process.nextTick(() => (o.all ? cb(null, [{ address: hostname, family: 4 }]) : cb(null, hostname, 4)));
  }) as net.LookupFunction;
}

test('a single connect failure names the address and the OS error (EHOSTUNREACH)', async () => {
  const conn = new Connection('meta1.test:34601', { lookup: failingLookup('EHOSTUNREACH') });
  try {
    await assert.rejects(conn.call(RPC.listNodes, { status: 0 }), (e) => {
      assert.ok(e instanceof PegasusError);
      assert.equal(e.code, 'ERR_NETWORK_FAILURE');
      assert.equal(e.address, 'meta1.test:34601');
      assert.equal(e.osCode, 'EHOSTUNREACH');
      assert.match(e.detail, /cannot connect to meta1\.test:34601: EHOSTUNREACH \(the host is unreachable\)/);
      return true;
    });
  } finally {
    conn.close();
  }
});

test('a refused meta is skipped at once: the next meta of the list answers, forwards are followed', async () => {
  const cluster = await startFixtureCluster(2, '2.5', 1);
  const dead = await closedPort();
  // attemptTimeoutMs is long: only an immediate move-on keeps the call fast.
  const client = new MetaClient({
    metaServers: [dead, cluster.addresses[0]!, cluster.addresses[1]!],
    timeoutMs: 20_000,
    attemptTimeoutMs: 10_000,
  });
  try {
    const t0 = Date.now();
    assert.equal((await client.listNodes()).length, 3);
    assert.equal(client.leader, cluster.addresses[1]);
    assert.ok(Date.now() - t0 < 3000);
    // The leader goes away and the other meta takes over: refused → next meta, no timeout wait.
    cluster.state.leader = 0;
    await cluster.closeMeta(1);
    const t1 = Date.now();
    assert.equal((await client.listApps()).length, 1);
    assert.equal(client.leader, cluster.addresses[0]);
    assert.ok(Date.now() - t1 < 3000, `took ${Date.now() - t1} ms`);
  } finally {
    client.close();
    await cluster.close();
  }
});

test('refused metas plus a silent one: bounded by the call timeout, the error names every address', async () => {
  const cluster = await startFixtureCluster(1, '2.5', 0);
  cluster.state.override = () => ({ kind: 'silent' });
  const dead = await closedPort();
  const client = new MetaClient({ metaServers: [dead, cluster.addresses[0]!], timeoutMs: 300, attemptTimeoutMs: 5000, retryDelayMs: 50 });
  try {
    const t0 = Date.now();
    await assert.rejects(client.clusterInfo(), (e) => {
      assert.ok(e instanceof PegasusError);
      assert.equal(e.code, 'ERR_TIMEOUT', e.message);
      assert.deepEqual(
        e.failures.map((f) => [f.address, f.error.code]),
        [
          [dead, 'ERR_NETWORK_FAILURE'],
          [cluster.addresses[0], 'ERR_TIMEOUT'],
        ],
      );
      assert.ok(e.message.includes(dead) && e.message.includes(cluster.addresses[0]!), e.message);
      return true;
    });
    const took = Date.now() - t0;
    assert.ok(took >= 250 && took < 2000, `took ${took} ms`);
  } finally {
    client.close();
    await cluster.close();
  }
});
