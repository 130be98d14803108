/**
 * The explorer's tree over the cluster snapshots: which elements exist, their children (computed
 * lazily, only when VS Code asks for an expanded item), their parents (for reveal) and how each
 * one is presented. Pure (no `vscode` import): tree.ts adapts it to a TreeDataProvider.
 *
 * Elements are small descriptors (cluster name + address / table / partition index); they are
 * resolved against the cluster's current snapshot whenever VS Code asks, so a refresh only swaps
 * the snapshot and fires a change event — nothing else is rebuilt.
 */
import type { ClusterSnapshot, NodeModel, TableModel } from '../../cluster/snapshot';
import { PartitionHealth, partitionHealthNames, replicaRatio, type PartitionHealthCode } from '../../cluster/health';
import * as P from './presentation';
import { dataBytesByNode, dataBytesByTable, type NodeDisk, type ReplicaData, type UnknownNode } from '../../cluster/replicaData';

export type Element =
  | { readonly kind: 'cluster'; readonly cluster: string }
  | {
      readonly kind: 'message';
      readonly cluster: string | undefined;
      readonly key: string;
      readonly label: string;
      readonly description?: string;
      readonly tooltip?: string;
      readonly severity: 'error' | 'warning' | 'info';
    }
  | { readonly kind: 'meta'; readonly cluster: string }
  | { readonly kind: 'metaServer'; readonly cluster: string; readonly address: string }
  | { readonly kind: 'metaFact'; readonly cluster: string; readonly key: 'level' | 'margin' | 'balance' }
  | { readonly kind: 'nodes'; readonly cluster: string }
  | { readonly kind: 'node'; readonly cluster: string; readonly address: string }
  | { readonly kind: 'replica'; readonly cluster: string; readonly address: string; readonly table: string; readonly pidx: number }
  | { readonly kind: 'tables'; readonly cluster: string }
  | { readonly kind: 'table'; readonly cluster: string; readonly table: string }
  | { readonly kind: 'healthGroup'; readonly cluster: string; readonly table: string; readonly health: PartitionHealthCode }
  | { readonly kind: 'partition'; readonly cluster: string; readonly table: string; readonly pidx: number };

/** One configured cluster as the explorer sees it right now. */
export interface ClusterViewState extends P.ClusterIdentity {
  readonly active: boolean;
  readonly status: P.ClusterStatus;
  /** The last snapshot (complete, or the first-paint one while nothing complete exists yet). */
  readonly snapshot: ClusterSnapshot | undefined;
  readonly lastDurationMs?: number;
  /** Nodes a running scale-in or migration is draining (told by the runbook/engine). */
  readonly leaving: ReadonlySet<string>;
  /** What the replica servers reported for this snapshot; absent: not read (no sizes shown). */
  readonly replicaData?: ReplicaData;
  /** Disk fill (percent used) from which a node is flagged; default 85. */
  readonly diskFillLimitPct?: number;
}

export const DEFAULT_DISK_FILL_LIMIT_PCT = 85;

interface SizeIndex {
  readonly dataBytes: Map<string, number>;
  readonly disks: Map<string, NodeDisk>;
  readonly unknown: Map<string, UnknownNode>;
  readonly answered: Map<string, true>;
  readonly tableBytes: Map<number, number>;
}

const sizeIndexes = new WeakMap<ReplicaData, SizeIndex>();

/** Per-node lookups over one reading, built once (the tree asks for every node on every repaint). */
function sizeIndex(d: ReplicaData): SizeIndex {
  let ix = sizeIndexes.get(d);
  if (!ix) {
    ix = {
      dataBytes: new Map([...dataBytesByNode(d)].map(([k, v]) => [k, v.bytes])),
      disks: new Map(d.disks.map((x) => [x.node, x])),
      unknown: new Map(d.unknown.map((u) => [u.node, u])),
      answered: new Map(d.answered.map((a) => [a, true])),
      tableBytes: dataBytesByTable(d),
    };
    sizeIndexes.set(d, ix);
  }
  return ix;
}

/** The reader keys nodes by the address it used: host:port on 2.6, ip:port on 2.5. */
function keysOf(n: NodeModel): string[] {
  return [n.hostPort, n.ip, n.address].filter((k): k is string => !!k);
}

