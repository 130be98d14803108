import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HIDDEN_POLL_FACTOR, RefreshScheduler, type RefreshReason } from '../../../../src/extension/explorer/schedule';
import { FakeClock } from '../../../support/fakeClock';

/** A scheduler whose refreshes take `durationMs` simulated ms; records reason and start time. */
function setup(intervalMs: number, durationMs = 100) {
  const clock = new FakeClock();
  const log: { reason: RefreshReason; at: number }[] = [];
  let active = 0;
  let maxActive = 0;
  const s = new RefreshScheduler({
    intervalMs,
    clock,
    run: (reason) => {
      log.push({ reason, at: clock.now() });
      active++;
      maxActive = Math.max(maxActive, active);
      return new Promise<void>((resolve) =>
        clock.setTimeout(() => {
          active--;
          resolve();
        }, durationMs),
      );
    },
  });
  return {
    clock,
    log,
    s,
    maxActive: () => maxActive,
    setDuration: (d: number) => {
      durationMs = d;
    },
  };
}

test('manual refresh runs at once; polling only while visible', async () => {
  const { clock, log, s } = setup(5000);
  s.request('manual');
  assert.equal(log.length, 1);
  await clock.advance(20_000);
  assert.equal(log.length, 1, 'no polling while hidden');
  s.setVisible(true); // stale (last refresh ended 19.9 s ago) → refresh now
  assert.deepEqual(log.at(-1), { reason: 'visible', at: 20_000 });
  await clock.advance(100 + 5000);
  assert.equal(log.length, 3);
  assert.deepEqual(log[2], { reason: 'interval', at: 25_100 });
  s.setVisible(false);
  await clock.advance(60_000);
  assert.equal(log.length, 3, 'hiding the view stops polling');
  s.dispose();
});

test('becoming visible with fresh data waits for the rest of the interval', async () => {
  const { clock, log, s } = setup(5000);
  s.request('initial');
  await clock.advance(1000); // ends at 100, now 1000
  s.setVisible(true);
  assert.equal(log.length, 1);
  await clock.advance(4099);
  assert.equal(log.length, 1);
  await clock.advance(1);
  assert.equal(log.length, 2);
  s.dispose();
});

test('never polls faster than the last refresh took', async () => {
  const { clock, log, s, setDuration } = setup(1000, 3000);
  s.setVisible(true); // first refresh
  await clock.advance(3000); // took 3 s
  assert.equal(s.lastDurationMs, 3000);
  assert.equal(s.nextDueIn(), 3000, 'pause stretched to the last duration');
  setDuration(10);
  await clock.advance(3000);
  assert.equal(log.length, 2);
  assert.equal(log[1]!.at, 6000);
  await clock.advance(10);
  assert.equal(s.nextDueIn(), 1000, 'back to the interval once refreshes are fast');
  s.dispose();
});

test('change notifications are debounced into one refresh', async () => {
  const { clock, log, s } = setup(0);
  for (let i = 0; i < 10; i++) {
    s.request('change');
    await clock.advance(50);
  }
  assert.equal(log.length, 1, 'the first debounce fired once within 500 ms');
  await clock.advance(1000);
  // The burst spans 500 ms, so at most two refreshes; never ten.
  assert.ok(log.length <= 2);
  assert.ok(log.every((l) => l.reason === 'change'));
  s.dispose();
});

test('one refresh at a time; requests during a refresh run once after it', async () => {
  const { clock, log, s, maxActive } = setup(0, 1000);
  s.request('manual');
  s.request('manual');
  s.request('change');
  s.request('manual');
  assert.equal(log.length, 1);
  await clock.advance(1000);
  assert.equal(log.length, 2, 'exactly one follow-up');
  assert.equal(log[1]!.at, 1000);
  await clock.advance(5000);
  assert.equal(log.length, 2);
  assert.equal(maxActive(), 1);
  s.dispose();
});

test('interval 0 turns polling off; changing the interval re-arms it', async () => {
  const { clock, log, s } = setup(0);
  s.setVisible(true);
  await clock.advance(60_000);
  assert.equal(log.length, 1);
  s.setIntervalMs(2000);
  await clock.advance(2000);
  assert.equal(log.length, 2);
  s.setIntervalMs(0);
  await clock.advance(60_000);
  assert.equal(log.length, 2);
  s.dispose();
});

test('a failing refresh does not stop polling', async () => {
  const clock = new FakeClock();
  let n = 0;
  const s = new RefreshScheduler({
    intervalMs: 1000,
    clock,
    run: async () => {
      n++;
      throw new Error('unreachable');
    },
  });
  s.setVisible(true);
  await clock.advance(3500);
  assert.equal(n, 4);
  s.dispose();
});

test('dispose aborts the refresh in flight and clears every timer', async () => {
  const clock = new FakeClock();
  let signal: AbortSignal | undefined;
  const s = new RefreshScheduler({
    intervalMs: 1000,
    clock,
    run: (_r, sig) => {
      signal = sig;
      return new Promise(() => {});
    },
  });
  s.setVisible(true);
  s.dispose();
  assert.equal(signal?.aborted, true);
  assert.equal(clock.pendingTimers, 0);
  s.request('manual');
  assert.equal(s.runs, 1);
});

test('background (active cluster): polls 4× slower while hidden, at the normal rate once visible', async () => {
  const { clock, log, s } = setup(5000);
  s.setBackground(true);
  s.request('initial'); // 0 → 100
  await clock.advance(100);
  assert.equal(s.nextDueIn(), 20_000, `hidden poll every ${HIDDEN_POLL_FACTOR}× 5 s`);
  await clock.advance(20_000);
  assert.deepEqual(log.at(-1), { reason: 'interval', at: 20_100 });
  await clock.advance(100 + 20_000);
  assert.equal(log.length, 3);
  assert.equal(log[2]!.at, 40_200);
  // Visible: stale by more than 5 s? 40_300 + 4_000 → not yet; the rest of the 5 s pause.
  await clock.advance(4_100); // now 44_300, last ended 40_300
  s.setVisible(true);
  assert.equal(s.nextDueIn(), 1_000, 'the visible rate takes over from the end of the last refresh');
  await clock.advance(1_000);
  assert.equal(log.length, 4);
  await clock.advance(100);
  // Hidden again: back to the slow rate, counted from the last refresh's end.
  s.setVisible(false);
  assert.equal(s.nextDueIn(), 20_000);
  // Losing the background role stops polling; getting it back resumes with the rest of the pause.
  await clock.advance(5_000);
  s.setBackground(false);
  assert.equal(s.nextDueIn(), null);
  await clock.advance(60_000);
  assert.equal(log.length, 4);
  s.setBackground(true);
  assert.equal(s.nextDueIn(), 0, 'overdue: polls at once');
  await clock.advance(0);
  assert.equal(log.length, 5);
  s.dispose();
});

test('background polling never outpaces a slow refresh, and interval 0 turns it off', async () => {
  const { clock, log, s, setDuration } = setup(1000, 30_000);
  s.setBackground(true);
  s.request('initial');
  await clock.advance(30_000);
  assert.equal(s.nextDueIn(), 30_000, 'max(4 × 1 s, 30 s last duration)');
  setDuration(10);
  s.setIntervalMs(0);
  assert.equal(s.nextDueIn(), null);
  await clock.advance(120_000);
  assert.equal(log.length, 1);
  s.dispose();
});
