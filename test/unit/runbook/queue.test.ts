import { mock, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAX_TIMER_MS,
  RunQueue,
  formatMs,
  realClock,
  setLongTimeout,
  type QueueClock,
  type QueueTask,
  type SkipReason,
} from '../../../src/runbook/queue';

/** A manual clock: timers fire only when the test advances time. */
function fakeClock() {
  let now = 1000;
  const timers = new Map<number, { at: number; fn: () => void }>();
  let next = 1;
  const clock: QueueClock = {
    now: () => now,
    setTimeout: (fn, ms) => {
      const id = next++;
      timers.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimeout: (h) => void timers.delete(h as number),
  };
  return {
    clock,
    pending: () => timers.size,
    advance(ms: number) {
      now += ms;
      for (const [id, t] of [...timers]) {
        if (t.at <= now) {
          timers.delete(id);
          t.fn();
        }
      }
    },
  };
}

/** A task whose completion the test controls; records what happened to it. */
function task(id: string, opts: { continueOnError?: boolean; timeoutMs?: number } = {}) {
  const log: string[] = [];
  let finish!: (ok: boolean | Error) => void;
  let started!: () => void;
  const startedP = new Promise<void>((r) => (started = r));
  let signal: AbortSignal | undefined;
  const t: QueueTask & {
    log: string[];
    finish: (ok: boolean | Error) => void;
    started: Promise<void>;
    signal: () => AbortSignal | undefined;
  } = {
    id,
    ...opts,
    log,
    started: startedP,
    signal: () => signal,
    finish: (ok) => finish(ok),
    run: (ctx) =>
      new Promise<boolean>((resolve, reject) => {
        signal = ctx.signal;
        log.push(`start#${ctx.order}`);
        finish = (ok) => (ok instanceof Error ? reject(ok) : resolve(ok));
        // Like an engine step: an abort makes the step end (after leaving the cluster in a known state).
        ctx.signal.addEventListener('abort', () => resolve(false));
        started();
      }),
    skipped: (r: SkipReason) => log.push(`skipped:${r.kind}${r.kind === 'stopped' ? `:${r.after}:${r.status}` : ''}`),
  };
  return t;
}

const tick = () => new Promise((r) => setImmediate(r));

test('cells run one at a time, in order, with increasing execution order and timing', async () => {
  const c = fakeClock();
  const q = new RunQueue(c.clock);
  const a = task('a');
  const b = task('b');
  const all = q.enqueue([a, b]);
  await a.started;
  assert.deepEqual(b.log, [], 'b must wait for a');
  c.advance(1500);
  a.finish(true);
  await b.started;
  c.advance(200);
  b.finish(true);
  const out = await all;
  assert.deepEqual(
    out.map((o) => [o.id, o.status, o.order, o.endedAt! - o.startedAt!]),
    [
      ['a', 'succeeded', 1, 1500],
      ['b', 'succeeded', 2, 200],
    ],
  );
  assert.equal(q.executionCount, 2);
  assert.equal(q.busy, false);
});

test('run-all stops at the first failure: later cells are skipped, not run', async () => {
  const q = new RunQueue(fakeClock().clock);
  const [a, b, c] = [task('a'), task('b'), task('c')];
  const all = q.enqueue([a, b, c]);
  await a.started;
  a.finish(false);
  const out = await all;
  assert.deepEqual(
    out.map((o) => o.status),
    ['failed', 'skipped', 'skipped'],
  );
  assert.deepEqual(b.log, ['skipped:stopped:a:failed']);
  assert.deepEqual(c.log, ['skipped:stopped:a:failed']);
});

test('a thrown error is a failure with its message', async () => {
  const q = new RunQueue(fakeClock().clock);
  const [a, b] = [task('a'), task('b')];
  const all = q.enqueue([a, b]);
  await a.started;
  a.finish(new Error('ERR_INVALID_PARAMETERS: no such node'));
  const out = await all;
  assert.equal(out[0]!.status, 'failed');
  assert.equal(out[0]!.error, 'ERR_INVALID_PARAMETERS: no such node');
  assert.equal(out[1]!.status, 'skipped');
});

test('continueOnError lets run-all go on after that cell fails', async () => {
  const q = new RunQueue(fakeClock().clock);
  const [a, b, c] = [task('a', { continueOnError: true }), task('b'), task('c')];
  const all = q.enqueue([a, b, c]);
  await a.started;
  a.finish(false);
  await b.started;
  b.finish(true);
  await c.started;
  c.finish(true);
  assert.deepEqual(
    (await all).map((o) => o.status),
    ['failed', 'succeeded', 'succeeded'],
  );
});

test('cancelling the running cell aborts its signal and stops the cells after it', async () => {
  const q = new RunQueue(fakeClock().clock);
  const [a, b] = [task('a'), task('b')];
  const all = q.enqueue([a, b]);
  await a.started;
  q.cancel('a');
  assert.equal(a.signal()!.aborted, true);
  const out = await all;
  assert.deepEqual(
    out.map((o) => o.status),
    ['cancelled', 'skipped'],
  );
  assert.deepEqual(b.log, ['skipped:stopped:a:cancelled']);
});

test('cancelling a waiting cell drops only that cell', async () => {
  const q = new RunQueue(fakeClock().clock);
  const [a, b, c] = [task('a'), task('b'), task('c')];
  const all = q.enqueue([a, b, c]);
  await a.started;
  q.cancel('b');
  assert.deepEqual(b.log, ['skipped:cancelled']);
  a.finish(true);
  await c.started;
  c.finish(true);
  assert.deepEqual(
    (await all).map((o) => o.status),
    ['succeeded', 'skipped', 'succeeded'],
  );
  assert.equal(a.signal()!.aborted, false);
});

test('cells queued by a later request wait behind the running batch', async () => {
  const q = new RunQueue(fakeClock().clock);
  const [a, b] = [task('a'), task('b')];
  const first = q.enqueue([a]);
  await a.started;
  const second = q.enqueue([b]);
  await tick();
  assert.deepEqual(b.log, []);
  a.finish(true);
  await b.started;
  b.finish(true);
  assert.equal((await first)[0]!.status, 'succeeded');
  assert.equal((await second)[0]!.order, 2);
});

test('a timeout aborts the cell and counts as a failure that stops run-all', async () => {
  const c = fakeClock();
  const q = new RunQueue(c.clock);
  const [a, b] = [task('a', { timeoutMs: 30 * 60_000 }), task('b')];
  const all = q.enqueue([a, b]);
  await a.started;
  c.advance(29 * 60_000);
  assert.equal(a.signal()!.aborted, false);
  c.advance(60_000);
  assert.equal(a.signal()!.aborted, true);
  const out = await all;
  assert.equal(out[0]!.status, 'failed');
  assert.equal(out[0]!.timedOut, true);
  assert.equal(out[0]!.error, 'timed out after 30m');
  assert.equal(out[1]!.status, 'skipped');
  assert.equal(c.pending(), 0, 'no timer left behind');
});

test('a finished cell clears its timeout timer', async () => {
  const c = fakeClock();
  const q = new RunQueue(c.clock);
  const a = task('a', { timeoutMs: 1000 });
  const all = q.enqueue([a]);
  await a.started;
  assert.equal(c.pending(), 1);
  a.finish(true);
  await all;
  assert.equal(c.pending(), 0);
});

test('cancelAll aborts the running cell and drops the waiting ones', async () => {
  const q = new RunQueue(fakeClock().clock);
  const [a, b] = [task('a'), task('b')];
  const all = q.enqueue([a, b]);
  await a.started;
  q.cancelAll();
  assert.deepEqual(
    (await all).map((o) => o.status),
    ['cancelled', 'skipped'],
  );
  assert.deepEqual(b.log, ['skipped:cancelled']);
});

test('after a failure the queue accepts new work (no broken state)', async () => {
  const q = new RunQueue(fakeClock().clock);
  const a = task('a');
  const p = q.enqueue([a]);
  await a.started;
  a.finish(false);
  await p;
  const b = task('b');
  const p2 = q.enqueue([b]);
  await b.started;
  b.finish(true);
  assert.equal((await p2)[0]!.status, 'succeeded');
});

test('formatMs', () => {
  assert.equal(formatMs(250), '250ms');
  assert.equal(formatMs(1500), '1.5s');
  assert.equal(formatMs(42_000), '42s');
  assert.equal(formatMs(90_000), '1m30s');
  assert.equal(formatMs(3_600_000), '1h');
  assert.equal(formatMs(5_400_000), '1h30m');
});

test('a cell timeout past 2^31 ms waits as long as it says (chained timers), instead of firing at once', async () => {
  let fired = false;
  const h = realClock.setTimeout(() => (fired = true), 600 * 3600_000); // 600h: 2.16e9 ms > 2^31 - 1
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(fired, false, 'a 600h timeout must not fire after 60 ms');
  realClock.clearTimeout(h);
  // And it does fire when due: the chain re-arms for the rest.
  mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  try {
    let at = -1;
    const t0 = Date.now();
    setLongTimeout(() => (at = Date.now() - t0), MAX_TIMER_MS + 5000);
    mock.timers.tick(MAX_TIMER_MS);
    assert.equal(at, -1);
    mock.timers.tick(5000);
    assert.equal(at, MAX_TIMER_MS + 5000);
  } finally {
    mock.timers.reset();
  }
});