function lookup<T>(m: Map<string, T>, n: NodeModel): T | undefined {
  for (const k of keysOf(n)) {
    const v = m.get(k);
    if (v !== undefined) return v;
  }
  return undefined;
}

/** Sizes and disk use of one node, only as read; undefined when the node gave none. */
export function nodeSizeFacts(c: ClusterViewState, n: NodeModel): P.NodeSizeFacts | undefined {
  const d = c.replicaData;
  if (!d || n.status !== 'ALIVE') return undefined;
  const ix = sizeIndex(d);
  const unknown = lookup(ix.unknown, n);
  if (unknown) return { unknownCode: unknown.code, unknownDetail: unknown.detail };
  // A node the reading did not cover (e.g. listed since) has no figures: 0 B would be a guess.
  if (!lookup(ix.answered, n)) return undefined;
  const disk = lookup(ix.disks, n);
  const limit = c.diskFillLimitPct ?? DEFAULT_DISK_FILL_LIMIT_PCT;
  return {
    dataBytes: lookup(ix.dataBytes, n) ?? 0,
    ...(disk
      ? {
          disk: {
            usedBytes: disk.usedBytes,
            totalBytes: disk.totalBytes,
            fillPct: disk.totalBytes > 0 ? (disk.usedBytes * 100) / disk.totalBytes : 0,
            limitPct: limit,
            disks: (disk.disks ?? []).map((x) => ({
              tag: x.tag,
              usedBytes: Math.max(0, x.totalBytes - x.availBytes),
              totalBytes: x.totalBytes,
            })),
          },
        }
      : {}),
    readAt: d.readAt,
  };
}

/** A table's bytes over all its replicas, only when every ALIVE node holding one of them answered. */
export function tableDataBytes(c: ClusterViewState, s: ClusterSnapshot, t: TableModel): number | undefined {
  const d = c.replicaData;
  if (!d || !t.partitions) return undefined;
  const ix = sizeIndex(d);
  for (const x of s.tableDistribution(t)) if (x.node.status === 'ALIVE' && !lookup(ix.answered, x.node)) return undefined;
  return ix.tableBytes.get(t.appId) ?? 0;
}

export interface ExplorerFilter {
  /** Case-insensitive substring of node addresses and table names. */
  readonly text?: string;
  /** Only UNALIVE / black-listed / leaving nodes, unhealthy tables and partitions. */
  readonly problemsOnly?: boolean;
}

export interface TreeContext {
  readonly clusters: readonly ClusterViewState[];
  readonly settingsProblems: readonly { readonly message: string }[];
  readonly filter?: ExplorerFilter;
}

export function elementId(e: Element): string {
  switch (e.kind) {
    case 'cluster':
      return P.ids.cluster(e.cluster);
    case 'message':
      return e.cluster === undefined ? `pegasus/!msg/${e.key}` : P.ids.message(e.cluster, e.key);
    case 'meta':
      return P.ids.meta(e.cluster);
    case 'metaServer':
      return P.ids.metaServer(e.cluster, e.address);
    case 'metaFact':
      return P.ids.metaFact(e.cluster, e.key);
    case 'nodes':
      return P.ids.nodes(e.cluster);
    case 'node':
      return P.ids.node(e.cluster, e.address);
    case 'replica':
      return P.ids.replica(e.cluster, e.address, e.table, e.pidx);
    case 'tables':
      return P.ids.tables(e.cluster);
    case 'table':
      return P.ids.table(e.cluster, e.table);
    case 'healthGroup':
      return P.ids.healthGroup(e.cluster, e.table, e.health);
    case 'partition':
      return P.ids.partition(e.cluster, e.table, e.pidx);
  }
}

function findCluster(ctx: TreeContext, name: string): ClusterViewState | undefined {
  return ctx.clusters.find((c) => c.name === name);
}

// ---------- facts from the snapshot ----------

