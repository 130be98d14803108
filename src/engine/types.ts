/** The engine's public types (options, events, results, specs) and the run state every operation module receives. */
import type { Diagnosis } from './diagnose';
import type { Journal } from './journal';
import type { Note, Refusal, SettingWhy } from './notes';
import type { NodeLoad } from './model';
import type { PlanOptions, ScalePlan } from './plan';
import type { Clock, ClusterPort, HeldLease, LeasePort, NodeControl, SettingName } from './ports';
import type { RehearsalTwin } from './twin';

export type { Note, Refusal, SettingWhy } from './notes';

/** The min-live value the freeze arithmetic uses, and where it came from (said in every output that uses it). */
export interface MinLive {
  readonly value: number;
  /** True when read from the meta; false when the engine option was assumed. */
  readonly read: boolean;
  /** Said in plan/preflight/freeze-check output: the source (`min-live-read`), or the assumption and why (`min-live-assumed`). */
  readonly note: Extract<Note, { code: 'min-live-read' | 'min-live-assumed' }>;
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
  /**
   * Disk fill (percent) no staying node may pass after a scale-in's moves (default 85); capped at
   * 100 - `diskMinAvailableRatio`, where the replica server itself stops taking data.
   */
  readonly fillLimitPct?: number;
  /** Fill (percent) from which the pre-flight warns (default 75, kept below the limit). */
  readonly fillWarnPct?: number;
  /** The replica servers' `disk_min_available_space_ratio` (percent, default 10). */
  readonly diskMinAvailableRatio?: number;
  readonly replicaSizeBytes?: PlanOptions['replicaSizeBytes'];
  readonly copyRateMBps?: number;
  /**
   * Copy throttle of a run (`--copy-rate-mb`): nfs.max_copy_rate_megabytes_per_disk and
   * nfs.max_send_rate_megabytes_per_disk set on the replica servers for its duration (MB/s).
   */
  readonly copyThrottleMb?: number;
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
    /** After a cancel: how long to follow the proposals the meta still carries out (default 5 min). */
    readonly inFlightMs?: number;
  };
}

/** What a run reports as it goes; `detail` of a step is its journaled result ('' while only started). */
export type EngineEvent =
  | { readonly kind: 'step'; readonly step: string; readonly status: 'started' | 'done' | 'skipped' | 'failed'; readonly detail: string }
  | { readonly kind: 'progress'; readonly progress: Progress }
  /** Node control asks a person to act (manual control): its own words. */
  | { readonly kind: 'operator'; readonly message: string }
  | { readonly kind: 'stuck'; readonly diagnosis: Diagnosis; readonly waitingFor: string; readonly stalledSeconds: number }
  | { readonly kind: 'setting'; readonly name: SettingName; readonly from: string; readonly to: string; readonly why: SettingWhy }
  /** A (new) leader answered; `reapplied` lists the journal's settings it had lost. */
  | { readonly kind: 'leader'; readonly leader: string; readonly reapplied: readonly { name: SettingName; value: string; found: string }[] }
  | { readonly kind: 'info' | 'warning'; readonly note: Note };

export interface Progress {
  readonly phase: string;
  readonly node?: string;
  readonly primariesLeft?: number;
  readonly replicasLeft?: number;
  readonly unhealthy: number;
  readonly bytesCopied: number;
  readonly bytesPlanned: number;
  /** True when `bytesCopied` is estimated from replica sizes, not read from the replica servers' learning counters. */
  readonly estimated?: boolean;
  /** Bytes per second over the phase so far. */
  readonly rate: number;
  /** Replicas the node held when its drain began (copy phase). */
  readonly replicasTotal?: number;
  /**
   * Bytes passed the plan: the sizes were assumed (`assumed`) or given (`given`) and are larger, or
   * they were reported by the servers (`reported`) and the data grew or other copies ran meanwhile.
   */
  readonly overPlan?: 'assumed' | 'given' | 'reported';
  /** Primary role switches proposed so far (primaries balance). */
  readonly proposed?: number;
  /** Tables not yet within ±1 (rebalance). */
  readonly tablesUneven?: number;
  /** Seconds left at that rate; undefined when unknown. */
  readonly etaSeconds?: number;
  readonly elapsedSeconds: number;
}

