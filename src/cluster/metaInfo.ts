/**
 * The meta's own state from `cluster_info` (effective level, leader, balance counts) plus the
 * stored level from `control_meta(fl_invalid)`. The two levels differ when the meta auto-froze:
 * `cluster_info` prints the effective level, `get_meta_level` the stored one (upstream src/meta/meta_service.cpp).
 */
import type { ClusterInfoResponse } from '../pegasus/types';
import { META_LEVEL_VALUE, isMetaLevel, metaLevelName } from '../pegasus/types';

export interface BalanceOperationCount {
  readonly movePri: number;
  readonly copyPri: number;
  readonly copySec: number;
  /** -1 on master while the meta has not yet collected replica info from every node. */
  readonly total: number;
}

export interface MetaInfo {
  /** cluster_info keys and values in the meta's order. */
  readonly entries: readonly (readonly [string, string])[];
  readonly metaServers: readonly string[];
  /** primary_meta_server: the leader that answered. */
  readonly leader: string | undefined;
  /** meta_function_level from cluster_info, without `fl_` (e.g. 'freezed'). */
  readonly effectiveLevel: string | undefined;
  /** Stored level from control_meta, without `fl_` (e.g. 'lively'); undefined when not read. */
  readonly storedLevel: string | undefined;
  /** The meta froze itself: effective level is freezed while the stored level is above it. */
  readonly autoFrozen: boolean;
  readonly clusterName: string | undefined;
  readonly zookeeperHosts: string | undefined;
  readonly zookeeperRoot: string | undefined;
  readonly balanceOperationCount: BalanceOperationCount | undefined;
  readonly primaryReplicaCountStddev: number | undefined;
  readonly totalReplicaCountStddev: number | undefined;
}

/** Parses both `move_pri=1,copy_pri=2,copy_sec=3,total=6` (≤2.5) and master's JSON object. */
export function parseBalanceOperationCount(s: string | undefined): BalanceOperationCount | undefined {
  if (s === undefined) return undefined;
  const t = s.trim();
  let obj: Record<string, unknown> | undefined;
  if (t.startsWith('{')) {
    try {
      const j: unknown = JSON.parse(t);
      if (j && typeof j === 'object') obj = j as Record<string, unknown>;
    } catch {
      return undefined;
    }
  } else {
    obj = {};
    for (const part of t.split(',')) {
      const [k, v] = part.split('=');
      if (k && v !== undefined) obj[k.trim()] = v.trim();
    }
  }
  if (!obj) return undefined;
  const num = (k: string) => {
    const v = Number(obj![k]);
    return Number.isFinite(v) ? v : NaN;
  };
  const r = { movePri: num('move_pri'), copyPri: num('copy_pri'), copySec: num('copy_sec'), total: num('total') };
  return Object.values(r).some((v) => Number.isNaN(v)) ? undefined : r;
}

export function parseClusterInfo(ci: ClusterInfoResponse | undefined, storedLevel?: number): MetaInfo {
  const entries: [string, string][] = ci ? ci.keys.map((k, i) => [k, ci.values[i] ?? '']) : [];
  const get = (k: string) => entries.find((e) => e[0] === k)?.[1];
  const stored = storedLevel === undefined ? undefined : metaLevelName(storedLevel);
  const effective = get('meta_function_level');
  const num = (k: string) => {
    const v = get(k);
    return v === undefined || v.trim() === '' || Number.isNaN(Number(v)) ? undefined : Number(v);
  };
  return {
    entries,
    metaServers: (get('meta_servers') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    leader: get('primary_meta_server') || undefined,
    effectiveLevel: effective,
    storedLevel: stored,
    autoFrozen:
      effective === 'freezed' && stored !== undefined && isMetaLevel(stored) && META_LEVEL_VALUE[stored] > META_LEVEL_VALUE.freezed,
    clusterName: get('cluster_name'),
    zookeeperHosts: get('zookeeper_hosts'),
    zookeeperRoot: get('zookeeper_root'),
    balanceOperationCount: parseBalanceOperationCount(get('balance_operation_count')),
    primaryReplicaCountStddev: num('primary_replica_count_stddev'),
    totalReplicaCountStddev: num('total_replica_count_stddev'),
  };
}