export function clusterFacts(c: ClusterViewState): P.ClusterFacts {
  const s = c.snapshot;
  const base = {
    name: c.name,
    metaServers: c.metaServers,
    production: c.production,
    simulated: c.simulated,
    active: c.active,
    control: c.control,
    status: c.status.kind === 'ok' && s && !s.complete ? { kind: 'partial' as const } : c.status,
    hasData: s !== undefined,
    lastDurationMs: c.lastDurationMs,
  };
  if (!s) return base;
  const total = s.complete ? s.totalHealth() : undefined;
  return {
    ...base,
    effectiveLevel: s.meta.effectiveLevel,
    storedLevel: s.meta.storedLevel,
    alive: s.freeze.alive,
    unalive: s.freeze.dead,
    // The first paint has no meta.live_percentage yet; a margin from defaults could mislead.
    freezeMargin: s.complete ? s.freeze.margin : undefined,
    unhealthyPartitions: total?.unhealthy,
    partitions: total?.partitionCount,
    fetchedAt: s.fetchedAt,
  };
}

export function metaFacts(c: ClusterViewState, s: ClusterSnapshot): P.MetaFacts {
  const b = s.meta.balanceOperationCount;
  return {
    cluster: c.name,
    leader: s.meta.leader ?? '',
    metaServers: s.meta.metaServers.length > 0 ? s.meta.metaServers : c.metaServers,
    effectiveLevel: s.meta.effectiveLevel ?? 'unknown',
    storedLevel: s.meta.storedLevel,
    alive: s.freeze.alive,
    dead: s.freeze.dead,
    livePercentage: s.freeze.pct,
    minLive: s.freeze.minLive,
    freezeMargin: s.freeze.margin,
    freezeReasons: s.freeze.reasons,
    balanceOperations: b ? `move_pri=${b.movePri} copy_pri=${b.copyPri} copy_sec=${b.copySec} total=${b.total}` : undefined,
  };
}

export function nodeFacts(c: ClusterViewState, n: NodeModel): P.NodeFacts {
  const sizes = nodeSizeFacts(c, n);
  return {
    cluster: c.name,
    address: n.address,
    alive: n.status === 'ALIVE',
    replicas: n.replicaCount,
    primaries: n.primaryCount,
    secondaries: n.secondaryCount,
    blackListed: n.blackListed,
    leaving: c.leaving.has(n.address) || (n.ip !== '' && c.leaving.has(n.ip)) || (n.hostPort !== undefined && c.leaving.has(n.hostPort)),
    hostPort: n.hostPort && n.hostPort !== n.address ? n.hostPort : n.ip && n.ip !== n.address ? n.ip : undefined,
    unlisted: n.status === 'UNKNOWN',
    metaFrozen: c.snapshot !== undefined && (c.snapshot.meta.effectiveLevel === 'freezed' || c.snapshot.freeze.frozen),
    ...(sizes ? { sizes } : {}),
  };
}

export function tableFacts(c: ClusterViewState, t: TableModel): P.TableFacts {
  const dataBytes = c.snapshot ? tableDataBytes(c, c.snapshot, t) : undefined;
  return {
    ...(dataBytes !== undefined ? { dataBytes } : {}),
    cluster: c.name,
    name: t.name,
    appId: t.appId,
    maxReplicaCount: t.maxReplicaCount,
    health: t.health ?? { partitionCount: t.partitionCount, fullyHealthy: 0, unhealthy: 0, writeUnhealthy: 0, readUnhealthy: 0 },
    status: t.status,
    error: t.error ?? (t.status !== 'AVAILABLE' ? t.status.toLowerCase() : undefined),
  };
}

export function partitionFacts(c: ClusterViewState, s: ClusterSnapshot, t: TableModel, pidx: number): P.PartitionFacts | undefined {
  const p = s.partition(t, pidx);
  if (!p) return undefined;
  return {
    cluster: c.name,
    table: t.name,
    appId: t.appId,
    pidx,
    ballot: p.ballot,
    maxReplicaCount: p.maxReplicaCount,
    primary: p.primary,
    secondaries: p.secondaries,
    health: s.partitionHealthCode(t, pidx) ?? PartitionHealth.HEALTHY,
    isUnalive: (a) => s.node(a)?.status === 'UNALIVE',
  };
}

// ---------- filter ----------

function nodeIsProblem(c: ClusterViewState, n: NodeModel): boolean {
  return n.status !== 'ALIVE' || n.blackListed || c.leaving.has(n.address);
}