export interface SettingLeft {
  readonly name: SettingName;
  readonly value: string;
  readonly original: string;
  readonly reason: Note;
}

/** The cluster after a run, as counts and the leaving nodes' loads (words: the surface's renderer). */
export interface StateSummary {
  readonly leader: string;
  readonly level: string;
  readonly alive: number;
  readonly dead: number;
  readonly unhealthy: number;
  readonly unhealthySample: readonly { readonly gpid: string; readonly health: string }[];
  readonly nodes: readonly {
    readonly node: string;
    readonly listed: boolean;
    readonly alive?: boolean;
    readonly replicas?: number;
    readonly primaries?: number;
  }[];
}

export type Outcome = 'done' | 'failed' | 'cancelled' | 'refused';

export interface OperationResult {
  readonly op: string;
  readonly run: string;
  readonly outcome: Outcome;
  /** Failed or cancelled: what went wrong (an engine error's text), and whether anything had changed yet. */
  readonly error?: string;
  readonly diagnosis?: Diagnosis;
  readonly beforeAnyChange?: boolean;
  /** Nodes the run added (scale-out, migrate by count). */
  readonly added?: readonly string[];
  /** What the run says besides the outcome (uneven after a scale-in, restore failed, nothing to restore). */
  readonly notes: readonly ResultNote[];
  /** The cluster it is left in; undefined when it could not be read, or (refused) nothing was done. */
  readonly cluster?: StateSummary;
  readonly refusals: readonly Refusal[];
  readonly settingsLeft: readonly SettingLeft[];
  readonly plan?: ScalePlan;
  /** Every node's load when the run first began (journaled at its begin, so a resumed run keeps it). */
  readonly before?: readonly NodeLoad[];
  readonly stats: {
    readonly primariesMoved: number;
    readonly copiesProposed: number;
    readonly bytesCopied: number;
    /** The part of `bytesCopied` estimated from replica sizes (no learning counters were read): never shown as a measurement. */
    readonly bytesEstimated: number;
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

/** A result note: a run note, or what restore-settings found (`nothing-to-restore`, `no-journal` with what looks changed). */
export type ResultNote =
  | Note
  | { readonly code: 'nothing-to-restore' }
  | { readonly code: 'no-journal'; readonly journal: string; readonly looksChanged: readonly LooksChanged[] };

/** A setting that looks left over from a scale operation whose journal is gone. */
export type LooksChanged =
  | { readonly code: 'black-list-set'; readonly value: string }
  | { readonly code: 'delay-low'; readonly ms: number }
  | { readonly code: 'only-move-primary-set' }
  | { readonly code: 'level-steady' }
  | { readonly code: 'level-below-steady'; readonly level: string }
  | { readonly code: 'unreadable'; readonly error: string };

export class RefusedError extends Error {
  constructor(readonly refusals: readonly Refusal[]) {
    super(refusals.map((r) => r.code).join(', '));
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
  /** Starts the rehearsal twin for `rehearse` (the simulator's: src/simulator/twin.ts); without it rehearsals are refused. */
  readonly twin?: RehearsalTwin;
  /** The cluster's operation lease (ZooKeeper, where the profile names the ensemble); without it only the meta's settings tell of another run. */
  readonly lease?: LeasePort;
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

/** The state of one run, passed to every operation module with the context. */
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
  /** The part of `bytesCopied` estimated from sizes, not measured. */
  bytesEstimated: number;
  /** Bytes a drain copied so far (set while it runs): a cancel or failure counts them, a resume does not copy them again. */
  partialBytes?: { readonly bytes: number; readonly estimated: boolean };
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
  /** Settings someone else changed during the run (name → the value found): no longer this run's to give back. */
  readonly foreign: Map<SettingName, string>;
  /** The run's lease on the cluster, when a lease port is wired. */
  lease?: HeldLease;
  /** Nodes the run's copy throttle is in force on, as last seen alive (a node seen again gets it again). */
  throttled?: Set<string>;
}
