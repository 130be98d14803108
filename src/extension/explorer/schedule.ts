/**
 * When the explorer refreshes one cluster. Pure (no `vscode` import): timers come from an injected
 * clock so tests drive it with simulated time.
 *
 * Rules (from what users of the Kubernetes and container explorers asked for):
 * - one refresh at a time per cluster; a request during a refresh runs once right after it;
 * - manual, "view became visible" and settings refreshes run at once;
 * - change notifications (a runbook step or engine action touched the cluster) are debounced, so a
 *   burst of steps costs one refresh;
 * - polling runs while the view is visible, every `intervalMs` (0 = off), and never faster
 *   than the last refresh took: the pause between two polls is max(interval, last duration);
 * - while the view is hidden only a "background" scheduler (the active cluster's, which feeds the
 *   status bar) keeps polling, HIDDEN_POLL_FACTOR times slower.
 */

import { setMaxListeners } from 'node:events';

export type RefreshReason = 'initial' | 'manual' | 'change' | 'interval' | 'visible' | 'config';

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    // Timers must not keep a CLI or test process alive.
    (t as { unref?: () => void }).unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export interface SchedulerOptions {
  /** Poll interval while visible, in ms; 0 turns polling off. */
  intervalMs: number;
  /** Debounce for change notifications, in ms (default 500). */
  debounceMs?: number;
  clock?: Clock;
  /** Does the refresh; a thrown error is the refresh's outcome, not the scheduler's problem. */
  run: (reason: RefreshReason, signal: AbortSignal) => Promise<void>;
}

/** Hidden view: the active cluster is polled this many times less often (status bar only). */
export const HIDDEN_POLL_FACTOR = 4;

const IMMEDIATE: ReadonlySet<RefreshReason> = new Set(['initial', 'manual', 'visible', 'config']);

export class RefreshScheduler {
  private readonly clock: Clock;
  private readonly debounceMs: number;
  private intervalMs: number;
  private visible = false;
  /** Keep polling (slower) while hidden: set for the active cluster, whose health the status bar shows. */
  private background = false;
  private disposed = false;
  private inFlight: Promise<void> | null = null;
  private controller: AbortController | null = null;
  /** A reason requested while a refresh ran; runs right after it. */
  private pending: RefreshReason | null = null;
  private timer: unknown = null;
  private timerDue = Infinity;
  private lastStart = -Infinity;
  private lastEnd = -Infinity;
  /** Duration of the last completed refresh, ms (0 before the first). */
  lastDurationMs = 0;
  /** Number of refreshes started (for tests and the log). */
  runs = 0;

  constructor(private readonly opts: SchedulerOptions) {
    this.clock = opts.clock ?? realClock;
    this.debounceMs = opts.debounceMs ?? 500;
    this.intervalMs = Math.max(0, opts.intervalMs);
  }

  get running(): boolean {
    return this.inFlight !== null;
  }

  /** Ms until the next timer fires, or null when none is armed (for tests and tooltips). */
  nextDueIn(): number | null {
    return this.timer === null ? null : Math.max(0, this.timerDue - this.clock.now());
  }

  /** The pause between two polls: the interval (×HIDDEN_POLL_FACTOR while hidden), stretched to the last refresh's duration. */
  pollDelay(): number {
    return Math.max(this.visible ? this.intervalMs : this.intervalMs * HIDDEN_POLL_FACTOR, Math.ceil(this.lastDurationMs));
  }

  /** Whether it polls at all right now: visible, or hidden but in the background role. */
  get polling(): boolean {
    return this.intervalMs > 0 && (this.visible || this.background) && !this.disposed;
  }

  /** Background role on/off (the active cluster): keeps a slower poll going while the view is hidden. */
  setBackground(on: boolean): void {
    if (this.disposed || on === this.background) return;
    this.background = on;
    if (this.visible || this.inFlight) return; // visible polling is unaffected; a refresh in flight re-arms when it ends
    if (this.timerReason === 'interval') this.disarm();
    if (on) this.armPoll(this.remainingPollDelay());
  }