export function nodeVisible(c: ClusterViewState, n: NodeModel, f: ExplorerFilter | undefined): boolean {
  if (!f) return true;
  if (f.problemsOnly && !nodeIsProblem(c, n)) return false;
  if (f.text && !n.address.toLowerCase().includes(f.text.toLowerCase()) && !(n.ip && n.ip.includes(f.text))) {
    return false;
  }
  return true;
}

export function tableVisible(t: TableModel, f: ExplorerFilter | undefined): boolean {
  if (!f) return true;
  if (f.problemsOnly && (t.health?.unhealthy ?? 0) === 0 && !t.error && t.status === 'AVAILABLE') return false;
  if (f.text && !t.name.toLowerCase().includes(f.text.toLowerCase())) return false;
  return true;
}

export function isFiltered(f: ExplorerFilter | undefined): boolean {
  return !!f && (!!f.text || !!f.problemsOnly);
}

// ---------- children ----------

/** Children of `e` (or the roots when undefined). Computed on demand; cheap for unexpanded items. */
export function childrenOf(ctx: TreeContext, e: Element | undefined): Element[] {
  if (!e) {
    const roots: Element[] = ctx.settingsProblems.map((p, i) => ({
      kind: 'message' as const,
      cluster: undefined,
      key: `settings-${i}`,
      label: 'Settings problem',
      description: p.message,
      tooltip: `${p.message}\n\nFix it in Settings → \`pegasus.clusters\`.`,
      severity: 'warning' as const,
    }));
    return [...roots, ...ctx.clusters.map((c): Element => ({ kind: 'cluster', cluster: c.name }))];
  }
  if (e.kind === 'message' || e.kind === 'metaServer' || e.kind === 'metaFact' || e.kind === 'replica' || e.kind === 'partition') return [];
  const c = findCluster(ctx, e.cluster);
  if (!c) return [];
  const s = c.snapshot;
  switch (e.kind) {
    case 'cluster': {
      const out: Element[] = [];
      if (c.status.kind === 'error') {
        out.push({
          kind: 'message',
          cluster: c.name,
          key: 'error',
          label: s ? 'Last refresh failed' : 'Unreachable',
          description: c.status.message,
          tooltip: [
            c.status.message,
            c.status.hint ? `\nWhat to do: ${c.status.hint}` : '',
            s ? `\nShowing data from ${P.timeOfDay(s.fetchedAt)} UTC.` : '',
          ].join('\n'),
          severity: 'error',
        });
      }
      if (!s) {
        if (c.status.kind === 'loading')
          out.push({
            kind: 'message',
            cluster: c.name,
            key: 'loading',
            label: 'Connecting…',
            description: c.metaServers.join(', '),
            severity: 'info',
          });
        return out;
      }
      out.push({ kind: 'meta', cluster: c.name }, { kind: 'nodes', cluster: c.name }, { kind: 'tables', cluster: c.name });
      return out;
    }
    case 'meta': {
      if (!s) return [];
      const m = metaFacts(c, s);
      const servers = m.metaServers.length > 0 ? m.metaServers : c.metaServers;
      const out: Element[] = [
        { kind: 'metaFact', cluster: c.name, key: 'level' },
        { kind: 'metaFact', cluster: c.name, key: 'margin' },
      ];
      if (m.balanceOperations) out.push({ kind: 'metaFact', cluster: c.name, key: 'balance' });
      for (const a of servers) out.push({ kind: 'metaServer', cluster: c.name, address: a });
      return out;
    }
    case 'nodes':
      return s
        ? s.nodes.filter((n) => nodeVisible(c, n, ctx.filter)).map((n): Element => ({ kind: 'node', cluster: c.name, address: n.address }))
        : [];
    case 'node': {
      const n = s?.node(e.address);
      if (!s || !n || !s.complete) return [];
      return s
        .replicasOf(n)
        .map((r): Element => ({ kind: 'replica', cluster: c.name, address: n.address, table: r.table, pidx: r.partitionIndex }));
    }
    case 'tables':
      return s
        ? s.tables.filter((t) => tableVisible(t, ctx.filter)).map((t): Element => ({ kind: 'table', cluster: c.name, table: t.name }))
        : [];
    case 'table': {
      const t = s?.table(e.table);
      if (!s || !t || !t.partitions) return [];
      const counts = healthCountsByClass(s, t);
      const out: Element[] = [];
      // Worst first: the groups an operator needs to look at come before the healthy bulk.
      for (let h = 4; h >= 0; h--) {
        if (counts[h]! > 0 && !(ctx.filter?.problemsOnly && h === 0))
          out.push({ kind: 'healthGroup', cluster: c.name, table: t.name, health: h as PartitionHealthCode });
      }
      return out;
    }
    case 'healthGroup': {
      const t = s?.table(e.table);
      if (!s || !t || !t.partitions) return [];
      const out: Element[] = [];
      for (let p = 0; p < t.partitions.length; p++) {
        if (s.partitionHealthCode(t, p) === e.health) out.push({ kind: 'partition', cluster: c.name, table: t.name, pidx: p });
      }
      return out;
    }
  }
}

