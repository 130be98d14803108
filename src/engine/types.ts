/** The engine's public types (options, events, results, specs) and the run context every operation module receives. */
import type { Diagnosis } from './diagnose';
import { Journal } from './journal';
import type { PlanOptions, ScalePlan } from './plan';
import type { Clock, ClusterPort, NodeControl, SettingName } from './ports';

/** The min-live value the freeze arithmetic uses, and where it came from (said in every output that uses it). */
export interface MinLive {
  readonly value: number;
  /** True when read from the meta; false when the engine option was assumed. */
  readonly read: boolean;
  /** One line for plan/preflight/freeze-check output: the source, or the assumption and why. */
  readonly note: string;
}

export interface EngineOptions {
  /** How often the cluster is polled while waiting (ms of the engine's clock). */
  readonly pollIntervalMs?: number;
  /**
   * `min_live_node_count_for_unfreeze` assumed when the meta leader's HTTP `/config` cannot be read
   * (before Pegasus 2.2, or its port unreachable); default 3. The meta's own value wins when read.
   */
  readonly minLive?: number;
  /** The `meta.lb.assign_delay_ms` value used during a scale-in (the documented scale-in procedure's 10). */
  readonly assignDelayMs?: number;
  /**
   * Further node losses the freeze guard keeps room for at every stop (default 0: lower
   * `meta.live_percentage` only as far as the stop itself needs). With 1, an unrelated node
   * failure during a drain does not freeze the meta; the threshold goes lower for it.
   */
  readonly keepMargin?: number;
  /** A delay below this found before a run is taken as left over from an earlier scale-in. */
  readonly lowDelayThresholdMs?: number;
  readonly replicaSizeBytes?: PlanOptions['replicaSizeBytes'];
  readonly copyRateMBps?: number;
  readonly fdGraceSeconds?: number;
  readonly lbIntervalSeconds?: number;
  /** Report "stuck" (with a diagnosis) after this long without any change. */
  readonly stuckAfterMs?: number;
  /** Re-send a proposal whose partition did not change for this long. */
  readonly reproposeAfterMs?: number;
  /** How long "balanced" must hold before a rebalance is declared done. */
  readonly balancedSettleMs?: number;
  /** A healthy cluster whose ballots stay unchanged this long in lively: the balancer is idle. */
  readonly balancerIdleMs?: number;
  /** Period of the background leader check while a run is in progress (ClusterPort.watchLeader); default 5000. */
  readonly leaderWatchMs?: number;
  /** Time between restarting two metas (the rolling-update doc asks for more than 30 s); not used when node control waits for the restarted meta (simulator). */
  readonly metaRestartGapMs?: number;
  readonly timeouts?: {
    readonly primariesMs?: number;
    readonly secondariesMs?: number;
    readonly nodeGoneMs?: number;
    readonly nodeAliveMs?: number;
    readonly healthyMs?: number;
    readonly balancedMs?: number;
    readonly leaderMs?: number;
  };
}

export type EngineEvent =
  | { readonly kind: 'step'; readonly step: string; readonly status: 'started' | 'done' | 'skipped' | 'failed'; readonly message: string }
  | { readonly kind: 'progress'; readonly progress: Progress; readonly message: string }
  | { readonly kind: 'operator'; readonly message: string }
  | { readonly kind: 'stuck'; readonly diagnosis: Diagnosis; readonly message: string }
  | { readonly kind: 'setting'; readonly name: SettingName; readonly from: string; readonly to: string; readonly message: string }
  | { readonly kind: 'leader'; readonly leader: string; readonly message: string }
  | { readonly kind: 'info' | 'warning'; readonly message: string };

export interface Progress {
  readonly phase: string;
  readonly node?: string;
  readonly primariesLeft?: number;
  readonly replicasLeft?: number;
  readonly unhealthy: number;
  readonly bytesCopied: number;
  readonly bytesPlanned: number;
  /** Bytes per second over the phase so far. */
  readonly rate: number;
  /** Seconds left at that rate; undefined when unknown. */
  readonly etaSeconds?: number;
  readonly elapsedSeconds: number;
}

