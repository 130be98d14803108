/**
 * What the engine tells, as data: a stable kebab-case `code` and the values. Surfaces turn these
 * into words (src/commands/steps/words.ts); `--json` carries them as they are, so scripts and
 * runbooks can act on a code instead of parsing a sentence.
 */
import type { JournalFileReason } from './journalFiles';
import type { NodeSettingName } from './journal';
import type { LeaseHolder, SettingName } from './ports';

/** One node-level freeze count: what the meta counts after a step. */
export interface AliveDead {
  readonly alive: number;
  readonly dead: number;
}

/** Notes: facts worth saying during or after a run (info or warning events, assumptions, reasons a setting is left changed). */
export type Note =
  | { readonly code: 'min-live-read'; readonly value: number; readonly source: string; readonly optionIgnored?: number }
  | { readonly code: 'min-live-assumed'; readonly value: number; readonly error: string }
  /** Stopping these nodes leaves no spare: one unrelated failure freezes the meta. */
  | { readonly code: 'margin-zero'; readonly nodes: readonly string[] }
  /** keepMargin cannot be honoured: min-live decides whatever the threshold. */
  | { readonly code: 'margin-short'; readonly keepMargin: number; readonly aliveAfter: number; readonly minLive: number }
  /** The original threshold cannot come back yet: the meta still counts the removed nodes dead. */
  | {
      readonly code: 'pct-kept-lowered';
      readonly original: number;
      readonly alive: number;
      readonly dead: number;
      readonly minLive: number;
      /** Nodes whose stop was issued and that the meta will count dead soon. */
      readonly dying?: readonly string[];
    }
  /** A finished drain-node keeps this setting until the node is stopped or started. */
  | { readonly code: 'drain-held'; readonly node: string }
  /** The level stays steady: the drain of these (still up) nodes did not finish. */
  | {
      readonly code: 'level-kept-steady';
      readonly op: string;
      readonly outcome: 'failed' | 'cancelled' | 'done';
      readonly nodes: readonly string[];
      readonly original: string;
    }
  | { readonly code: 'not-restored-yet' }
  | { readonly code: 'restore-failed'; readonly error: string }
  | {
      readonly code: 'lock-taken-over';
      readonly who: string;
      readonly pid: number;
      readonly host: string;
      readonly op: string;
      readonly started: string;
    }
  /** The lock named no holder (`empty`: 0 bytes, e.g. a full disk under an older version; `garbled`: not a lock record). */
  | { readonly code: 'lock-taken-over-unreadable'; readonly path: string; readonly was?: 'empty' | 'garbled' }
  | { readonly code: 'nothing-to-resume' }
  | { readonly code: 'resuming'; readonly op: string; readonly run: string }
  | { readonly code: 'retrying'; readonly what: string; readonly error: string }
  /** A setting this run owns was found back at its value before the run (a meta restart, or someone restored it): set again. */
  | { readonly code: 'setting-reverted'; readonly name: SettingName; readonly value: string; readonly found: string }
  /** Not given back: another operator or run set it since, so it is theirs now. */
  | { readonly code: 'not-restored-foreign'; readonly name: SettingName; readonly found: string; readonly ours: string }
  | { readonly code: 'restore-retrying'; readonly error: string }
  | { readonly code: 'redrain'; readonly node: string; readonly replicas: number }
  | { readonly code: 'drain-again'; readonly step: string; readonly node: string; readonly primaries?: number; readonly replicas?: number }
  | { readonly code: 'drain-overlaps'; readonly node: string; readonly previous: string }
  /** stop-node handed the node's primaries to secondaries (move_pri, no copy) before the stop. */
  | { readonly code: 'primaries-handed-over'; readonly node: string; readonly primaries: number }
  /** stop-node stops a node that still holds these secondaries: the meta's cure re-creates them elsewhere afterwards. */
  | { readonly code: 'cure-recreates'; readonly node: string; readonly secondaries: number }
  | { readonly code: 'still-alive'; readonly node: string; readonly seconds: number; readonly fdGraceSeconds: number }
  | {
      readonly code: 'propose-failed';
      readonly type: string;
      readonly gpid: string;
      readonly from: string;
      readonly to: string;
      readonly error: string;
    }
  | { readonly code: 'uneven'; readonly op: string; readonly tables: readonly UnevenTable[] }
  /** Cancelled with proposals the meta is still carrying out: waiting (at most `boundSeconds`) for them to land. */
  | { readonly code: 'in-flight-wait'; readonly proposals: number; readonly nodes: readonly string[]; readonly boundSeconds: number }
  /**
   * What a cancel left moving: the meta has no withdraw for a proposal it already executes, so the
   * run waited for them; `pendingCleared` when the level was set steady again, which drops the
   * proposals the meta had not started yet.
   */
  | {
      readonly code: 'in-flight-at-cancel';
      /** Proposals sent and not finished when the run was cancelled. */
      readonly proposals: number;
      readonly landed: number;
      /** Not finished when the wait ended: the meta may still carry them out, or it dropped them. */
      readonly unsettled: number;
      readonly waitedSeconds: number;
      /**
       * `settled`: none left; `stalled`: nothing visible changed on them for a while; `timeout`: the bound
       * passed (they may still land); `unreadable`: the cluster could not be read.
       */
      readonly ended: 'settled' | 'stalled' | 'timeout' | 'unreadable';
      readonly pendingCleared: boolean;
      /** The unfinished ones are known dropped (stalled, and the learning counters showed no copy running): `willEnd` leaves them out. */
      readonly dropped: boolean;
      readonly nodes: readonly InFlightNode[];
    }
  /** After the planned moves these staying nodes pass the warning level of disk fill (below the limit). */
  /** A copy throttle of the run set on a replica server (from its value before, MB/s; 0 = unlimited). */
  | { readonly code: 'throttle-set'; readonly node: string; readonly name: NodeSettingName; readonly from: number; readonly to: number }
  /** A node came back (restarted, or joined) with another value: the run's throttle set on it again. */
  | {
      readonly code: 'throttle-reapplied';
      readonly node: string;
      readonly name: NodeSettingName;
      readonly value: number;
      readonly found: number;
    }
  | { readonly code: 'throttle-restored'; readonly node: string; readonly name: NodeSettingName; readonly value: number }
  /** The server refused the value before (2.5 cannot set 0 back at run time): left at the run's value. */
  | {
      readonly code: 'throttle-kept';
      readonly node: string;
      readonly name: NodeSettingName;
      readonly value: string;
      readonly original: string;
      readonly error: string;
    }
  /** The node did not answer: the journal keeps it open for restore-settings. */
  | {
      readonly code: 'throttle-not-restored';
      readonly node: string;
      readonly name: NodeSettingName;
      readonly value: string;
      readonly original: string;
      readonly error: string;
    }
  /** The node is down: the run's throttle went with its process (it starts with its config value). */
  | { readonly code: 'throttle-gone'; readonly node: string; readonly name: NodeSettingName }
  | { readonly code: 'throttle-reapply-failed'; readonly node: string; readonly error: string }
  | { readonly code: 'disk-headroom-warning'; readonly nodes: readonly DiskFill[]; readonly warnPct: number; readonly limitPct: number };

