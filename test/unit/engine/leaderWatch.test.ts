import { test } from 'node:test';
import assert from 'node:assert/strict';
import { metaClusterPort } from '../../../src/engine/metaPort';
import type { MetaClientLike } from '../../../src/cluster/client';
import { fakeEngine, TWO_METAS } from '../../support/fakeCluster';

const LEAVING = '10.0.0.1:34801';

test('leader restarted in place mid-drain (same address, settings lost): the watch reports it and the next poll re-applies', async () => {
  const { f, engine, events } = fakeEngine({}, { options: { replicaSizeBytes: 1 << 20, copyRateMBps: 1 } });
  let restartedAt = -1;
  let backAt = -1;
  f.onTick = (x) => {
    if (restartedAt < 0 && x.tables.some((t) => t.partitions.some((p) => p.learn && p.pending?.from === LEAVING))) {
      restartedAt = x.time;
      x.restartLeaderInPlace();
      assert.deepEqual(x.settings.blackList, []);
    }
    if (restartedAt >= 0 && backAt < 0 && x.settings.blackList.includes(LEAVING)) backAt = x.time;
  };
  const r = await engine.run({ op: 'drain-node', node: LEAVING });
  assert.equal(r.outcome, 'done', JSON.stringify(r));
  assert.ok(restartedAt >= 0, 'the leader was restarted mid-drain');
  assert.ok(
    backAt >= 0,
    `the black list was never re-applied after the restart; leader events: ${events
      .filter((e) => e.kind === 'leader')
      .map((e) => JSON.stringify(e))
      .join(' | ')}`,
  );
  assert.ok(backAt - restartedAt <= 2000, `re-applied ${backAt - restartedAt} ms after the restart; expected by the next poll (1000 ms)`);
  assert.ok(events.some((e) => e.kind === 'leader' && e.reapplied.some((x) => /black_list/.test(x.name))));
  // One watch for the run, at the documented period, stopped when the run ended.
  assert.deepEqual(f.watches, [{ intervalMs: 5000, stopped: true }]);
  assert.equal(f.replicasOn(LEAVING), 0);
  assert.deepEqual(f.settings.blackList, [LEAVING], 'kept for the drained node at the end');
});

test('meta port: watchLeader is passed through to the client, a no-op without one; restarted reaches the listener', () => {
  const calls: unknown[] = [];
  let emit: ((c: { previous?: string; current: string; restarted?: boolean }) => void) | undefined;
  const base = { metaServers: ['127.0.0.1:34601'] } as unknown as MetaClientLike;
  const withWatch = Object.assign(Object.create(null) as object, base, {
    watchLeader: (o: unknown) => {
      calls.push(o);
      return () => calls.push('stopped');
    },
    onLeaderChange: (l: (c: { previous?: string; current: string; restarted?: boolean }) => void) => {
      emit = l;
      return () => undefined;
    },
  }) as MetaClientLike;
  const ac = new AbortController();
  const stop = metaClusterPort(withWatch).watchLeader!({ intervalMs: 5000, signal: ac.signal });
  assert.deepEqual(calls, [{ intervalMs: 5000, signal: ac.signal }]);
  stop();
  assert.deepEqual(calls.at(-1), 'stopped');
  const seen: unknown[] = [];
  metaClusterPort(withWatch).onLeaderChange((leader, c) => seen.push([leader, c]));
  emit!({ previous: 'a:1', current: 'a:1', restarted: true });
  emit!({ previous: 'a:1', current: 'b:1' });
  assert.deepEqual(seen, [
    ['a:1', { restarted: true }],
    ['b:1', undefined],
  ]);
  // A client without a watch: nothing to start, and the stop function is harmless.
  const none = metaClusterPort(base).watchLeader!({ intervalMs: 5000 });
  none();
});

test('after a fail-over a lost copy is proposed again to the node first chosen (journaled), not to a node that became emptier', async () => {
  const { f, engine, journal } = fakeEngine(
    { copyMs: 20_000 },
    { metaServers: TWO_METAS, options: { replicaSizeBytes: 1 << 20, copyRateMBps: 1 } },
  );
  const copies: { key: string; to: string; afterFailover: boolean }[] = [];
  let failedOver = false;
  const propose = f.propose.bind(f);
  f.propose = async (p) => {
    const r = await propose(p);
    if (p.type === 'copy_sec') copies.push({ key: `${p.appId}.${p.pidx}`, to: p.to, afterFailover: failedOver });
    return r;
  };
  f.onTick = (x) => {
    if (failedOver || !copies.length) return;
    failedOver = true;
    // The leader dies with the proposals, and an empty node joins: the least loaded target now.
    x.nodes.set('10.0.0.9:34801', { running: true, alive: true, stoppedAt: 0 });
    x.failover();
  };
  const r = await engine.run({ op: 'drain-node', node: LEAVING });
  assert.equal(r.outcome, 'done', JSON.stringify(r));
  const again = copies.filter((c) => c.afterFailover);
  assert.ok(again.length > 0, 'some copies were proposed again after the fail-over');
  for (const c of again) {
    const first = copies.find((x) => x.key === c.key)!;
    assert.equal(c.to, first.to, `${c.key}: re-proposed to ${c.to}, first to ${first.to}`);
  }
  const targets = journal.all().filter((x) => x.t === 'event' && x.kind === 'target');
  assert.equal(targets.length, new Set(copies.map((c) => c.key)).size, 'one journal line per copy target');
  assert.equal(f.replicasOn(LEAVING), 0);
});