/** Partitions of a table per health class (index = PartitionHealthCode). */
export function healthCountsByClass(s: ClusterSnapshot, t: TableModel): number[] {
  const counts = [0, 0, 0, 0, 0];
  const n = t.partitions?.length ?? 0;
  for (let p = 0; p < n; p++) counts[s.partitionHealthCode(t, p) ?? 0]!++;
  return counts;
}

export function parentOf(ctx: TreeContext, e: Element): Element | undefined {
  switch (e.kind) {
    case 'cluster':
      return undefined;
    case 'message':
      return e.cluster === undefined ? undefined : { kind: 'cluster', cluster: e.cluster };
    case 'meta':
    case 'nodes':
    case 'tables':
      return { kind: 'cluster', cluster: e.cluster };
    case 'metaServer':
    case 'metaFact':
      return { kind: 'meta', cluster: e.cluster };
    case 'node':
      return { kind: 'nodes', cluster: e.cluster };
    case 'replica':
      return { kind: 'node', cluster: e.cluster, address: e.address };
    case 'table':
      return { kind: 'tables', cluster: e.cluster };
    case 'healthGroup':
      return { kind: 'table', cluster: e.cluster, table: e.table };
    case 'partition': {
      const c = findCluster(ctx, e.cluster);
      const t = c?.snapshot?.table(e.table);
      const h = t && c?.snapshot ? (c.snapshot.partitionHealthCode(t, e.pidx) ?? 0) : 0;
      return { kind: 'healthGroup', cluster: e.cluster, table: e.table, health: h as PartitionHealthCode };
    }
  }
}

// ---------- presentation ----------