/** A node touched by the proposals in flight at a cancel: its replicas now, and once the unsettled ones land. */
export interface InFlightNode {
  readonly node: string;
  /** Copies off this node (and primaries handed away) in flight at the cancel. */
  readonly outgoing: number;
  /** Copies onto this node in flight at the cancel. */
  readonly incoming: number;
  readonly replicas: number;
  readonly willEnd: number;
}

/** A node's projected disk use after a plan (bytes, and the fill in percent to one decimal). */
export interface DiskFill {
  readonly node: string;
  readonly usedAfter: number;
  readonly totalBytes: number;
  readonly pctAfter: number;
  readonly pctBefore: number;
}

export interface UnevenTable {
  readonly table: string;
  readonly primaries: readonly number[];
  readonly even: readonly number[];
  readonly replicas: readonly number[];
}

export type NoteCode = Note['code'];

/** Why the engine changed a setting (journaled as the code). */
export type SettingWhy =
  | { readonly code: 'leaving-black-list' }
  | { readonly code: 'fast-cure' }
  | { readonly code: 'no-balancer-while-leaving' }
  | { readonly code: 'no-balancer-while-joining' }
  | { readonly code: 'only-move-primary' }
  | { readonly code: 'let-balancer-run' }
  | { readonly code: 'balanced' }
  /** Lowered so a stop does not freeze the meta (`keepMargin` set: so it keeps that many spare failures). */
  | {
      readonly code: 'pct-lowered';
      readonly node: string;
      readonly from: number;
      readonly to: number;
      readonly alive: number;
      readonly dead: number;
      readonly keepMargin?: number;
    }
  | { readonly code: 'restored' }
  | { readonly code: 'meta-restart'; readonly original: string };

