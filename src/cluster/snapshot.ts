/**
 * The cluster model, built once per refresh from the meta's answers: nodes with their replica,
 * primary and secondary counts, tables with the shell's health counters, per-partition health,
 * and the meta's state (leader, stored vs effective level, freeze margin).
 *
 * Built for 1,000 nodes / 100 tables / 100,000 partitions: the decoded partition configurations
 * are kept as they are (no copies), per-partition health is one byte in a Uint8Array, per-node
 * counts live in Int32Arrays filled while each table arrives, and per-node replica lists are
 * grouped lazily on the first request (one counting-sort pass over all partitions).
 */
import type { AppInfo, ClusterInfoResponse, NodeInfo, PartitionConfiguration, QueryCfgResponse } from '../pegasus/types';
import { AppStatus, NodeStatus } from '../pegasus/types';
import { isIpPort } from './address';
import { freezeState, type FreezeState } from './freeze';
import { addHealth, emptyHealthCounts, partitionHealth, partitionHealthNames, type HealthCounts, type PartitionHealthCode } from './health';
import { parseClusterInfo, type MetaInfo } from './metaInfo';

export type NodeState = 'ALIVE' | 'UNALIVE' | 'UNKNOWN';

export interface NodeModel {
  readonly index: number;
  /** The identity the shell prints: host:port on 2.6/master, ip:port before. */
  readonly address: string;
  /** ip:port ('' when only a host name is known). */
  readonly ip: string;
  /** host:port on 2.6/master. */
  readonly hostPort: string | undefined;
  /** ALIVE / UNALIVE from list_nodes; UNKNOWN for an address that only partition configs mention. */
  readonly status: NodeState;
  readonly replicaCount: number;
  readonly primaryCount: number;
  readonly secondaryCount: number;
  /** In the meta's secondary black list (`meta.lb.assign_secondary_black_list`), when it was read. */
  readonly blackListed: boolean;
}

export interface TableModel {
  readonly index: number;
  readonly appId: number;
  readonly name: string;
  readonly info: AppInfo;
  /** AS_AVAILABLE → 'AVAILABLE', … */
  readonly status: string;
  readonly partitionCount: number;
  readonly maxReplicaCount: number;
  /** The partition configurations (AVAILABLE tables once fetched); undefined otherwise. */
  readonly partitions: readonly PartitionConfiguration[] | undefined;
  /** Health counters; undefined while the partitions are unknown. */
  readonly health: HealthCounts | undefined;
  /** Why the partitions are missing (query error name and text). */
  readonly error: string | undefined;
}

export interface ReplicaRef {
  readonly table: string;
  readonly appId: number;
  readonly partitionIndex: number;
  readonly role: 'primary' | 'secondary';
  readonly ballot: number;
}

/** One partition of a snapshot, with its health by the shell's rule. */
export interface PartitionModel {
  readonly appId: number;
  readonly partitionIndex: number;
  readonly ballot: number;
  readonly maxReplicaCount: number;
  /** Display addresses (as NodeModel.address); '' when no primary. */
  readonly primary: string;
  readonly secondaries: readonly string[];
  readonly replicaCount: number;
  readonly health: (typeof partitionHealthNames)[number];
}

export interface FreezeModel extends FreezeState {
  /** Inputs that were not read from the cluster but assumed (e.g. 'minLive=3 (default)'). */
  readonly assumed: readonly string[];
}

/** Defaults of [meta_server] when the cluster's value cannot be read over RPC. */
export const DEFAULT_LIVE_PERCENTAGE = 65;
export const DEFAULT_MIN_LIVE_NODES = 3;

const appStatusNames = Object.entries(AppStatus).reduce<Record<number, string>>((acc, [k, v]) => {
  acc[v] = k.slice(3);
  return acc;
}, {});

export function appStatusName(status: number): string {
  return appStatusNames[status] ?? String(status);
}

/** Node indices of one table's replicas: partition p's are `slots[offsets[p] .. offsets[p+1])`, primary first (-1 = none). */
interface ReplicaSlots {
  readonly offsets: Int32Array;
  readonly slots: Int32Array;
}

