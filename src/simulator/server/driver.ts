/**
 * Drives the simulated clock from wall time: simulated time runs `timeScale` times faster than real
 * time. A timer catches the clock up every few milliseconds, and every request catches it up too,
 * so answers always reflect "now". With timeScale 0 nothing runs by itself (manual `advance`).
 */
import type { SimModel } from '../model/model';

export interface DriverStats {
  timeScale: number;
  ticks: number;
  /** Wall milliseconds spent executing simulated events. */
  busyMs: number;
  /** Longest single catch-up (wall ms); far above the tick period means the simulator falls behind. */
  maxTickMs: number;
  /** Wall milliseconds since start. */
  wallMs: number;
}

export class RealTimeDriver {
  private timer: NodeJS.Timeout | null = null;
  private startReal = 0;
  private startSim = 0;
  private readonly stats: DriverStats;

  constructor(
    private readonly model: SimModel,
    readonly timeScale: number,
    private readonly tickMs = 20,
  ) {
    this.stats = { timeScale, ticks: 0, busyMs: 0, maxTickMs: 0, wallMs: 0 };
  }

  get running(): boolean {
    return this.timer !== null;
  }

  start(): void {
    if (this.timer || this.timeScale <= 0) return;
    this.startReal = performance.now();
    this.startSim = this.model.now;
    this.timer = setInterval(() => this.catchUp(), this.tickMs);
    this.timer.unref();
  }

  /** Advances the simulated clock to where wall time says it should be. */
  catchUp(): void {
    if (!this.timer) return;
    const t0 = performance.now();
    const target = this.startSim + (t0 - this.startReal) * this.timeScale;
    if (target > this.model.now) this.model.clock.advanceTo(target);
    const spent = performance.now() - t0;
    this.stats.ticks++;
    this.stats.busyMs += spent;
    this.stats.maxTickMs = Math.max(this.stats.maxTickMs, spent);
  }

  /** A manual jump of `ms` simulated milliseconds: keep running from there. */
  shift(ms: number): void {
    this.startSim += ms;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  snapshot(): DriverStats {
    return { ...this.stats, wallMs: this.timer ? performance.now() - this.startReal : this.stats.wallMs };
  }
}
