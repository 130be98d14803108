/**
 * The narrow view of the engine that operation modules (ops/*, settings, waits, preflight) get:
 * dependencies, resolved options and timeouts, the clock, journaled steps, retried cluster reads
 * and the bookkeeping of the run in progress. Built by the engine (opContext.ts); defined apart so
 * no operation module depends on the engine class.
 */
import type { LearnMeter } from './capacity';
import type { Clock, ClusterState } from './ports';
import type { EngineDeps, EngineEvent, EngineOptions, MinLive, RunCtx } from './types';

/** Engine options with their defaults filled in (the sizes stay optional: unknown means "assumed"). */
export type ResolvedOptions = Required<Omit<EngineOptions, 'replicaSizeBytes' | 'copyRateMBps' | 'copyThrottleMb' | 'timeouts'>> &
  Pick<EngineOptions, 'replicaSizeBytes' | 'copyRateMBps' | 'copyThrottleMb'>;

export type Timeouts = Required<NonNullable<EngineOptions['timeouts']>>;

/** Per-run memory of the drain loops; cleared when a run starts. */
export interface RunBook {
  /** The last proposal per partition (`appId.pidx`) under this leader: when, at which ballot, what and to whom. */
  readonly proposals: Map<string, { at: number; ballot: number; type: string; from: string; to: string }>;
  /**
   * The node each copy of this run was first sent to, per `appId.pidx from`. Unlike `proposals` it
   * survives a leader change: a re-proposal after a fail-over asks the same node (which may still
   * be learning, or keep the data) instead of a second full copy elsewhere. Journaled, so a resume
   * keeps the choice too.
   */
  readonly targets: Map<string, string>;
  /** Ballot at which a partition was first seen with more members than its replica count. */
  readonly overFull: Map<string, number>;
  /**
   * Per drained node: what it hosted (bytes per replica), the learning counters of the other nodes
   * and the time when its drain began (one window for bytes and rate).
   */
  readonly drainStart: Map<string, { sizes: Map<string, number>; meter: LearnMeter | undefined; at: number; exact: boolean }>;
  /** When the last progress event went out (they are throttled to one per poll interval). */
  lastProgressAt: number;
}

export interface StepOptions {
  /** Run again on resume even when the journal says done: setting a value is idempotent, and a cancel restored it. */
  readonly always?: boolean;
}

export interface OpContext {
  readonly deps: EngineDeps;
  readonly options: ResolvedOptions;
  readonly timeouts: Timeouts;
  readonly clock: Clock;
  readonly book: RunBook;
  /** Runs a journaled step once; its detail is journaled and returned (from the journal when skipped). */
  step(rc: RunCtx, id: string, fn: () => Promise<string>, o?: StepOptions): Promise<string>;
  /** Retries a cluster call through transient failures for up to the leader timeout; a cancel is never retried. */
  retrying<T>(rc: RunCtx, what: string, fn: () => Promise<T>): Promise<T>;
  /** Reads the state and, after a leader change, re-applies what the journal says is in force. */
  readState(rc: RunCtx): Promise<ClusterState>;
  /** `min_live_node_count_for_unfreeze` of this leader (read once per leader and run). */
  minLive(leader: string, signal?: AbortSignal): Promise<MinLive>;
  /** `meta.live_percentage` as a number. */
  readPct(signal?: AbortSignal): Promise<number>;
  emit(e: EngineEvent): void;
  /** Journal times are wall-clock times (when it ran), also under a simulated clock. */
  date(): Date;
}
