/**
 * `--copy-rate-mb`: the NFS copy throttles of a run on the replica servers (the fake answers as a
 * 2.5 replica server does: plain numbers, `OK`, `ERR: invalid arguments` for 0, following v2.5.0
 * src/nfs/nfs_client_impl.cpp and nfs_server_impl.cpp).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fakeEngine, SIZED_ENGINE_OPTIONS, type FakeCluster } from '../../support/fakeCluster';
import { parseThrottleReply, throttleRefusals } from '../../../src/engine/throttle';
import { refusalWords } from '../../../src/commands/steps/words';

const N1 = '10.0.0.1:34801';
const N3 = '10.0.0.3:34801';

function presetAll(f: FakeCluster, copy: number, send: number): void {
  for (const a of f.nodes.keys()) f.nfs.set(a, { copy, send });
}

test('throttle: set on every alive node for the run, journaled with the values before, given back when done', async () => {
  const { f, engine, journal, events } = fakeEngine({}, { options: { ...SIZED_ENGINE_OPTIONS, copyThrottleMb: 20 } });
  presetAll(f, 50, 60);
  const during = new Set<string>();
  f.onTick = (x) => {
    for (const [a, v] of x.nfs) if (x.nodes.get(a)?.running) during.add(`${a} ${v.copy}/${v.send}`);
  };
  const r = await engine.run({ op: 'scale-in', nodes: [N1] });
  assert.equal(r.outcome, 'done', JSON.stringify(r));
  for (const a of f.nodes.keys()) assert.ok(during.has(`${a} 20/20`), `${a} throttled during the run`);
  for (const [a, v] of f.nfs) if (f.nodes.get(a)!.running) assert.deepEqual(v, { copy: 50, send: 60 }, `${a} given back`);
  const set = journal.all().filter((x) => x.t === 'node-setting');
  assert.equal(set.length, 12, 'two throttles on six nodes');
  assert.ok(set.every((x) => x.t === 'node-setting' && (x.before === '50' || x.before === '60') && x.after === '20'));
  assert.deepEqual(journal.openNodeSettings(), []);
  assert.ok(events.some((e) => e.kind === 'info' && e.note.code === 'throttle-restored'));
  // The plan's ETA used the throttle the run sets.
  assert.equal(r.plan!.copyRateMBps, 20);
  assert.ok(r.plan!.assumptions.some((a) => /the throttle this run sets/.test(a)));
});

test('throttle: given back on a cancelled run too', async () => {
  const ac = new AbortController();
  const { f, engine, journal } = fakeEngine({}, { options: { ...SIZED_ENGINE_OPTIONS, copyThrottleMb: 20 } });
  presetAll(f, 50, 60);
  f.onTick = (x) => {
    if (x.nfs.get(N3)?.copy === 20 && x.time > 5_000) ac.abort();
  };
  const r = await engine.run({ op: 'scale-in', nodes: [N1] }, { signal: ac.signal });
  assert.equal(r.outcome, 'cancelled');
  for (const [a, v] of f.nfs) if (f.nodes.get(a)!.running) assert.deepEqual(v, { copy: 50, send: 60 }, `${a} given back`);
  assert.deepEqual(journal.openNodeSettings(), []);
});

test('throttle: a node whose process restarts during the run gets the throttle again', async () => {
  const { f, engine, events } = fakeEngine({}, { options: { ...SIZED_ENGINE_OPTIONS, copyThrottleMb: 20 } });
  presetAll(f, 50, 60);
  const ctl = f.control();
  let phase = 0;
  let deadAt = 0;
  let seenAgain = false;
  f.onTick = (x) => {
    if (phase === 0 && x.nfs.get(N3)?.copy === 20) {
      phase = 1;
      void ctl.stopNode(N3);
    } else if (phase === 1 && x.dead.has(N3)) {
      phase = 2;
      deadAt = x.time;
    } else if (phase === 2 && x.time > deadAt + 3000) {
      // Down long enough for a poll to see it UNALIVE (the engine learns of a restart from the meta).
      phase = 3;
      void ctl.startNode(N3);
    } else if (phase === 3 && x.nfs.get(N3)?.copy === 20) seenAgain = true;
  };
  const r = await engine.run({ op: 'scale-in', nodes: [N1] });
  assert.equal(r.outcome, 'done', JSON.stringify(r));
  assert.ok(phase === 3, 'the node restarted');
  assert.ok(seenAgain, 'the restarted node was throttled again');
  assert.ok(events.some((e) => e.kind === 'info' && e.note.code === 'throttle-reapplied' && e.note.node === N3 && e.note.found === 0));
  // Its value before stays the first one journaled (60/50), not the config value it came back with.
  assert.deepEqual(f.nfs.get(N3), { copy: 50, send: 60 });
});

test('throttle: a value before the server will not take back (2.5 cannot set 0) is kept, said with the fix', async () => {
  const { f, engine } = fakeEngine({}, { options: { ...SIZED_ENGINE_OPTIONS, copyThrottleMb: 20 } });
  const r = await engine.run({ op: 'scale-in', nodes: [N1] });
  assert.equal(r.outcome, 'done', JSON.stringify(r));
  const kept = r.notes.filter((n) => n.code === 'throttle-kept');
  assert.equal(kept.length, 10, 'both throttles of the five staying nodes');
  assert.ok(kept.every((n) => n.code === 'throttle-kept' && n.original === '0' && n.value === '20'));
  assert.ok([...f.nfs.values()].some((v) => v.copy === 20));
});

test('throttle: values of 4 MB/s or less, or not whole, are refused up front; a port without remote commands cannot throttle', async () => {
  // nfs_copy_block_bytes is 4 MiB: (N << 20) must exceed it (v2.5.0 and master src/nfs/nfs_client_impl.cpp).
  for (const v of [0, 1, 4, 7.5]) {
    const [r] = throttleRefusals(v, true);
    assert.ok(r && r.code === 'copy-throttle-invalid' && r.minMb === 5, String(v));
    assert.match(refusalWords(r).fix, /give 5 or more/);
  }
  assert.deepEqual(throttleRefusals(5, true), []);
  assert.equal(throttleRefusals(50, false)[0]?.code, 'copy-throttle-unsupported');
  const { engine, f } = fakeEngine({}, { options: { ...SIZED_ENGINE_OPTIONS, copyThrottleMb: 3 } });
  const refusals = await engine.preflight({ op: 'scale-in', nodes: [N1] });
  assert.ok(refusals.some((x) => x.code === 'copy-throttle-invalid'));
  assert.deepEqual(f.replicaCommands, [], 'nothing sent');
});

test('throttle replies: 2.5 plain text and master JSON', () => {
  const name = 'nfs.max_copy_rate_megabytes_per_disk';
  assert.deepEqual(parseThrottleReply('50\n', name), { ok: true, value: 50 });
  assert.deepEqual(parseThrottleReply('OK', name), { ok: true });
  assert.deepEqual(parseThrottleReply('ERR: invalid arguments', name), { ok: false, error: 'ERR: invalid arguments' });
  assert.deepEqual(parseThrottleReply('{"error":"ok","nfs.max_copy_rate_megabytes_per_disk":"0"}', name), { ok: true, value: 0 });
  assert.deepEqual(parseThrottleReply('{\n  "error": "ok"\n}', name), { ok: true });
  assert.equal(parseThrottleReply(`{"error":"ERR: invalid argument '3', the value is not acceptable"}`, name).ok, false);
});

test('plan ETA: the throttles in force when no rate is given; all unlimited is an assumption that says so', async () => {
  const { f, engine } = fakeEngine({}, { options: { replicaSizeBytes: 1 << 20 } });
  presetAll(f, 30, 0);
  const p = await engine.plan({ op: 'scale-in', nodes: [N1] });
  assert.equal(p.copyRateMBps, 30);
  assert.ok(
    p.assumptions.some((a) => /nfs\.max_copy_rate_megabytes_per_disk in force/.test(a)),
    p.assumptions.join('; '),
  );
  presetAll(f, 0, 0);
  const u = await engine.plan({ op: 'scale-in', nodes: [N1] });
  assert.ok(
    u.assumptions.some((a) => /copy throttles unlimited/.test(a)),
    u.assumptions.join('; '),
  );
});
