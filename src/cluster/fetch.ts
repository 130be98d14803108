/**
 * One refresh of the cluster model: list_nodes, list_apps and cluster_info at once, then every
 * AVAILABLE table's partition configs with bounded concurrency, each folded into the model as it
 * arrives. A first-paint callback gets the top level (nodes and tables) before the partitions.
 */
import type { CallOptions, MetaClientLike } from './client';
import { MetaFunctionLevel } from '../pegasus/types';
import { readMinLiveNodeCount } from './metaHttp';
import { SnapshotBuilder, type ClusterSnapshot, type SnapshotExtras } from './snapshot';

export interface FetchSnapshotOptions {
  signal?: AbortSignal;
  /** Partition-config queries in flight at once (default 8). */
  concurrency?: number;
  timeoutMs?: number;
  /** Called once with nodes and tables (no partitions yet: `complete` is false). */
  onTopLevel?: (partial: ClusterSnapshot) => void;
  /**
   * Also read the stored level, `meta.live_percentage` and the secondary black list from the
   * leader (default true). Failures there are tolerated: the model says what it assumed.
   */
  extras?: boolean;
  /** min_live_node_count_for_unfreeze when known from the cluster's config (wins over the HTTP read). */
  minLiveNodeCount?: number;
  /** Read min_live_node_count_for_unfreeze from the leader's HTTP `/config` (2.2+) with the extras (default true). */
  http?: boolean;
}

/** The value a remote command printed, in either dialect: `65` (≤2.5) or `{"error":"ok","key":"65"}` (master). */
export function remoteCommandValue(raw: string, key: string): string | undefined {
  const t = raw.replace(/\0+$/, '').trim();
  if (t.startsWith('{')) {
    try {
      const j = JSON.parse(t) as Record<string, unknown>;
      const v = j[key];
      return v === undefined || v === null ? undefined : String(v);
    } catch {
      return undefined;
    }
  }
  if (/^(ERR|unknown command|invalid)/i.test(t)) return undefined;
  return t;
}

/** The secondary black list from `meta.lb.assign_secondary_black_list` in either dialect. */
export function parseBlackList(raw: string): string[] | undefined {
  const t = raw.trim();
  let list: string | undefined;
  if (t.startsWith('{')) list = remoteCommandValue(t, 'assign_secondary_black_list');
  else if (t.startsWith('get ok:')) list = t.slice('get ok:'.length);
  if (list === undefined) return undefined;
  return list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Runs `fn` over `items` with at most `limit` in flight; rejects on the first failure of `fn`. */
async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    // After one failure the others finish what they hold but start nothing new.
    while (!failed && next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

async function readExtras(client: MetaClientLike, opts: CallOptions, http: boolean): Promise<SnapshotExtras> {
  const out: SnapshotExtras = {};
  // control_meta is leader-checked, so once it answers `client.leader` names the leader, whose
  // HTTP server holds the min-live value that counts.
  const levelP = client.controlMeta(MetaFunctionLevel.fl_invalid, opts);
  const minLiveP = http
    ? levelP.then(
        () =>
          readMinLiveNodeCount(client.leader ?? client.metaServers[0] ?? '', {
            ...(opts.signal ? { signal: opts.signal } : {}),
            timeoutMs: Math.min(opts.timeoutMs ?? 3000, 3000),
          }),
        () => undefined,
      )
    : Promise.resolve(undefined);
  const [level, pct, black, minLive] = await Promise.allSettled([
    levelP,
    client.remoteCommand('meta.live_percentage', [], opts),
    client.remoteCommand('meta.lb.assign_secondary_black_list', [], opts),
    minLiveP,
  ]);
  if (level.status === 'fulfilled') out.storedLevel = level.value;
  if (minLive.status === 'fulfilled' && minLive.value !== undefined) out.minLiveNodeCount = minLive.value;
  if (pct.status === 'fulfilled' && pct.value.ok) {
    const v = Number(
      pct.value.fields?.['meta.live_percentage'] ?? pct.value.value ?? remoteCommandValue(pct.value.raw, 'meta.live_percentage'),
    );
    if (Number.isInteger(v) && v >= 0) out.livePercentage = v;
  }
  if (black.status === 'fulfilled' && black.value.ok) {
    const l = parseBlackList(black.value.raw);
    if (l) out.blackList = l;
  }
  return out;
}

export async function fetchSnapshot(client: MetaClientLike, opts: FetchSnapshotOptions = {}): Promise<ClusterSnapshot> {
  const call: CallOptions = {};
  if (opts.signal) call.signal = opts.signal;
  if (opts.timeoutMs !== undefined) call.timeoutMs = opts.timeoutMs;
  const b = new SnapshotBuilder();
  const extrasP =
    opts.extras === false
      ? Promise.resolve<SnapshotExtras>({})
      : readExtras(client, call, opts.http !== false && opts.minLiveNodeCount === undefined);
  const infoP = client.clusterInfo(call);
  // Unhandled-rejection guard: these are awaited below, possibly after another await threw.
  infoP.catch(() => undefined);
  extrasP.catch(() => undefined);
  const [nodes, apps] = await Promise.all([client.listNodes(call), client.listApps(call)]);
  b.setNodes(nodes);
  b.setApps(apps);
  if (opts.minLiveNodeCount !== undefined) b.setExtras({ minLiveNodeCount: opts.minLiveNodeCount });
  if (opts.onTopLevel) {
    // The first paint does not wait for cluster_info; it is usually in by now anyway.
    opts.onTopLevel(b.finish(false));
  }
  await pool(b.tablesToFetch(), opts.concurrency ?? 8, async (name) => {
    opts.signal?.throwIfAborted();
    try {
      b.addTable(name, await client.queryPartitionConfig(name, call));
    } catch (e) {
      if (opts.signal?.aborted) throw e;
      // A table dropped or re-created between list_apps and query_cfg: keep the rest of the model.
      const code = (e as { code?: unknown }).code;
      if (typeof code === 'string' && /^ERR_(OBJECT_NOT_FOUND|BUSY_CREATING|BUSY_DROPPING|APP_NOT_EXIST)$/.test(code)) {
        b.tableFailed(name, `${code}: ${(e as Error).message}`);
      } else throw e;
    }
  });
  b.setClusterInfo(await infoP);
  b.setExtras(await extrasP);
  // A value the caller knows from the cluster's config wins over what was read.
  if (opts.minLiveNodeCount !== undefined) b.setExtras({ minLiveNodeCount: opts.minLiveNodeCount });
  return b.finish(true);
}
