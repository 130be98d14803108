import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EngineOptions, FreezeCheckData } from '../../../src/engine/engine';
import { readLeaderMinLive } from '../../../src/engine/metaPort';
import { fakeEngine, type FakeOptions } from '../../support/fakeCluster';

function setup(o: Partial<FakeOptions> = {}, options: EngineOptions = {}) {
  return fakeEngine(o, { options });
}

const UNREADABLE = 'GET http://127.0.0.1:34601/config?name=min_live_node_count_for_unfreeze gave no usable answer';

test('min_live: the meta leader value decides plan, preflight, freeze-check and the guard, not the option', async () => {
  // The meta says 5; the engine option says 3 (the default). 6 nodes: removing 2 leaves 4 < 5.
  const { f, engine } = setup({ minLive: 5 });
  const fc = await engine.freezeCheck(['10.0.0.1:34801', '10.0.0.2:34801']);
  assert.deepEqual((fc.data as FreezeCheckData).minLive.note, { code: 'min-live-read', value: 5, source: 'fake leader 127.0.0.1:34601' });
  assert.equal((fc.data as { minLive: { value: number; read: boolean } }).minLive.value, 5);
  assert.equal((fc.data as { pctAllowingRemoval: number | null }).pctAllowingRemoval, null);
  const pre = await engine.preflightReport({ op: 'scale-in', nodes: ['10.0.0.1:34801', '10.0.0.2:34801'] });
  // The source goes in the fix, not nested in the reason.
  assert.ok(
    pre.refusals.some(
      (r) =>
        r.code === 'min-live' && r.minLive === 5 && r.source?.code === 'min-live-read' && r.source.source === 'fake leader 127.0.0.1:34601',
    ),
    JSON.stringify(pre.refusals),
  );
  const plan = await engine.plan({ op: 'scale-in', nodes: ['10.0.0.1:34801'] });
  assert.ok(
    plan.notes.some((n) => n.code === 'min-live-read' && n.value === 5 && n.source === 'fake leader 127.0.0.1:34601'),
    JSON.stringify(plan.notes),
  );
  // Nothing was stopped by a refused run.
  const r = await engine.run({ op: 'scale-in', nodes: ['10.0.0.1:34801', '10.0.0.2:34801'] });
  assert.equal(r.outcome, 'refused');
  assert.equal(f.aliveCount(), 6);
});

test('min_live: an option that differs from the meta is named as ignored', async () => {
  const { engine } = setup({ minLive: 4 }, { minLive: 2 });
  const fc = await engine.freezeCheck(1);
  assert.deepEqual((fc.data as FreezeCheckData).minLive.note, {
    code: 'min-live-read',
    value: 4,
    source: 'fake leader 127.0.0.1:34601',
    optionIgnored: 2,
  });
});

test('min_live: unreadable /config falls back to the option and says so with the reason in every output', async () => {
  const { f, engine, events } = setup({ minLive: 3 }, { minLive: 3 });
  f.minLiveUnreadable = UNREADABLE;
  const note = { code: 'min-live-assumed', value: 3, error: UNREADABLE } as const;
  const fc = await engine.freezeCheck(1);
  assert.deepEqual((fc.data as FreezeCheckData).minLive.note, note, JSON.stringify(fc));
  assert.equal((fc.data as { minLive: { read: boolean } }).minLive.read, false);
  const plan = await engine.plan({ op: 'scale-in', nodes: ['10.0.0.1:34801'] });
  assert.ok(
    plan.notes.some((n) => JSON.stringify(n) === JSON.stringify(note)),
    JSON.stringify(plan.notes),
  );
  const pre = await engine.preflightReport({ op: 'scale-in', nodes: ['10.0.0.1:34801'] });
  assert.deepEqual(pre.refusals, []);
  assert.deepEqual(pre.minLive.note, note);
  assert.ok(
    events.some((e) => e.kind === 'warning' && JSON.stringify(e.note) === JSON.stringify(note)),
    'preflight warns about the assumption',
  );
});

test('min_live: a new leader is asked again (the value is per meta process)', async () => {
  const { f, engine } = setup({ minLive: 3 });
  await engine.freezeCheck(1);
  await engine.freezeCheck(1);
  assert.deepEqual(f.minLiveReads, ['127.0.0.1:34601']);
  f.leader = '127.0.0.1:34602';
  await engine.freezeCheck(1);
  assert.deepEqual(f.minLiveReads, ['127.0.0.1:34601', '127.0.0.1:34602']);
});

test('readLeaderMinLive: reads the flag over HTTP; a missing flag or a bad address gives a reason', async () => {
  let answer: { status: number; body: string } = {
    status: 200,
    body: JSON.stringify({ name: 'min_live_node_count_for_unfreeze', section: 'meta_server', type: 'FV_UINT64', value: '4' }),
  };
  const paths: string[] = [];
  const srv = createServer((req, res) => {
    paths.push(req.url ?? '');
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(answer.body);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  try {
    const addr = `127.0.0.1:${(srv.address() as AddressInfo).port}`;
    assert.deepEqual(await readLeaderMinLive(addr), {
      value: 4,
      source: `read from the meta leader ${addr} (GET http://${addr}/config?name=min_live_node_count_for_unfreeze)`,
    });
    assert.deepEqual(paths, ['/config?name=min_live_node_count_for_unfreeze']);
    answer = { status: 200, body: "ERR_OBJECT_NOT_FOUND: 'min_live_node_count_for_unfreeze' is not found" };
    const r = await readLeaderMinLive(addr);
    assert.equal(r.value, undefined);
    assert.match((r as { reason: string }).reason, /gave no usable answer .*before Pegasus 2\.2/);
    assert.match(((await readLeaderMinLive('')) as { reason: string }).reason, /no meta leader address/);
  } finally {
    await new Promise((r) => srv.close(r));
  }
});
