/**
 * Views derived purely from the partition configuration (as the shell's `nodes -d` and `ls -d`
 * do): per-node role counts, partition health, the replicas a node hosts.
 */
import { partitionHealth, partitionHealthNames, type PartitionHealthName } from '../cluster/health';
import type { ClusterState } from './ports';

export interface NodeLoad {
  readonly address: string;
  readonly alive: boolean;
  primaries: number;
  secondaries: number;
  replicas: number;
}

export function nodeLoads(state: ClusterState): Map<string, NodeLoad> {
  const m = new Map<string, NodeLoad>();
  for (const n of state.nodes) m.set(n.address, { address: n.address, alive: n.alive, primaries: 0, secondaries: 0, replicas: 0 });
  const get = (a: string): NodeLoad => {
    let l = m.get(a);
    // A node referenced by a partition but not listed: count it anyway (shown as not alive).
    if (!l) m.set(a, (l = { address: a, alive: false, primaries: 0, secondaries: 0, replicas: 0 }));
    return l;
  };
  for (const t of state.tables) {
    for (const p of t.partitions) {
      if (p.primary) {
        const l = get(p.primary);
        l.primaries++;
        l.replicas++;
      }
      for (const s of p.secondaries) {
        const l = get(s);
        l.secondaries++;
        l.replicas++;
      }
    }
  }
  return m;
}

export interface UnhealthyPartition {
  readonly gpid: string;
  readonly table: string;
  /** Never 'healthy' here. */
  readonly health: PartitionHealthName;
  readonly ballot: number;
  readonly primary: string | null;
  readonly secondaries: readonly string[];
  readonly maxReplicaCount: number;
}

export function unhealthyPartitions(state: ClusterState): UnhealthyPartition[] {
  const out: UnhealthyPartition[] = [];
  for (const t of state.tables) {
    for (const p of t.partitions) {
      const h = partitionHealthNames[partitionHealth(!!p.primary, p.secondaries.length, t.maxReplicaCount)];
      if (h !== 'healthy') {
        out.push({
          gpid: `${t.appId}.${p.pidx}`,
          table: t.name,
          health: h,
          ballot: p.ballot,
          primary: p.primary,
          secondaries: p.secondaries,
          maxReplicaCount: t.maxReplicaCount,
        });
      }
    }
  }
  return out;
}

export function partitionsWithoutPrimary(state: ClusterState): number {
  let n = 0;
  for (const t of state.tables) for (const p of t.partitions) if (!p.primary) n++;
  return n;
}

export interface HostedReplica {
  readonly appId: number;
  readonly table: string;
  readonly pidx: number;
  readonly role: 'primary' | 'secondary';
}

export function replicasOn(state: ClusterState, node: string): HostedReplica[] {
  const out: HostedReplica[] = [];
  for (const t of state.tables) {
    for (const p of t.partitions) {
      if (p.primary === node) out.push({ appId: t.appId, table: t.name, pidx: p.pidx, role: 'primary' });
      else if (p.secondaries.includes(node)) out.push({ appId: t.appId, table: t.name, pidx: p.pidx, role: 'secondary' });
    }
  }
  return out;
}

/** The replicas of `node` that are the only alive member of their partition: stopping it leaves those partitions with none. */
export function lastReplicasOn(state: ClusterState, node: string): HostedReplica[] {
  const alive = new Set(state.nodes.filter((n) => n.alive).map((n) => n.address));
  return replicasOn(state, node).filter((h) => {
    const p = state.tables.find((t) => t.appId === h.appId)!.partitions.find((x) => x.pidx === h.pidx)!;
    return ![p.primary, ...p.secondaries].some((m) => m && m !== node && alive.has(m));
  });
}

export function aliveDead(state: ClusterState): { alive: number; dead: number } {
  let alive = 0;
  let dead = 0;
  for (const n of state.nodes) {
    if (n.alive) alive++;
    else dead++;
  }
  return { alive, dead };
}

/** A fingerprint of every partition's ballot: equal fingerprints mean nothing changed in between. */
export function ballotFingerprint(state: ClusterState): string {
  let h = 0;
  for (const t of state.tables) for (const p of t.partitions) h = (h * 31 + p.ballot * 7 + p.pidx + t.appId * 1009) | 0;
  return `${state.tables.length}:${h}`;
}

/** Per table: is the distribution what the greedy balancer stops at (primaries within [floor, ceil] of P/N, replicas within ±1)? */
export function balanceReport(state: ClusterState): {
  balanced: boolean;
  tables: {
    table: string;
    primarySpread: [number, number];
    replicaSpread: [number, number];
    bounds: [number, number];
    balanced: boolean;
  }[];
} {
  const alive = state.nodes.filter((n) => n.alive).map((n) => n.address);
  const tables = state.tables.map((t) => {
    const pri = new Map<string, number>(alive.map((a) => [a, 0]));
    const rep = new Map<string, number>(alive.map((a) => [a, 0]));
    for (const p of t.partitions) {
      if (p.primary && pri.has(p.primary)) pri.set(p.primary, pri.get(p.primary)! + 1);
      for (const a of [p.primary, ...p.secondaries]) if (a && rep.has(a)) rep.set(a, rep.get(a)! + 1);
    }
    const P = t.partitions.length;
    const N = Math.max(1, alive.length);
    const low = Math.floor(P / N);
    const high = Math.ceil(P / N);
    const pv = [...pri.values()];
    const rv = [...rep.values()];
    const pmin = pv.length ? Math.min(...pv) : 0;
    const pmax = pv.length ? Math.max(...pv) : 0;
    const rmin = rv.length ? Math.min(...rv) : 0;
    const rmax = rv.length ? Math.max(...rv) : 0;
    const balanced = pmin >= low && pmax <= high && rmax - rmin <= 1;
    return {
      table: t.name,
      primarySpread: [pmin, pmax] as [number, number],
      replicaSpread: [rmin, rmax] as [number, number],
      bounds: [low, high] as [number, number],
      balanced,
    };
  });
  return { balanced: tables.every((t) => t.balanced), tables };
}
