/**
 * The simulated clock: a priority queue of events ordered by (time, insertion order), so two runs
 * with the same inputs execute the same events in the same order. Time is in simulated
 * milliseconds. Nothing here knows about wall time; the real-time driver calls `advanceTo`.
 */
export type EventFn = () => void;

interface Entry {
  t: number;
  seq: number;
  fn: EventFn;
}

export class SimClock {
  private heap: Entry[] = [];
  private seq = 0;
  private current = 0;
  /** Called before the clock moves from `from` to `to` (to integrate time-weighted metrics). */
  onAdvance: (from: number, to: number) => void = () => {};

  get now(): number {
    return this.current;
  }

  get pending(): number {
    return this.heap.length;
  }

  /** Time of the next queued event, or undefined when none is queued. */
  get nextAt(): number | undefined {
    return this.heap[0]?.t;
  }

  /** Runs `fn` at simulated time `t` (clamped to now). */
  at(t: number, fn: EventFn): void {
    const e: Entry = { t: Math.max(t, this.current), seq: this.seq++, fn };
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (less(h[p]!, e)) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = e;
  }

  after(ms: number, fn: EventFn): void {
    this.at(this.current + ms, fn);
  }

  /** Executes every event due up to and including `t`, then sets the clock to `t`. */
  advanceTo(t: number): void {
    const h = this.heap;
    while (h.length > 0 && h[0]!.t <= t) {
      const e = this.pop();
      if (e.t > this.current) {
        this.onAdvance(this.current, e.t);
        this.current = e.t;
      }
      e.fn();
    }
    if (t > this.current) {
      this.onAdvance(this.current, t);
      this.current = t;
    }
  }

  advanceBy(ms: number): void {
    this.advanceTo(this.current + ms);
  }

  private pop(): Entry {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      let i = 0;
      const n = h.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && less(h[r]!, h[l]!) ? r : l;
        if (less(last, h[c]!)) break;
        h[i] = h[c]!;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}

function less(a: Entry, b: Entry): boolean {
  return a.t < b.t || (a.t === b.t && a.seq < b.seq);
}