export function itemOf(ctx: TreeContext, e: Element): P.ItemView {
  if (e.kind === 'message') return P.messageItem(elementId(e), e.label, e.description, e.severity);
  const c = findCluster(ctx, e.cluster);
  const gone = P.messageItem(elementId(e), 'gone', 'no longer in the cluster; refresh', 'info');
  if (!c) return gone;
  if (e.kind === 'cluster') return P.clusterItem(clusterFacts(c));
  const s = c.snapshot;
  if (!s) return gone;
  switch (e.kind) {
    case 'meta':
      return P.metaItem(metaFacts(c, s));
    case 'metaServer':
      return P.metaServerItem(c.name, e.address, e.address === s.meta.leader);
    case 'metaFact': {
      const m = metaFacts(c, s);
      if (e.key === 'level') {
        const auto = m.storedLevel !== undefined && m.storedLevel !== m.effectiveLevel;
        return P.factItem(
          c.name,
          e.key,
          'Level',
          auto
            ? `${m.effectiveLevel} (stored ${m.storedLevel}) — auto-frozen`
            : m.storedLevel === undefined
              ? `${m.effectiveLevel} (stored level not read)`
              : m.effectiveLevel,
          { id: auto ? 'lock' : 'dashboard', color: m.effectiveLevel === 'freezed' ? P.COLOR.error : undefined },
        );
      }
      if (e.key === 'margin') {
        const k = m.freezeMargin ?? 0;
        return P.factItem(
          c.name,
          e.key,
          'Freeze margin',
          `${k < 0 ? 'FROZEN' : k === 0 ? '0 · the next node down freezes it' : `${k} · can lose ${P.plural(k, 'more node')}`} · alive ${m.alive} · dead ${m.dead} · ${m.livePercentage}% · min ${m.minLive}`,
          { id: k < 0 ? 'error' : k === 0 ? 'warning' : 'shield', color: k < 0 ? P.COLOR.error : k === 0 ? P.COLOR.warning : P.COLOR.ok },
        );
      }
      return P.factItem(c.name, e.key, 'Balance operations', m.balanceOperations ?? '', { id: 'arrow-swap' });
    }
    case 'nodes': {
      const alive = s.freeze.alive;
      return P.nodesFolderItem(c.name, alive, s.nodes.length - alive);
    }
    case 'node': {
      const n = s.node(e.address);
      if (!n) return gone;
      const item = P.nodeItem(nodeFacts(c, n));
      // First paint: partitions are still arriving, so counts are not known yet.
      return s.complete
        ? item
        : { ...item, description: `${n.status === 'ALIVE' ? '' : 'UNALIVE · '}counting replicas…`, collapsible: 'none' };
    }
    case 'replica': {
      const t = s.table(e.table);
      const p = t ? s.partition(t, e.pidx) : undefined;
      if (!t || !p) return gone;
      const role = p.primary === e.address ? 'primary' : 'secondary';
      const h = s.partitionHealthCode(t, e.pidx) ?? 0;
      return P.replicaItem({
        cluster: c.name,
        node: e.address,
        table: t.name,
        appId: t.appId,
        pidx: e.pidx,
        role,
        ballot: p.ballot,
        health: h,
        replicaRatio: replicaRatio(p.primary !== '', p.secondaries.length, p.maxReplicaCount),
      });
    }
    case 'tables': {
      const unhealthy = s.tables.filter((t) => (t.health?.unhealthy ?? 0) > 0 || t.error !== undefined).length;
      const item = P.tablesFolderItem(c.name, s.tables.length, unhealthy);
      return s.complete ? item : { ...item, description: `${s.tables.length} · loading partitions…` };
    }
    case 'table': {
      const t = s.table(e.table);
      if (!t) return gone;
      if (!t.health && !t.error && t.status === 'AVAILABLE') {
        return {
          ...P.tableItem(tableFacts(c, t)),
          description: `${P.plural(t.partitionCount, 'partition')} · loading…`,
          collapsible: 'none',
        };
      }
      return P.tableItem(tableFacts(c, t));
    }
    case 'healthGroup': {
      const t = s.table(e.table);
      if (!t) return gone;
      return P.healthGroupItem(c.name, t.name, e.health, healthCountsByClass(s, t)[e.health]!);
    }
    case 'partition': {
      const t = s.table(e.table);
      const f = t ? partitionFacts(c, s, t, e.pidx) : undefined;
      return f ? P.partitionItem(f) : gone;
    }
  }
}

/** Markdown tooltip text, built only when VS Code asks (hover). */
export function tooltipOf(ctx: TreeContext, e: Element): string | undefined {
  if (e.kind === 'message') return e.tooltip ?? e.description;
  const c = findCluster(ctx, e.cluster);
  if (!c) return undefined;
  if (e.kind === 'cluster') return P.clusterTooltip(clusterFacts(c));
  const s = c.snapshot;
  if (!s) return undefined;
  switch (e.kind) {
    case 'meta':
    case 'metaFact': {
      const m = metaFacts(c, s);
      const assumed = s.freeze.assumed.length > 0 ? `\n\nAssumed (not read from the cluster): ${s.freeze.assumed.join('; ')}` : '';
      return P.metaTooltip(m) + assumed;
    }
    case 'metaServer':
      return e.address === s.meta.leader
        ? `\`${e.address}\` is the meta leader: every admin RPC is answered here. Runtime settings (\`meta.live_percentage\`, black list, assign delay) live only in its memory and are lost on fail-over.`
        : `\`${e.address}\` is a follower: it forwards clients to the leader.`;
    case 'node': {
      const n = s.node(e.address);
      return n ? P.nodeTooltip(nodeFacts(c, n)) : undefined;
    }
    case 'replica': {
      const t = s.table(e.table);
      const f = t ? partitionFacts(c, s, t, e.pidx) : undefined;
      return f ? P.partitionTooltip(f) : undefined;
    }
    case 'table': {
      const t = s.table(e.table);
      return t ? P.tableTooltip(tableFacts(c, t)) : undefined;
    }
    case 'healthGroup':
      return `${P.healthLabel(e.health)}: ${HEALTH_EXPLAINED[e.health]}`;
    case 'partition': {
      const t = s.table(e.table);
      const f = t ? partitionFacts(c, s, t, e.pidx) : undefined;
      return f ? P.partitionTooltip(f) : undefined;
    }
    case 'nodes':
      return `${s.freeze.alive} alive, ${s.freeze.dead} unalive (the meta's dead set: counted by the freeze rule until the meta restarts).`;
    case 'tables': {
      const h = s.totalHealth();
      return `${s.tables.length} tables, ${h.partitionCount.toLocaleString('en-US')} partitions: ${h.fullyHealthy.toLocaleString('en-US')} fully healthy, ${h.unhealthy} unhealthy, ${h.writeUnhealthy} write-unhealthy, ${h.readUnhealthy} read-unhealthy.`;
    }
  }
}