/** Reasons to refuse: the fix is part of the wording of each code. */
export type Refusal =
  | { readonly code: 'frozen'; readonly alive: number; readonly dead: number }
  | { readonly code: 'level-below-steady'; readonly level: string }
  | { readonly code: 'unhealthy'; readonly count: number; readonly sample: readonly { gpid: string; table: string; health: string }[] }
  | {
      readonly code: 'not-a-node';
      readonly node: string;
      readonly known: number;
      readonly closest?: string;
      /** The meta lists nodes in the other form (hostname vs IP). */
      readonly listedAs?: 'hostname' | 'ip';
      readonly example?: string;
      /** An earlier run stopped this node (journal): it is not listed any more, so no closest node is offered. */
      readonly removed?: { readonly run: string; readonly at: string };
    }
  /** A scale-out names nodes the meta lists ALIVE that hold replicas: serving members already, nothing to join. */
  | { readonly code: 'already-member'; readonly nodes: readonly string[] }
  | { readonly code: 'unalive-with-replicas'; readonly node: string }
  /** Stopping `node` would leave these partitions with no replica at all: it holds their only alive one. */
  | {
      readonly code: 'last-replica';
      readonly node: string;
      readonly count: number;
      readonly sample: readonly { readonly gpid: string; readonly table: string }[];
    }
  | { readonly code: 'listed-twice' }
  /** A table keeps more replicas than nodes would be left; `removable` is how many nodes could go. */
  | { readonly code: 'replica-count'; readonly table: string; readonly replicas: number; readonly left: number; readonly removable: number }
  | {
      readonly code: 'no-room';
      readonly table: string;
      readonly replicas: number;
      readonly left: number;
      readonly partitions: number;
      readonly nodes: readonly string[];
    }
  /** Removing these nodes leaves fewer alive than min-live: no threshold avoids the freeze. */
  | {
      readonly code: 'min-live';
      readonly nodes: readonly string[];
      readonly aliveAfter: number;
      readonly minLive: number;
      /** Where min-live came from (read from the meta, or assumed), said with the fix. */
      readonly source?: Extract<Note, { code: 'min-live-read' | 'min-live-assumed' }>;
    }
  | { readonly code: 'drain-held'; readonly nodes: readonly string[]; readonly settings: readonly SettingValue[] }
  | { readonly code: 'settings-left'; readonly settings: readonly SettingValue[]; readonly keptOnPurpose: boolean }
  | { readonly code: 'black-list-present'; readonly value: string }
  | { readonly code: 'delay-lowered'; readonly ms: number }
  | { readonly code: 'journal-locked'; readonly message: string; readonly fix: string }
  /** The journal or its lock cannot be written or is not a regular file: nothing was changed. */
  | {
      readonly code: 'journal-unwritable';
      readonly reason: JournalFileReason;
      readonly path: string;
      readonly message: string;
      readonly fix: string;
    }
  /**
   * Another run operates on this cluster: its lease (ZooKeeper) is held, or its marks are on the
   * meta (a black list or lowered delay this run did not set, found when it claimed them).
   */
  | {
      readonly code: 'another-operation';
      readonly marks: readonly ForeignValue[];
      /** The other run's nodes, as far as its black list tells. */
      readonly nodes: readonly string[];
      readonly holder?: LeaseHolder;
    }
  /** The lease of this cluster could not be taken or checked (ZooKeeper unreachable): refused rather than run unguarded. */
  | { readonly code: 'lease-unavailable'; readonly error: string; readonly hosts: string }
  /** The lease was lost mid-run (session expired): another run may take it, so this one stops. */
  | { readonly code: 'lease-lost'; readonly reason: string; readonly path?: string }
  /** A setting this run controls was changed by someone else mid-run: the run stopped within one poll. */
  | {
      readonly code: 'foreign-change';
      readonly changes: readonly ForeignValue[];
      readonly nodes: readonly string[];
      readonly holder?: LeaseHolder;
    }
  | {
      readonly code: 'unfinished-run';
      readonly op: string;
      readonly run: string;
      readonly at: string;
      readonly who: string;
      readonly same: boolean;
    }
  | { readonly code: 'resume-superseded'; readonly op: string; readonly run: string; readonly by?: string }
  | { readonly code: 'too-many'; readonly count: number; readonly alive: number; readonly listed: number }
  /**
   * After the planned moves these staying nodes would fill their disks past `limitPct` (the fill
   * limit, never above what disk_min_available_space_ratio leaves); `minRatio` is that ratio.
   */
  | { readonly code: 'disk-headroom'; readonly nodes: readonly DiskFill[]; readonly limitPct: number; readonly minRatio: number }
  /** `--copy-rate-mb` must be a whole number above one copy block per second (`nfs_copy_block_bytes`). */
  | { readonly code: 'copy-throttle-invalid'; readonly value: number; readonly minMb: number; readonly blockBytes: number }
  /** The cluster port cannot send remote commands to replica servers. */
  | { readonly code: 'copy-throttle-unsupported' };

export type RefusalCode = Refusal['code'];

export interface SettingValue {
  readonly name: SettingName;
  readonly current: string;
  readonly original: string;
}

/** A meta setting as this run expects it and as it was found. */
export interface ForeignValue {
  readonly name: SettingName;
  /** What this run set (or '' when it has not set it yet). */
  readonly ours: string;
  readonly found: string;
}