  request(reason: RefreshReason): void {
    if (this.disposed) return;
    if (this.inFlight) {
      // Keep the most urgent reason; any pending request runs once after the current one.
      if (this.pending === null || IMMEDIATE.has(reason)) this.pending = reason;
      return;
    }
    if (IMMEDIATE.has(reason)) {
      this.start(reason);
      return;
    }
    const delay = reason === 'change' ? this.debounceMs : this.pollDelay();
    this.arm(reason, delay, /* onlyIfSooner */ true);
  }

  setVisible(visible: boolean): void {
    if (this.disposed || visible === this.visible) return;
    this.visible = visible;
    // The poll timer was armed for the other rate; a debounced change notification stays armed.
    if (this.timerReason === 'interval') this.disarm();
    if (!visible) {
      // Stop polling, unless this is the background (active) cluster: then poll slower.
      if (!this.inFlight) this.armPoll(this.remainingPollDelay());
      return;
    }
    if (this.inFlight) return; // the refresh in flight re-arms polling when it ends
    const sinceLast = this.clock.now() - this.lastEnd;
    if (this.lastStart === -Infinity || (this.intervalMs > 0 && sinceLast >= this.pollDelay())) this.start('visible');
    else this.armPoll(this.pollDelay() - sinceLast);
  }

  /** The rest of the current poll pause, counted from the end of the last refresh. */
  private remainingPollDelay(): number {
    return this.lastEnd === -Infinity ? 0 : Math.max(0, this.pollDelay() - (this.clock.now() - this.lastEnd));
  }

  setIntervalMs(ms: number): void {
    this.intervalMs = Math.max(0, ms);
    if (this.inFlight || this.disposed) return;
    if (this.timerReason === 'interval') this.disarm();
    this.armPoll();
  }

  /** Resolves when the refresh in flight (and any queued after it) has finished. */
  async idle(): Promise<void> {
    while (this.inFlight) await this.inFlight;
  }

  dispose(): void {
    this.disposed = true;
    this.disarm();
    this.controller?.abort(new Error('explorer closed'));
    this.pending = null;
  }

  private timerReason: RefreshReason | null = null;

  private arm(reason: RefreshReason, delay: number, onlyIfSooner: boolean): void {
    const due = this.clock.now() + delay;
    if (this.timer !== null) {
      if (onlyIfSooner && this.timerDue <= due) return;
      this.disarm();
    }
    this.timerReason = reason;
    this.timerDue = due;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.timerDue = Infinity;
      this.timerReason = null;
      if (this.disposed) return;
      if (this.inFlight) this.pending ??= reason;
      else this.start(reason);
    }, delay);
  }

  private disarm(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.timerDue = Infinity;
    this.timerReason = null;
  }

  private armPoll(delay = this.pollDelay()): void {
    if (this.polling && this.timer === null) {
      this.arm('interval', delay, false);
    }
  }

  private start(reason: RefreshReason): void {
    this.disarm();
    this.runs++;
    const controller = new AbortController();
    // One refresh issues many concurrent calls that each listen on this signal.
    setMaxListeners(0, controller.signal);
    this.controller = controller;
    this.lastStart = this.clock.now();
    const started = this.lastStart;
    const done = (): void => {
      this.lastEnd = this.clock.now();
      this.lastDurationMs = this.lastEnd - started;
      this.inFlight = null;
      this.controller = null;
      if (this.disposed) return;
      const next = this.pending;
      this.pending = null;
      if (next !== null) this.start(next);
      else this.armPoll();
    };
    let p: Promise<void>;
    try {
      p = this.opts.run(reason, controller.signal);
    } catch (err) {
      p = Promise.reject(err);
    }
    this.inFlight = p.then(done, done);
  }
}