const HEALTH_EXPLAINED: readonly string[] = [
  'a primary and every replica present.',
  'a primary and a quorum of 2, but fewer replicas than max_replica_count; reads and writes work, the meta re-creates the missing replica.',
  'a primary alone: readable, not writable.',
  'secondaries but no primary: neither readable nor writable until the meta upgrades a secondary (not while frozen).',
  'no replica at all: the data is unavailable.',
];

/** The replicas of a partition as elements under their nodes (for "Reveal Replicas"). */
export function replicaElementsOf(ctx: TreeContext, cluster: string, table: string, pidx: number): Element[] {
  const c = findCluster(ctx, cluster);
  const s = c?.snapshot;
  const t = s?.table(table);
  const p = t && s ? s.partition(t, pidx) : undefined;
  if (!p) return [];
  return [p.primary, ...p.secondaries].filter(Boolean).map((a): Element => ({ kind: 'replica', cluster, address: a, table, pidx }));
}

/** Node addresses of the selection (node items only), de-duplicated, in order. */
export function selectedNodes(sel: readonly Element[]): { cluster: string; nodes: string[] } | undefined {
  const nodes = sel.filter((e): e is Extract<Element, { kind: 'node' }> => e.kind === 'node');
  if (nodes.length === 0) return undefined;
  const cluster = nodes[0]!.cluster;
  return { cluster, nodes: [...new Set(nodes.filter((n) => n.cluster === cluster).map((n) => n.address))] };
}

export { partitionHealthNames };

/** An element VS Code has been given, and whether it asked for that element's children. */
export interface ShownElement {
  readonly element: Element;
  readonly childrenAsked: boolean;
}

/**
 * The elements VS Code must re-read after the context moved from `before` to `after`: those whose
 * item differs or whose children (when VS Code asked for them) differ. 'all' when the top-level
 * list changed. An element under another changed one is left out: re-reading a parent re-reads
 * its subtree. Firing only these keeps untouched rows (and an open tooltip) where they are.
 */
export function changedElements(
  before: TreeContext,
  after: TreeContext,
  shown: Iterable<ShownElement>,
  rootAsked = true,
): Element[] | 'all' {
  const childKey = (ctx: TreeContext, e: Element | undefined) => JSON.stringify(childrenOf(ctx, e));
  if (rootAsked && childKey(before, undefined) !== childKey(after, undefined)) return 'all';
  const changed: Element[] = [];
  for (const { element, childrenAsked } of shown) {
    const item = JSON.stringify(itemOf(before, element)) !== JSON.stringify(itemOf(after, element));
    if (item || (childrenAsked && childKey(before, element) !== childKey(after, element))) changed.push(element);
  }
  // Ids are paths: a descendant's id starts with its ancestor's id and a slash.
  const ids = new Set(changed.map(elementId));
  return changed.filter((e) => {
    const id = elementId(e);
    for (let at = id.lastIndexOf('/'); at > 0; at = id.lastIndexOf('/', at - 1)) if (ids.has(id.slice(0, at))) return false;
    return true;
  });
}