export interface SnapshotExtras {
  /** Stored level read with control_meta(fl_invalid). */
  storedLevel?: number;
  /** meta.live_percentage read from the leader. */
  livePercentage?: number;
  /** min_live_node_count_for_unfreeze when known. */
  minLiveNodeCount?: number;
  /** The secondary black list, when read. */
  blackList?: readonly string[];
}

/**
 * Accumulates RPC answers as they arrive (nodes, apps, then tables in any order) so building
 * overlaps with fetching; `finish()` returns the immutable snapshot.
 */
export class SnapshotBuilder {
  private nodeKeys: string[] = [];
  private nodeIps: string[] = [];
  private nodeHps: (string | undefined)[] = [];
  private nodeStatus: NodeState[] = [];
  private byAddr = new Map<string, number>();
  private primaries = new Int32Array(64);
  private secondaries = new Int32Array(64);
  private apps: AppInfo[] = [];
  private partitions: (PartitionConfiguration[] | undefined)[] = [];
  private healthBytes: (Uint8Array | undefined)[] = [];
  private replicaSlots: (ReplicaSlots | undefined)[] = [];
  private healthCounts: (HealthCounts | undefined)[] = [];
  private errors: (string | undefined)[] = [];
  private appIndexByName = new Map<string, number>();
  private clusterInfo: ClusterInfoResponse | undefined;
  private extras: SnapshotExtras = {};
  readonly startedAt = Date.now();

  setNodes(nodes: readonly NodeInfo[]): void {
    for (const n of nodes) {
      const key = n.hpAddress || n.address;
      const status: NodeState = n.status === NodeStatus.NS_ALIVE ? 'ALIVE' : n.status === NodeStatus.NS_UNALIVE ? 'UNALIVE' : 'UNKNOWN';
      const existing = this.byAddr.get(key) ?? (n.address ? this.byAddr.get(n.address) : undefined);
      if (existing !== undefined) {
        // The same node twice (alive and dead sets overlap for a moment): ALIVE wins.
        if (status === 'ALIVE') this.nodeStatus[existing] = status;
        continue;
      }
      this.addNode(key, n.address, n.hpAddress || undefined, status);
    }
  }

  private addNode(key: string, ip: string, hp: string | undefined, status: NodeState): number {
    const i = this.nodeKeys.length;
    this.nodeKeys.push(key);
    this.nodeIps.push(ip);
    this.nodeHps.push(hp);
    this.nodeStatus.push(status);
    this.byAddr.set(key, i);
    if (ip) this.byAddr.set(ip, i);
    if (hp) this.byAddr.set(hp, i);
    if (i >= this.primaries.length) {
      const p = new Int32Array(this.primaries.length * 2);
      p.set(this.primaries);
      this.primaries = p;
      const s = new Int32Array(this.secondaries.length * 2);
      s.set(this.secondaries);
      this.secondaries = s;
    }
    return i;
  }

  /** Index of the node with this ip:port or host:port, adding an UNKNOWN node when unlisted. */
  private nodeOf(addr: string, hp: string | undefined): number {
    const i = this.byAddr.get(addr);
    if (i !== undefined) return i;
    if (hp) {
      const j = this.byAddr.get(hp);
      if (j !== undefined) {
        this.byAddr.set(addr, j);
        return j;
      }
    }
    const ip = isIpPort(addr) ? addr : '';
    return this.addNode(hp || addr, ip, hp || (ip ? undefined : addr), 'UNKNOWN');
  }

  setApps(apps: readonly AppInfo[]): void {
    this.apps = [...apps].sort((a, b) => a.appId - b.appId);
    this.appIndexByName.clear();
    this.apps.forEach((a, i) => this.appIndexByName.set(a.appName, i));
    this.partitions = new Array(this.apps.length).fill(undefined);
    this.healthBytes = new Array(this.apps.length).fill(undefined);
    this.replicaSlots = new Array(this.apps.length).fill(undefined);
    this.healthCounts = new Array(this.apps.length).fill(undefined);
    this.errors = new Array(this.apps.length).fill(undefined);
  }

  /** Tables whose partitions should be fetched (AVAILABLE only, as the shell does). */
  tablesToFetch(): string[] {
    return this.apps.filter((a) => a.status === AppStatus.AS_AVAILABLE).map((a) => a.appName);
  }

