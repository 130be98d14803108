/**
 * What the replica servers say about their data, in the shape the plan needs: the size of each
 * replica on each node, each node's disk, and the projected disk fill once the planned copies
 * have landed. Pure functions of the replica servers' answer (src/cluster/replicaData.ts).
 */
import type { DiskFill } from './notes';
import type { ReplicaData } from '../cluster/replicaData';

/** A node's disk as the plan projects it: used now and after the planned moves (bytes). */
export interface NodeFill {
  readonly node: string;
  readonly totalBytes: number;
  readonly usedBefore: number;
  readonly usedAfter: number;
  /** The replicas' bytes on the node now (the sum of its replica sizes). */
  readonly dataBefore: number;
  readonly dataAfter: number;
  /** The node leaves in this plan: its figures after are what it still holds when stopped (its disk is freed on cleanup). */
  readonly leaving?: boolean;
}

/** Fill as a percentage of the disk, to one decimal. */
export function fillPct(used: number, total: number): number {
  return total > 0 ? Math.round((used / total) * 1000) / 10 : 0;
}

/** Sizes per replica with fallbacks: the replica itself, else the same partition elsewhere, else the table's mean. */
export class SizeBook {
  private readonly exact = new Map<string, number>();
  private readonly partition = new Map<string, number>();
  private readonly tableSum = new Map<number, { bytes: number; n: number }>();
  private readonly disk = new Map<string, { total: number; avail: number; disks: number }>();
  private readonly data = new Map<string, number>();
  readonly unknownNodes: ReadonlySet<string>;
  /** Lookups that were not exact: the node asked for, per table. */
  readonly fellBack = new Set<string>();

  constructor(readonly d: ReplicaData) {
    for (const r of d.replicas) {
      this.exact.set(`${r.appId}.${r.partitionIndex} ${r.node}`, r.bytes);
      // A learner's partial copy is smaller than the primary's: the largest replica stands for the partition.
      const key = `${r.appId}.${r.partitionIndex}`;
      this.partition.set(key, Math.max(this.partition.get(key) ?? 0, r.bytes));
      this.data.set(r.node, (this.data.get(r.node) ?? 0) + r.bytes);
    }
    for (const [key, bytes] of this.partition) {
      const appId = Number(key.split('.')[0]);
      const e = this.tableSum.get(appId) ?? { bytes: 0, n: 0 };
      e.bytes += bytes;
      e.n++;
      this.tableSum.set(appId, e);
    }
    for (const k of d.disks) {
      const e = this.disk.get(k.node) ?? { total: 0, avail: 0, disks: 0 };
      e.total += k.totalBytes;
      e.avail += k.availBytes;
      // The per-directory list where the dialect has it (2.6); the node's total counts as one disk otherwise.
      e.disks += Math.max(1, k.disks?.length ?? 1);
      this.disk.set(k.node, e);
    }
    this.unknownNodes = new Set(d.unknown.map((u) => u.node));
  }

  /** Bytes of the replica of `appId.pidx` on `node`; undefined when no figure of that table is known at all. */
  size(appId: number, pidx: number, node: string): number | undefined {
    const e = this.exact.get(`${appId}.${pidx} ${node}`);
    if (e !== undefined) return e;
    const p = pidx >= 0 ? this.partition.get(`${appId}.${pidx}`) : undefined;
    if (p !== undefined) {
      if (pidx >= 0) this.fellBack.add(node);
      return p;
    }
    const t = this.tableSum.get(appId);
    if (pidx >= 0) this.fellBack.add(node);
    return t && t.n > 0 ? Math.round(t.bytes / t.n) : undefined;
  }

  /** True when `node` reported this replica itself. */
  has(appId: number, pidx: number, node: string): boolean {
    return this.exact.has(`${appId}.${pidx} ${node}`);
  }

  /** The node's disks summed; undefined when it did not report them. */
  diskOf(node: string): { total: number; avail: number; disks: number } | undefined {
    return this.disk.get(node);
  }

  dataOf(node: string): number {
    return this.data.get(node) ?? 0;
  }
}

/**
 * Projected fill of every node that reported its disks, once `moves` have landed: receivers gain
 * what they receive; a leaving node keeps its bytes until cleanup, so its "after" is unchanged
 * except for what moved off it, which the disk keeps too (files are removed later by the server's GC).
 */
