/**
 * The execution queue shared by the notebook controller and `pegasus-ops run`: cells run one at a
 * time in the order they were queued; a failure (or a cancelled cell) stops every cell still
 * waiting unless the failed cell opted out with `continueOnError`; a cell can be cancelled while
 * waiting (it just does not run) or while running (its AbortSignal fires, reaching the socket and
 * the engine). Timeouts abort the cell too and count as failures.
 */

export type CellStatus = 'succeeded' | 'failed' | 'cancelled' | 'skipped';

export type SkipReason =
  | { readonly kind: 'cancelled' } // cancelled before it started
  | { readonly kind: 'stopped'; readonly after: string; readonly status: 'failed' | 'cancelled' }; // an earlier cell failed or was cancelled

export interface TaskContext {
  readonly signal: AbortSignal;
  /** 1-based execution order within this queue's session. */
  readonly order: number;
  readonly startedAt: number;
}

export interface QueueTask {
  /** Identifies the cell for `cancel`; unique among queued tasks. */
  readonly id: string;
  /** A failure of this cell does not stop the cells queued after it. */
  readonly continueOnError?: boolean;
  readonly timeoutMs?: number;
  /** Runs the cell: true = success. Throwing counts as failure (the error is kept in the outcome). */
  run(ctx: TaskContext): Promise<boolean>;
  /** Told when the task ends without running. */
  skipped?(reason: SkipReason): void;
}

export interface TaskOutcome {
  readonly id: string;
  readonly status: CellStatus;
  readonly order?: number;
  readonly startedAt?: number;
  readonly endedAt?: number;
  readonly error?: string;
  readonly timedOut?: boolean;
  readonly skipReason?: SkipReason;
}

export interface QueueClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The longest delay setTimeout takes; beyond it Node fires after 1 ms (a 600h timeout would fire at once). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

interface LongTimer {
  timer: NodeJS.Timeout | undefined;
}

/** A timeout of any length: chained timers of at most `MAX_TIMER_MS`, so a long cell timeout waits as long as it says. */
export function setLongTimeout(fn: () => void, ms: number): LongTimer {
  const h: LongTimer = { timer: undefined };
  const due = Date.now() + ms;
  const arm = (left: number): void => {
    h.timer = setTimeout(
      () => {
        const rest = due - Date.now();
        if (rest > 0) arm(rest);
        else fn();
      },
      Math.min(Math.max(left, 0), MAX_TIMER_MS),
    );
  };
  arm(ms);
  return h;
}

export function clearLongTimeout(h: LongTimer): void {
  if (h.timer !== undefined) clearTimeout(h.timer);
  h.timer = undefined;
}

export const realClock: QueueClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setLongTimeout(fn, ms),
  clearTimeout: (h) => clearLongTimeout(h as LongTimer),
};

/** Why a signal was aborted, so outcomes can tell a cancel from a timeout. */
export class CellTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`timed out after ${formatMs(timeoutMs)}`);
    // The standard names, so code that only checks `name` (sockets, the engine) treats it as an abort.
    this.name = 'TimeoutError';
  }
}

export class CellCancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'AbortError';
  }
}

interface Entry {
  readonly task: QueueTask;
  readonly done: (o: TaskOutcome) => void;
  controller?: AbortController;
}

export class RunQueue {
  private order = 0;
  private readonly waiting: Entry[] = [];
  private current: Entry | undefined;
  private draining = false;

  constructor(private readonly clock: QueueClock = realClock) {}

  /** Executions started so far in this session. */
  get executionCount(): number {
    return this.order;
  }

  get busy(): boolean {
    return this.current !== undefined || this.waiting.length > 0;
  }

  /** Queues the tasks behind whatever is queued already; resolves with one outcome per task, in order. */
  enqueue(tasks: readonly QueueTask[]): Promise<TaskOutcome[]> {
    const promises = tasks.map((task) => new Promise<TaskOutcome>((resolve) => this.waiting.push({ task, done: resolve })));
    void this.drain();
    return Promise.all(promises);
  }

  /** Cancels one cell: a waiting cell is dropped, a running one is aborted. */
  cancel(id: string): void {
    if (this.current?.task.id === id) {
      this.current.controller?.abort(new CellCancelledError());
      return;
    }
    const i = this.waiting.findIndex((e) => e.task.id === id);
    if (i >= 0) {
      const [e] = this.waiting.splice(i, 1);
      this.skip(e!, { kind: 'cancelled' });
    }
  }

  /** Cancels the running cell and everything waiting (notebook closed, Ctrl+C). */
  cancelAll(): void {
    for (const e of this.waiting.splice(0)) this.skip(e, { kind: 'cancelled' });
    this.current?.controller?.abort(new CellCancelledError());
  }

  private skip(e: Entry, reason: SkipReason): void {
    try {
      e.task.skipped?.(reason);
    } finally {
      e.done({ id: e.task.id, status: 'skipped', skipReason: reason });
    }
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.waiting.length > 0) {
        const e = this.waiting.shift()!;
        this.current = e;
        const outcome = await this.runOne(e);
        this.current = undefined;
        e.done(outcome);
        const stops = outcome.status === 'cancelled' || (outcome.status === 'failed' && !e.task.continueOnError);
        if (stops) {
          const reason: SkipReason = { kind: 'stopped', after: e.task.id, status: outcome.status as 'failed' | 'cancelled' };
          for (const w of this.waiting.splice(0)) this.skip(w, reason);
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private async runOne(e: Entry): Promise<TaskOutcome> {
    const controller = new AbortController();
    e.controller = controller;
    const order = ++this.order;
    const startedAt = this.clock.now();
    const { timeoutMs } = e.task;
    const timer =
      timeoutMs !== undefined && timeoutMs > 0
        ? this.clock.setTimeout(() => controller.abort(new CellTimeoutError(timeoutMs)), timeoutMs)
        : undefined;
    let ok = false;
    let error: string | undefined;
    try {
      ok = await e.task.run({ signal: controller.signal, order, startedAt });
    } catch (err) {
      ok = false;
      error = err instanceof Error ? err.message : String(err);
    } finally {
      if (timer !== undefined) this.clock.clearTimeout(timer);
    }
    const endedAt = this.clock.now();
    const reason: unknown = controller.signal.aborted ? controller.signal.reason : undefined;
    const base = { id: e.task.id, order, startedAt, endedAt };
    if (reason instanceof CellCancelledError) return { ...base, status: 'cancelled', error: error ?? 'cancelled' };
    if (reason instanceof CellTimeoutError) return { ...base, status: 'failed', timedOut: true, error: reason.message };
    return ok ? { ...base, status: 'succeeded' } : { ...base, status: 'failed', ...(error !== undefined ? { error } : {}) };
  }
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(1).replace(/\.0$/, '') : Math.round(s)}s`;
  const m = Math.floor(s / 60);
  const rs = Math.round(s - m * 60);
  if (m < 60) return rs ? `${m}m${rs}s` : `${m}m`;
  const h = Math.floor(m / 60);
  const rm = m - h * 60;
  return rm ? `${h}h${rm}m` : `${h}h`;
}
