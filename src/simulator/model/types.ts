/** Shared shapes of the behaviour model (pure data; no sockets). */
import { META_LEVEL_VALUE, MetaFunctionLevel, metaLevelOf, type MetaLevel } from '../../pegasus/types';

/** meta_function_level values, as on the wire, by bare name (the model compares them as numbers). */
export const Level = { ...META_LEVEL_VALUE, invalid: MetaFunctionLevel.fl_invalid } as const;

/** The level's name for /state and the event log; 'invalid' for fl_invalid or an unknown value. */
export function levelName(v: number): MetaLevel | 'invalid' {
  return metaLevelOf(v) ?? 'invalid';
}

/** config_type values, as on the wire. */
export const CT = {
  INVALID: 0,
  ASSIGN_PRIMARY: 1,
  UPGRADE_TO_PRIMARY: 2,
  ADD_SECONDARY: 3,
  UPGRADE_TO_SECONDARY: 4,
  DOWNGRADE_TO_SECONDARY: 5,
  DOWNGRADE_TO_INACTIVE: 6,
  REMOVE: 7,
  ADD_SECONDARY_FOR_LB: 8,
} as const;
export type ConfigType = (typeof CT)[keyof typeof CT];

export function ctName(t: number): string {
  for (const [k, v] of Object.entries(CT)) if (v === t) return `CT_${k}`;
  return `CT_${t}`;
}

export type StepOrigin = 'cure' | 'balancer' | 'manual';
export type BalanceKind = 'move_pri' | 'copy_pri' | 'copy_sec';

/** One configuration_proposal_action: `target` receives it, `node` is the replica it is about. Node indices. */
export interface Step {
  readonly type: ConfigType;
  readonly target: number;
  readonly node: number;
  readonly origin: StepOrigin;
}

export interface Dropped {
  readonly node: number;
  readonly time: number;
}

export interface Learn {
  readonly p: Partition;
  readonly node: number;
  /** The learnee (the primary when the learn started): its send rate is shared by the learns it serves. */
  readonly from: number;
  readonly total: number;
  remaining: number;
  /** Bytes already added to the learner's counters (whole files; the rest when the learn completes). */
  credited: number;
  readonly full: boolean;
  readonly inflight: Inflight;
}

export interface Inflight {
  readonly step: Step;
  /** Add-secondary whose learner had no free learn slot; retried at the next lb tick. */
  waitingForSlot: boolean;
  learn: Learn | null;
}

export interface SimApp {
  readonly id: number;
  readonly name: string;
  readonly partitionCount: number;
  readonly maxReplicas: number;
  /** Bytes one full copy (LT_APP) of a replica of this table moves. */
  readonly replicaBytes: number;
  readonly createSecond: number;
  readonly partitions: Partition[];
  /** Per node index: primaries / replicas of this table in the meta's partition configs. */
  readonly prim: number[];
  readonly rep: number[];
  /** Per node index: primaries / replicas being assigned or added right now (newly_partitions). */
  readonly newPrim: number[];
  readonly newRep: number[];
}

export interface Partition {
  readonly gid: number;
  readonly app: SimApp;
  readonly pidx: number;
  ballot: number;
  maxReplicas: number;
  primary: number;
  secondaries: number[];
  /** config_context::dropped, oldest first; last_drops on the wire is derived from it. */
  dropped: Dropped[];
  pending: Step[];
  inflight: Inflight | null;
  lastCommittedDecree: number;
  /** Bytes of one replica of this partition (its SST files); every member holds this much. */
  readonly bytes: number;
  /** A downgrade of a dead secondary is scheduled (not through the proposal slot). */
  removingDead: Set<number>;
  /** Dropped replicas whose data was closed by replica.kill_partition (a re-add is a full copy). */
  closedOn: Set<number>;
  /** Ground-truth status cached for the time-weighted counters. */
  gtNoPrimary: boolean;
  gtUnder: boolean;
}

export interface SimNode {
  readonly idx: number;
  readonly address: string;
  /** host_port identity (2.6 `hp_*` fields); equals `address` unless `hostnames` is set. */
  readonly host: string;
  readonly port: number;
  running: boolean;
  startedAt: number;
  stoppedAt: number;
  readonly beaconPhase: number;
  readonly syncPhase: number;
  /** Partitions listing this node (primary or secondary) in the meta's configs. */
  readonly parts: Set<Partition>;
  primaries: number;
  replicas: number;
  newPrimaries: number;
  newReplicas: number;
  /** nfs.max_copy_rate_megabytes_per_disk / nfs.max_send_rate_megabytes_per_disk (0 = unlimited); process variables, reset on restart. */
  nfsCopyRateMb: number;
  nfsSendRateMb: number;
  /** Capacity of the node's one data disk. */
  readonly diskTotalBytes: number;
  /** Learning counters of the replicas on this node (the `learn_*` metrics); process variables, reset on restart. */
  readonly learnStats: Map<Partition, LearnStats>;
  /** 2.5 `replicas.learning.recent.*` volatile counters: since the last read, reset when read. */
  readonly recentLearn: { copyFileBytes: number; copyFiles: number; starts: number };
  /** The meta has this node's replica info (config-sync since its last new replica). */
  collected: boolean;
  learns: Learn[];
  learnUpdatedAt: number;
  learnGen: number;
  fdGen: number;
}

/** The learner-side counters of one replica (master `replica/replica.cpp`, entity `replica`). */
export interface LearnStats {
  learn_count: number;
  learn_rounds: number;
  learn_copy_files: number;
  learn_copy_file_bytes: number;
  learn_copy_buffer_bytes: number;
  learn_lt_cache_responses: number;
  learn_lt_app_responses: number;
  learn_lt_log_responses: number;
  learn_resets: number;
  learn_failed_count: number;
  learn_successful_count: number;
}

export interface SimMeta {
  readonly idx: number;
  address: string;
  up: boolean;
  startedAt: number;
  /** meta.live_percentage is a process variable of every meta (registered before the leader lock). */
  livePct: number;
  /** min_live_node_count_for_unfreeze (FT_MUTABLE via HTTP /updateConfig); reset on restart. */
  minLive: number;
}

export interface BalanceCount {
  move_pri: number;
  copy_pri: number;
  copy_sec: number;
  total: number;
}

/** What the current leader holds in memory; a new leader starts from the config values. */
export interface LeaderState {
  readonly meta: number;
  readonly gen: number;
  readonly since: number;
  readyAt: number;
  storedLevel: number;
  readonly alive: Set<number>;
  readonly dead: Set<number>;
  assignDelayMs: number;
  blackList: string[];
  addSecondaryEnableFlowControl: boolean;
  addSecondaryMaxCountForOneNode: number;
  balancerInTurn: boolean;
  onlyPrimaryBalancer: boolean;
  onlyMovePrimary: boolean;
  ignoredApps: number[];
  balanceCount: BalanceCount;
}

export interface SimMetrics {
  replicasCopied: number;
  bytesCopied: number;
  incrementalLearns: number;
  partitionSecondsWithoutPrimary: number;
  partitionSecondsUnderReplicated: number;
  frozenSeconds: number;
  simulatedSeconds: number;
  configChanges: number;
  proposals: number;
  balancerRounds: number;
}

export interface LogEntry {
  /** Simulated seconds. */
  readonly t: number;
  readonly kind: 'config' | 'proposal' | 'level' | 'setting' | 'node' | 'meta' | 'learn';
  readonly [k: string]: unknown;
}