export function projectFill(
  book: SizeBook,
  nodes: readonly string[],
  received: ReadonlyMap<string, number>,
  leaving: ReadonlySet<string>,
): NodeFill[] {
  const out: NodeFill[] = [];
  for (const node of nodes) {
    const k = book.diskOf(node);
    if (!k) continue;
    const used = k.total - k.avail;
    const got = received.get(node) ?? 0;
    const data = book.dataOf(node);
    out.push({
      node,
      totalBytes: k.total,
      usedBefore: used,
      usedAfter: used + got,
      dataBefore: data,
      dataAfter: leaving.has(node) ? data : data + got,
      ...(leaving.has(node) ? { leaving: true } : {}),
    });
  }
  return out;
}

/**
 * Bytes copied in by a set of nodes since a start, from their learning counters. A counter that
 * goes down belongs to a restarted process: what it had counted is kept and its new value added.
 * A volatile counter (2.5's `replicas.learning.recent.copy.file.size`, COUNTER_TYPE_VOLATILE_NUMBER
 * in v2.5.0 src/replica/replica_stub.cpp) restarts from 0 each time it is read: every reading after
 * the start is added whole.
 */
export class LearnMeter {
  private readonly last = new Map<string, number>();
  private readonly base: Map<string, number>;
  private carried = 0;

  constructor(
    at0: ReadonlyMap<string, number>,
    private readonly volatile = false,
  ) {
    for (const [n, v] of at0) this.last.set(n, v);
    this.base = new Map(at0);
  }

  /** Total copied since the start, given the counters now (a node missing now keeps its last delta). */
  update(now: ReadonlyMap<string, number>): number {
    if (this.volatile) {
      for (const v of now.values()) this.carried += Math.max(0, v);
      return this.carried;
    }
    for (const [n, v] of now) {
      const prev = this.last.get(n);
      if (prev === undefined) {
        // A node first seen after the start (added, or it answered late): counts from here.
        this.base.set(n, v);
      } else if (v < prev) {
        this.carried += prev - (this.base.get(n) ?? 0);
        this.base.set(n, 0);
      }
      this.last.set(n, v);
    }
    let sum = this.carried;
    for (const [n, v] of this.last) sum += Math.max(0, v - (this.base.get(n) ?? v));
    return sum;
  }
}

/** True when the answer's learning counters reset on each read (2.5 perf counters). */
export function learningIsVolatile(d: ReplicaData): boolean {
  return d.dialect === '2.5';
}

/** Bytes copied in per node (`learn_copy_file_bytes`) from a replica-data answer; undefined when no node reported them. */
export function learningOf(d: ReplicaData | undefined): Map<string, number> | undefined {
  if (!d || d.learning.length === 0) return undefined;
  return new Map(d.learning.map((l) => [l.node, l.copyFileBytes]));
}

/** The limit and warning level in force: the limit never above where the server stops taking data. */
export function fillLevels(o: { fillLimitPct: number; fillWarnPct: number; diskMinAvailableRatio: number }): {
  limit: number;
  warn: number;
} {
  const limit = Math.min(o.fillLimitPct, 100 - o.diskMinAvailableRatio);
  return { limit, warn: Math.min(o.fillWarnPct, limit) };
}

/** Staying nodes of a plan above the limit (refuse) and between warning level and limit (warn). */
export function headroom(disks: readonly NodeFill[], levels: { limit: number; warn: number }): { over: DiskFill[]; near: DiskFill[] } {
  const over: DiskFill[] = [];
  const near: DiskFill[] = [];
  for (const d of disks) {
    if (d.leaving || d.totalBytes <= 0) continue;
    const f: DiskFill = {
      node: d.node,
      usedAfter: d.usedAfter,
      totalBytes: d.totalBytes,
      pctAfter: fillPct(d.usedAfter, d.totalBytes),
      pctBefore: fillPct(d.usedBefore, d.totalBytes),
    };
    if ((d.usedAfter / d.totalBytes) * 100 > levels.limit) over.push(f);
    else if ((d.usedAfter / d.totalBytes) * 100 > levels.warn && d.usedAfter > d.usedBefore) near.push(f);
  }
  return { over, near };
}