  /** Adds one table's query_cfg answer: counts every replica and classifies every partition. */
  addTable(appName: string, resp: QueryCfgResponse): void {
    const t = this.appIndexByName.get(appName);
    if (t === undefined) return;
    const parts = resp.partitions;
    const health = new Uint8Array(parts.length);
    const counts = emptyHealthCounts();
    // Node index of every replica, resolved once here: slot 0 of a partition is its primary (-1
    // when none), the rest its secondaries. Later questions (replicasOf, partition views,
    // per-table spread) read these instead of looking addresses up again.
    let total = parts.length;
    for (let p = 0; p < parts.length; p++) {
      const pc = parts[p]!;
      total += pc.secondaries.length || (pc.hpSecondaries?.length ?? 0);
    }
    const offsets = new Int32Array(parts.length + 1);
    const slots = new Int32Array(total);
    let at = 0;
    for (let p = 0; p < parts.length; p++) {
      const pc = parts[p]!;
      offsets[p] = at;
      const pk = pc.primary || pc.hpPrimary || '';
      if (pk) {
        // nodeOf may grow the count arrays, so index them only after it returns.
        const ni = this.nodeOf(pk, pc.hpPrimary);
        this.primaries[ni]!++;
        slots[at++] = ni;
      } else slots[at++] = -1;
      const secs = pc.secondaries.length ? pc.secondaries : (pc.hpSecondaries ?? pc.secondaries);
      const hps = pc.hpSecondaries;
      for (let k = 0; k < secs.length; k++) {
        const ni = this.nodeOf(secs[k]!, hps?.[k]);
        this.secondaries[ni]!++;
        slots[at++] = ni;
      }
      const h = partitionHealth(pk !== '', secs.length, pc.maxReplicaCount);
      health[p] = h;
      addHealth(counts, h);
    }
    offsets[parts.length] = at;
    this.partitions[t] = parts;
    this.healthBytes[t] = health;
    this.replicaSlots[t] = { offsets, slots };
    this.healthCounts[t] = counts;
    this.errors[t] = undefined;
  }

  /** Records why a table's partitions could not be read. */
  tableFailed(appName: string, reason: string): void {
    const t = this.appIndexByName.get(appName);
    if (t !== undefined) this.errors[t] = reason;
  }

  setClusterInfo(ci: ClusterInfoResponse): void {
    this.clusterInfo = ci;
  }

  setExtras(e: SnapshotExtras): void {
    this.extras = { ...this.extras, ...e };
  }

  /** The snapshot as it stands; `complete` says whether every table's partitions are in. */
  finish(complete = true): ClusterSnapshot {
    const n = this.nodeKeys.length;
    const black = new Set(this.extras.blackList ?? []);
    const nodes: NodeModel[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const ip = this.nodeIps[i]!;
      const hp = this.nodeHps[i];
      const p = this.primaries[i]!;
      const s = this.secondaries[i]!;
      nodes[i] = {
        index: i,
        address: this.nodeKeys[i]!,
        ip,
        hostPort: hp,
        status: this.nodeStatus[i]!,
        replicaCount: p + s,
        primaryCount: p,
        secondaryCount: s,
        blackListed: black.has(this.nodeKeys[i]!) || (ip !== '' && black.has(ip)) || (hp !== undefined && black.has(hp)),
      };
    }
    const tables: TableModel[] = this.apps.map((a, i) => ({
      index: i,
      appId: a.appId,
      name: a.appName,
      info: a,
      status: appStatusName(a.status),
      partitionCount: a.partitionCount,
      maxReplicaCount: a.maxReplicaCount,
      partitions: this.partitions[i],
      health: this.healthCounts[i],
      error: this.errors[i],
    }));
    return new ClusterSnapshot(
      nodes,
      tables,
      this.healthBytes.slice(),
      this.replicaSlots.slice(),
      new Map(this.byAddr),
      this.clusterInfo,
      this.extras,
      complete,
      Date.now(),
    );
  }
}

/**
 * Everything one fetch read from a cluster (nodes, tables, partitions, meta info, freeze), indexed
 * for the shell commands, the explorer and completion; read-only once built, so one cached copy serves all.
 */