export interface Refusal {
  readonly reason: string;
  readonly fix: string;
}

export interface SettingLeft {
  readonly name: SettingName;
  readonly value: string;
  readonly original: string;
  readonly reason: string;
}

export type Outcome = 'done' | 'failed' | 'cancelled' | 'refused';

export interface OperationResult {
  readonly op: string;
  readonly run: string;
  readonly outcome: Outcome;
  /** One paragraph: what happened. */
  readonly message: string;
  /** The state the cluster is left in, in words (always set, also after failure or cancel). */
  readonly clusterState: string;
  readonly refusals: readonly Refusal[];
  readonly settingsLeft: readonly SettingLeft[];
  readonly plan?: ScalePlan;
  readonly stats: {
    readonly primariesMoved: number;
    readonly copiesProposed: number;
    readonly bytesCopied: number;
    readonly elapsedMs: number;
  };
  /** Extra structured output of the step (freeze-check schedule, added node addresses…). */
  readonly data?: unknown;
}

export class EngineError extends Error {
  constructor(
    message: string,
    readonly diagnosis?: Diagnosis,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

export class RefusedError extends Error {
  constructor(readonly refusals: readonly Refusal[]) {
    super(refusals.map((r) => `${r.reason} (fix: ${r.fix})`).join('; '));
    this.name = 'RefusedError';
  }
}

export interface EngineDeps {
  readonly cluster: ClusterPort;
  readonly control: NodeControl;
  readonly journal: Journal;
  /** The cluster's name, recorded in the journal. */
  readonly clusterName: string;
  /** The configured meta servers (for restart-meta one at a time). */
  readonly metaServers: readonly string[];
  /** Who runs it (user@host), recorded in the journal. */
  readonly who?: string;
  readonly clock?: Clock;
  readonly onEvent?: (e: EngineEvent) => void;
  readonly options?: EngineOptions;
}

export interface RunOptions {
  readonly signal?: AbortSignal;
  /** Continue the journal's unfinished run of the same operation instead of refusing. */
  readonly resume?: boolean;
}

export type OperationSpec =
  | { readonly op: 'scale-in'; readonly nodes: readonly string[] }
  | { readonly op: 'scale-out'; readonly nodes?: readonly string[]; readonly count?: number; readonly rebalance?: boolean }
  | { readonly op: 'migrate'; readonly from: readonly string[]; readonly to?: readonly string[]; readonly count?: number }
  | { readonly op: 'drain-node'; readonly node: string }
  | { readonly op: 'stop-node'; readonly node: string; readonly force?: boolean }
  | { readonly op: 'start-node'; readonly node: string }
  | { readonly op: 'wait-healthy'; readonly timeoutMs?: number }
  | { readonly op: 'rebalance' }
  | { readonly op: 'restart-meta' }
  | { readonly op: 'restore-settings' };

/** The state of one run, passed to every operation module. */
export interface RunCtx {
  readonly run: string;
  readonly signal: AbortSignal;
  readonly finished: Set<string>;
  /** Set when a leader change was noticed; the next poll re-applies the journal's settings. */
  leaderChanged: boolean;
  leader: string;
  primariesMoved: number;
  copiesProposed: number;
  bytesCopied: number;
  readonly startedAt: number;
  /** Nodes that must receive nothing (the black list of this run). */
  excluded: Set<string>;
  /** Addresses added during the run (simulator scale-out by count). */
  readonly added: string[];
  /**
   * Nodes whose stop was issued (or attempted: a failed command may still kill the process) and
   * not yet seen UNALIVE: restore counts them as dead, so it never brings back a threshold that
   * would freeze the meta once the failure detector catches up.
   */
  readonly stopIssued: Set<string>;
}
