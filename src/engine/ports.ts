/**
 * The narrow ports the scale engine talks through. The engine never imports the wire client or
 * the simulator directly: `metaPort.ts` adapts the real MetaClient to `ClusterPort`, tests use
 * fakes, and `nodeControl.ts` builds a `NodeControl` from the cluster profile.
 */

import type { MetaLevel } from '../pegasus/types';
import type { ReplicaData } from '../cluster/replicaData';

// Re-exported because ClusterState speaks of it; the one definition lives with the wire enum.
export type { MetaLevel };
// The replica servers' answer is the cluster layer's reading (src/cluster/replicaData.ts), one type for both layers.
export type { ReplicaData };

export interface NodeView {
  /** `host:port` exactly as the meta lists it (IP form up to 2.5, host name form on master). */
  readonly address: string;
  readonly alive: boolean;
}

export interface PartitionView {
  readonly pidx: number;
  readonly ballot: number;
  /** null when the partition has no primary. */
  readonly primary: string | null;
  readonly secondaries: readonly string[];
}

export interface TableView {
  readonly appId: number;
  readonly name: string;
  readonly maxReplicaCount: number;
  readonly partitions: readonly PartitionView[];
}

/**
 * What the engine reads from the meta leader each poll: only what its decisions need (not the
 * whole ClusterSnapshot), so fakes in tests stay small and a poll stays cheap.
 */
export interface ClusterState {
  /** The meta leader that answered. */
  readonly leader: string;
  /** Alive and dead (UNALIVE) replica servers as the leader lists them: the dead ones are its dead set. */
  readonly nodes: readonly NodeView[];
  /** AVAILABLE tables only. */
  readonly tables: readonly TableView[];
  /** `cluster_info`'s level: `freezed` while the auto-freeze holds, whatever was stored. */
  readonly effectiveLevel: MetaLevel;
}

/** Runtime settings the engine may change; each one is journaled with its value before the change. */
export type SettingName =
  'meta_level' | 'meta.lb.assign_secondary_black_list' | 'meta.lb.assign_delay_ms' | 'meta.live_percentage' | 'meta.lb.only_move_primary';

/** A proposal the engine registers on the meta (`balance`/`propose` in the shell). */
export interface Proposal {
  readonly appId: number;
  readonly pidx: number;
  /**
   * move_pri / copy_sec / copy_pri as `balance -p`; `remove` is `propose DOWNGRADE_TO_INACTIVE`
   * of `from`, sent to the current primary.
   */
  readonly type: 'move_pri' | 'copy_sec' | 'copy_pri' | 'remove';
  readonly from: string;
  /** Target node; unused for `remove`. */
  readonly to: string;
}

export interface ClusterPort {
  readState(signal?: AbortSignal): Promise<ClusterState>;
  /**
   * Reads a setting's current value in normalized form: a level name, a decimal number, `true`/
   * `false`, or the black list as comma-joined addresses ('' when empty).
   */
  getSetting(name: SettingName, signal?: AbortSignal): Promise<string>;
  /** Sets a setting from the same normalized form ('' clears the black list). */
  setSetting(name: SettingName, value: string, signal?: AbortSignal): Promise<void>;
  /** 'pending' when the meta refused because the partition already has proposals queued. */
  propose(p: Proposal, signal?: AbortSignal): Promise<'accepted' | 'pending'>;
  /**
   * Called with the new leader's address whenever the client notices a different leader, and with
   * the same address and `{ restarted: true }` when the leader's process restarted (its runtime
   * settings are gone: the engine treats both alike).
   */
  onLeaderChange(listener: (leader: string, change?: LeaderChangeInfo) => void): () => void;
  /**
   * Checks the leader in the background every `intervalMs` (no call of the engine needed), so a
   * fail-over or restart while the engine waits reaches `onLeaderChange` at once. Returns the stop
   * function; `signal` stops it too. Absent: changes are only seen by the engine's own calls.
   */
  watchLeader?(opts: { readonly intervalMs: number; readonly signal?: AbortSignal }): () => void;
  /**
   * What the replica servers report about their data: sizes per replica, disks, learning counters
   * (`/metrics` on 2.6, perf counters on 2.5), with nodes named by their addresses in `ClusterState`.
   * Absent: the plan falls back to its stated assumptions.
   */
  readReplicaData?(nodes: readonly string[], signal?: AbortSignal): Promise<ReplicaData>;
  /**
   * A remote command on one replica server (`remote_command -l node name args...`); the reply as the
   * server prints it. Absent: the engine cannot set copy throttles and refuses `--copy-rate-mb`.
   */
  replicaCommand?(node: string, command: string, args: readonly string[], signal?: AbortSignal): Promise<string>;
  /**
   * `min_live_node_count_for_unfreeze` of the meta `leader` (a per-process config value no RPC
   * exposes; read from its HTTP `/config` on 2.2+). When a port lacks this, the engine reads the
   * leader's `/config` itself.
   */
  readMinLive?(leader: string, signal?: AbortSignal): Promise<MinLiveReading>;
}