export class ClusterSnapshot {
  readonly meta: MetaInfo;
  readonly freeze: FreezeModel;
  private readonly tableByName = new Map<string, TableModel>();
  private readonly tablesById = new Map<number, TableModel>();
  private replicaIndex: { start: Int32Array; table: Int32Array; pidx: Int32Array; role: Uint8Array } | undefined;

  constructor(
    readonly nodes: readonly NodeModel[],
    readonly tables: readonly TableModel[],
    private readonly healthBytes: readonly (Uint8Array | undefined)[],
    private readonly replicaSlots: readonly (ReplicaSlots | undefined)[],
    private readonly byAddr: ReadonlyMap<string, number>,
    readonly clusterInfo: ClusterInfoResponse | undefined,
    readonly extras: SnapshotExtras,
    /** False for the first-paint snapshot (nodes and tables only, partitions still arriving). */
    readonly complete: boolean,
    readonly fetchedAt: number,
  ) {
    for (const t of tables) {
      this.tableByName.set(t.name, t);
      this.tablesById.set(t.appId, t);
    }
    this.meta = parseClusterInfo(clusterInfo, extras.storedLevel);
    let alive = 0;
    let dead = 0;
    for (const nd of nodes) {
      if (nd.status === 'ALIVE') alive++;
      else if (nd.status === 'UNALIVE') dead++;
    }
    const assumed: string[] = [];
    const pct = extras.livePercentage ?? DEFAULT_LIVE_PERCENTAGE;
    if (extras.livePercentage === undefined) assumed.push(`pct=${DEFAULT_LIVE_PERCENTAGE} (default; meta.live_percentage not read)`);
    const minLive = extras.minLiveNodeCount ?? DEFAULT_MIN_LIVE_NODES;
    if (extras.minLiveNodeCount === undefined) assumed.push(`min_live_node_count_for_unfreeze=${DEFAULT_MIN_LIVE_NODES} (default)`);
    const inputs = { alive, dead, pct, minLive };
    this.freeze = { ...freezeState(inputs), assumed };
  }

  table(name: string): TableModel | undefined {
    return this.tableByName.get(name);
  }

  tableById(appId: number): TableModel | undefined {
    return this.tablesById.get(appId);
  }

  /** The node with this address (host:port or ip:port). */
  node(address: string): NodeModel | undefined {
    const i = this.byAddr.get(address);
    return i === undefined ? undefined : this.nodes[i];
  }

  /** Display address of a partition's primary/secondary entry. */
  displayAddress(addr: string, hp?: string): string {
    const i = this.byAddr.get(addr) ?? (hp ? this.byAddr.get(hp) : undefined);
    return i === undefined ? hp || addr : this.nodes[i]!.address;
  }

  partitionHealthCode(table: TableModel, pidx: number): PartitionHealthCode | undefined {
    return this.healthBytes[table.index]?.[pidx] as PartitionHealthCode | undefined;
  }

  partition(table: TableModel, pidx: number): PartitionModel | undefined {
    const pc = table.partitions?.[pidx];
    const rs = this.replicaSlots[table.index];
    if (!pc || !rs) return undefined;
    const from = rs.offsets[pidx]!;
    const to = rs.offsets[pidx + 1]!;
    const primary = rs.slots[from]!;
    const secondaries: string[] = [];
    for (let k = from + 1; k < to; k++) secondaries.push(this.nodes[rs.slots[k]!]!.address);
    return {
      appId: table.appId,
      partitionIndex: pc.pid.partitionIndex,
      ballot: pc.ballot,
      maxReplicaCount: pc.maxReplicaCount,
      primary: primary >= 0 ? this.nodes[primary]!.address : '',
      secondaries,
      replicaCount: to - from - (primary >= 0 ? 0 : 1),
      health: partitionHealthNames[this.healthBytes[table.index]![pidx]!]!,
    };
  }

  /** Partitions of a table that are not fully healthy. */
  unhealthyPartitions(table: TableModel): PartitionModel[] {
    const hb = this.healthBytes[table.index];
    const out: PartitionModel[] = [];
    if (!hb) return out;
    for (let p = 0; p < hb.length; p++) if (hb[p] !== 0) out.push(this.partition(table, p)!);
    return out;
  }

