import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fetchSnapshot, parseBlackList, remoteCommandValue } from '../../../src/cluster/fetch';
import type { ClusterSnapshot } from '../../../src/cluster/snapshot';
import { app, cfg, fakeClient, pc, smallCluster, N1, N2 } from '../../support/metaFixtures';

test('fetchSnapshot: builds the model, reads stored level, live percentage and black list', async () => {
  const s = smallCluster();
  s.storedLevel = 500;
  s.remote['meta.lb.assign_secondary_black_list'] = 'get ok: 10.0.0.1:34801';
  const c = fakeClient(s);
  const snap = await fetchSnapshot(c, { http: false });
  assert.equal(snap.complete, true);
  assert.deepEqual(c.calls.queries.sort(), ['t1', 'temp']); // only AVAILABLE tables
  assert.equal(snap.meta.storedLevel, 'lively');
  assert.equal(snap.meta.effectiveLevel, 'steady');
  assert.equal(snap.meta.leader, '127.0.0.1:34601');
  assert.equal(snap.freeze.pct, 50);
  assert.equal(snap.node(N1)!.blackListed, true);
  assert.equal(snap.node(N2)!.blackListed, false);
  assert.equal(snap.table('temp')!.health!.fullyHealthy, 1);
});

test('fetchSnapshot: master JSON dialect for the extras', async () => {
  const s = smallCluster();
  s.remote['meta.live_percentage'] = '{\n  "error": "ok",\n  "meta.live_percentage": "65"\n}';
  s.remote['meta.lb.assign_secondary_black_list'] = '{\n  "assign_secondary_black_list": "node1:34801,node2:34801",\n  "error": "ok"\n}';
  const snap = await fetchSnapshot(fakeClient(s), { http: false });
  assert.equal(snap.freeze.pct, 65);
  assert.deepEqual(snap.extras.blackList, ['node1:34801', 'node2:34801']);
  assert.equal(
    snap.freeze.assumed.some((a) => a.startsWith('pct')),
    false,
  );
});

test('fetchSnapshot: extras that fail (follower, old server) are assumed, not fatal', async () => {
  const s = smallCluster();
  s.remote = {}; // every remote command answers "unknown command"
  const snap = await fetchSnapshot(fakeClient(s), { http: false });
  assert.equal(snap.extras.livePercentage, undefined);
  assert.equal(snap.freeze.pct, 65);
  assert.ok(snap.freeze.assumed.some((a) => a.startsWith('pct=65')));
  const without = await fetchSnapshot(fakeClient(smallCluster()), { extras: false });
  assert.equal(without.meta.storedLevel, undefined);
});

test('fetchSnapshot: bounded concurrency and a first paint before the partitions', async () => {
  const s = smallCluster();
  for (let i = 0; i < 20; i++) {
    const name = `t${i + 10}`;
    s.apps.push(app(i + 10, name, 1));
    s.configs[name] = cfg(i + 10, [pc(i + 10, 0, N1, [])]);
  }
  const c = fakeClient(s, { delayMs: 2 });
  let first: ClusterSnapshot | undefined;
  let queriesAtFirstPaint = -1;
  const snap = await fetchSnapshot(c, {
    http: false,
    concurrency: 3,
    onTopLevel: (p) => {
      first = p;
      queriesAtFirstPaint = c.calls.queries.length;
    },
  });
  assert.equal(c.calls.maxInFlight, 3);
  assert.equal(c.calls.queries.length, 22);
  assert.ok(first);
  assert.equal(first.complete, false);
  assert.equal(first.tables.length, 23);
  assert.equal(queriesAtFirstPaint, 0);
  assert.equal(snap.node(N1)!.primaryCount, 2 + 20);
});

test('fetchSnapshot: a table dropped meanwhile is recorded, other errors propagate', async () => {
  const s = smallCluster();
  const snap = await fetchSnapshot(fakeClient(s, { failTables: { t1: 'ERR_OBJECT_NOT_FOUND' } }), { http: false });
  assert.match(snap.table('t1')!.error!, /^ERR_OBJECT_NOT_FOUND/);
  assert.equal(snap.table('temp')!.health!.partitionCount, 4);
  await assert.rejects(
    fetchSnapshot(fakeClient(smallCluster(), { failTables: { t1: 'ERR_TIMEOUT' } }), { http: false }),
    (e: Error & { code?: string }) => e.code === 'ERR_TIMEOUT',
  );
});

test('fetchSnapshot: cancellation rejects', async () => {
  const ac = new AbortController();
  const p = fetchSnapshot(fakeClient(smallCluster(), { delayMs: 5 }), { signal: ac.signal, http: false });
  ac.abort();
  await assert.rejects(p);
});

test('remote command values in both dialects', () => {
  assert.equal(remoteCommandValue('65', 'meta.live_percentage'), '65');
  assert.equal(remoteCommandValue('{"error":"ok","meta.live_percentage":"50"}', 'meta.live_percentage'), '50');
  assert.equal(remoteCommandValue("unknown command 'x'", 'x'), undefined);
  assert.deepEqual(parseBlackList('get ok: '), []);
  assert.deepEqual(parseBlackList('get ok: a:1,b:2'), ['a:1', 'b:2']);
  assert.deepEqual(parseBlackList('{"assign_secondary_black_list": "", "error": "ok"}'), []);
  assert.equal(parseBlackList('invalid arguments'), undefined);
});

test('snapshot cache: one fetch in flight, reuse while fresh, refetch after invalidate or age', async () => {
  const { createSnapshotCache } = await import('../../../src/cluster/cache');
  const c = fakeClient(smallCluster());
  let clock = 1000;
  const cache = createSnapshotCache(c, { extras: false }, () => clock);
  const [a, b] = await Promise.all([cache.get(5000), cache.get(5000)]);
  assert.equal(a, b);
  assert.equal(c.calls.queries.length, 2); // two tables, fetched once
  clock += 3000;
  assert.equal(await cache.get(5000), a);
  assert.equal(cache.peek(), a);
  clock += 3000;
  const older = await cache.get(5000);
  assert.notEqual(older, a);
  assert.equal(c.calls.queries.length, 4);
  cache.invalidate();
  assert.equal(cache.peek(), undefined);
  await cache.get(60_000);
  assert.equal(c.calls.queries.length, 6);
  const ac = new AbortController();
  ac.abort();
  cache.invalidate();
  await assert.rejects(cache.get(0, ac.signal));
});

test('fetchSnapshot: after a fatal table error no new queries are started', async () => {
  const s = smallCluster();
  for (let i = 0; i < 30; i++) {
    s.apps.push(app(100 + i, `x${i}`, 1));
    s.configs[`x${i}`] = cfg(100 + i, [pc(100 + i, 0, N1, [])]);
  }
  const c = fakeClient(s, { delayMs: 1, failTables: { temp: 'ERR_TIMEOUT' } });
  await assert.rejects(fetchSnapshot(c, { http: false, concurrency: 2 }));
  await new Promise((r) => setTimeout(r, 20));
  assert.ok(c.calls.queries.length <= 4, `queries after the failure: ${c.calls.queries.join(',')}`);
});