export interface LeaderChangeInfo {
  /** The same leader answered with a new process (a restart): runtime settings were lost. */
  readonly restarted?: boolean;
}

/** The meta's own min-live value, or why it could not be read (the engine then assumes its option). */
export type MinLiveReading = { readonly value: number; readonly source: string } | { readonly value?: undefined; readonly reason: string };

/** Starts and stops processes: see nodeControl.ts for the command, manual and simulator kinds. */
export interface NodeControl {
  readonly kind: 'command' | 'manual' | 'simulator';
  /** Resolves once the stop was issued (the engine then waits for the meta to see the node gone). */
  stopNode(address: string, signal?: AbortSignal): Promise<void>;
  startNode(address: string, signal?: AbortSignal): Promise<void>;
  /** Adds a brand-new replica server when the control can (the simulator); returns its address. */
  addNode?(signal?: AbortSignal): Promise<string>;
  /** Frees a removed node's disk; only present when the profile has a cleanup template. */
  cleanupNode?(address: string, signal?: AbortSignal): Promise<void>;
  /** Restarts one meta server (the simulator restarts the meta group at once: `all`). */
  restartMeta(address: string | 'all', signal?: AbortSignal): Promise<void>;
  /** True when `restartMeta('all')` is the way to restart (one call, not one per meta). */
  readonly restartsMetaGroup?: boolean;
  /** True when a person restarts the metas (manual control, or no restartMeta template): the engine then waits to observe it. */
  readonly restartMetaIsManual?: boolean;
  /**
   * True when `restartMeta` resolves only once that meta is back up and a leader serves (the
   * simulator's `{"wait": true}`): the engine then reads the leader once instead of waiting
   * `metaRestartGapMs` before the next meta goes down.
   */
  readonly restartMetaWaits?: boolean;
}

/** Time as the engine sees it: the real clock, or a simulated one in tests and rehearsals. */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(abortError(signal));
      const t = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = (): void => {
        clearTimeout(t);
        reject(abortError(signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

export function abortError(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  if (r instanceof Error && r.name === 'AbortError') return r;
  const e = new Error(typeof r === 'string' ? r : 'the operation was cancelled');
  e.name = 'AbortError';
  return e;
}

export function isAbortError(e: unknown): boolean {
  return e instanceof Error && e.name === 'AbortError';
}

/** Who holds a cluster's operation lease: stored in the lease, shown to a run that is refused. */
export interface LeaseHolder {
  readonly who: string;
  readonly op: string;
  /** ISO time the holder's run took the lease. */
  readonly started: string;
  readonly cluster: string;
  readonly run?: string;
  /** The nodes the holder's operation removes, when it says. */
  readonly nodes?: readonly string[];
  /** Where the lease lives (the ZooKeeper node path). */
  readonly path?: string;
}

/** A lease taken: given back when the run ends; `lost()` is set once it cannot be trusted any more (session expired). */
export interface HeldLease {
  readonly holder: LeaseHolder;
  /** Undefined while held; the reason once lost. */
  lost(): string | undefined;
  release(): Promise<void>;
}

/**
 * One operation per cluster, across machines: a lease in a store every run of the cluster sees
 * (ZooKeeper where the profile names it: src/cluster/zkLease.ts). `acquire` takes it or says who holds it.
 */
export interface LeasePort {
  /** Where the lease store is (ZooKeeper hosts), said when it cannot be reached. */
  readonly where?: string;
  acquire(holder: LeaseHolder, signal?: AbortSignal): Promise<{ readonly held: HeldLease } | { readonly heldBy: LeaseHolder }>;
}