  /** The whole cluster's counters (sum over tables with known partitions). */
  totalHealth(): HealthCounts {
    const c = emptyHealthCounts();
    for (const t of this.tables) {
      if (!t.health) continue;
      c.partitionCount += t.health.partitionCount;
      c.fullyHealthy += t.health.fullyHealthy;
      c.unhealthy += t.health.unhealthy;
      c.writeUnhealthy += t.health.writeUnhealthy;
      c.readUnhealthy += t.health.readUnhealthy;
    }
    return c;
  }

  /** Builds the node → replicas index in one pass, the first time a node's replicas are asked for. */
  private buildReplicaIndex(): NonNullable<ClusterSnapshot['replicaIndex']> {
    const n = this.nodes.length;
    const start = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) start[i + 1] = start[i]! + this.nodes[i]!.replicaCount;
    const total = start[n]!;
    const table = new Int32Array(total);
    const pidx = new Int32Array(total);
    const role = new Uint8Array(total);
    const fill = start.slice(0, n);
    for (const t of this.tables) {
      const rs = this.replicaSlots[t.index];
      if (!rs) continue;
      const parts = rs.offsets.length - 1;
      for (let p = 0; p < parts; p++) {
        for (let k = rs.offsets[p]!, first = k; k < rs.offsets[p + 1]!; k++) {
          const node = rs.slots[k]!;
          if (node < 0) continue;
          const at = fill[node]!++;
          table[at] = t.index;
          pidx[at] = p;
          role[at] = k === first ? 0 : 1;
        }
      }
    }
    this.replicaIndex = { start, table, pidx, role };
    return this.replicaIndex;
  }

  /** Every replica a node hosts (table, partition, role, ballot), ordered by table then partition. */
  replicasOf(node: NodeModel | number): ReplicaRef[] {
    const i = typeof node === 'number' ? node : node.index;
    const idx = this.replicaIndex ?? this.buildReplicaIndex();
    const out: ReplicaRef[] = [];
    for (let k = idx.start[i]!; k < idx.start[i + 1]!; k++) {
      const t = this.tables[idx.table[k]!]!;
      const p = idx.pidx[k]!;
      out.push({
        table: t.name,
        appId: t.appId,
        partitionIndex: p,
        role: idx.role[k] === 0 ? 'primary' : 'secondary',
        ballot: t.partitions![p]!.ballot,
      });
    }
    return out;
  }

  /** Per node primary/secondary counts within one table, as `app -d` prints them. */
  tableDistribution(table: TableModel): { node: NodeModel; primary: number; secondary: number }[] {
    const prim = new Int32Array(this.nodes.length);
    const sec = new Int32Array(this.nodes.length);
    const rs = this.replicaSlots[table.index];
    if (rs) {
      for (let p = 0; p < rs.offsets.length - 1; p++) {
        const first = rs.offsets[p]!;
        if (rs.slots[first]! >= 0) prim[rs.slots[first]!]!++;
        for (let k = first + 1; k < rs.offsets[p + 1]!; k++) sec[rs.slots[k]!]!++;
      }
    }
    const out: { node: NodeModel; primary: number; secondary: number }[] = [];
    for (const nd of this.nodes)
      if (prim[nd.index]! + sec[nd.index]! > 0) out.push({ node: nd, primary: prim[nd.index]!, secondary: sec[nd.index]! });
    return out;
  }

  aliveNodes(): NodeModel[] {
    return this.nodes.filter((n) => n.status === 'ALIVE');
  }
}

/** Builds a snapshot in one go from answers already at hand (tests, simulators, replays). */
export function buildSnapshot(input: {
  nodes: readonly NodeInfo[];
  apps: readonly AppInfo[];
  configs: ReadonlyMap<string, QueryCfgResponse | Error> | Record<string, QueryCfgResponse>;
  clusterInfo?: ClusterInfoResponse;
  extras?: SnapshotExtras;
}): ClusterSnapshot {
  const b = new SnapshotBuilder();
  b.setNodes(input.nodes);
  b.setApps(input.apps);
  const entries = input.configs instanceof Map ? [...input.configs] : Object.entries(input.configs);
  for (const [name, r] of entries) {
    if (r instanceof Error) b.tableFailed(name, r.message);
    else b.addTable(name, r);
  }
  if (input.clusterInfo) b.setClusterInfo(input.clusterInfo);
  if (input.extras) b.setExtras(input.extras);
  return b.finish(true);
}
