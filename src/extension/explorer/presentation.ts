/**
 * What each explorer item says: ids, labels, descriptions, tooltips (markdown text), icons and
 * context values, derived from the cluster snapshot's values. Pure (no `vscode` import) so it is
 * unit-tested directly; tree.ts turns an `ItemView` into a `vscode.TreeItem`.
 *
 * Descriptions answer the next question an operator has when looking at the item (is it healthy?
 * how many replicas? can I lose another node?), tooltips give the detail and what to do.
 */
import { largestSafePct, type FreezeReason } from '../../cluster/freeze';
import { partitionHealthNames, type PartitionHealthCode, type HealthCounts } from '../../cluster/health';
import { fmtBytes } from '../../cluster/units';

export type Collapsible = 'none' | 'collapsed' | 'expanded';

/** A built-in codicon plus a built-in theme colour id, so every theme (light, dark, high contrast) works. */
export interface IconView {
  readonly id: string;
  readonly color?: string;
}

export interface ItemView {
  /** Stable across refreshes: built from names and addresses only, never from counters or times. */
  readonly id: string;
  readonly label: string;
  readonly description?: string;
  readonly icon?: IconView;
  /** Matched by anchored regexes in package.json menus. */
  readonly contextValue?: string;
  readonly collapsible: Collapsible;
}

// Built-in theme colours (exist in every theme).
export const COLOR = {
  ok: 'testing.iconPassed',
  error: 'testing.iconFailed',
  warning: 'list.warningForeground',
  info: 'charts.blue',
  muted: 'disabledForeground',
} as const;

/**
 * How alarming a freeze margin is: frozen (< 0) is an error, 0 a warning (the next node down
 * freezes the meta), 1 or more is fine. Status bar, tree rows and tooltips all use this one rule.
 */
export function marginSeverity(margin: number | undefined): 'error' | 'warning' | undefined {
  if (margin === undefined) return undefined;
  return margin < 0 ? 'error' : margin === 0 ? 'warning' : undefined;
}

// ---------- ids ----------

const enc = (s: string): string => s.replace(/[/%]/g, (c) => encodeURIComponent(c));
export const ids = {
  cluster: (c: string) => `pegasus/${enc(c)}`,
  message: (c: string, key: string) => `pegasus/${enc(c)}/msg/${key}`,
  meta: (c: string) => `pegasus/${enc(c)}/meta`,
  metaServer: (c: string, addr: string) => `pegasus/${enc(c)}/meta/${addr}`,
  metaFact: (c: string, key: string) => `pegasus/${enc(c)}/meta/fact/${key}`,
  nodes: (c: string) => `pegasus/${enc(c)}/nodes`,
  node: (c: string, addr: string) => `pegasus/${enc(c)}/nodes/${addr}`,
  replica: (c: string, addr: string, table: string, pidx: number) => `pegasus/${enc(c)}/nodes/${addr}/${enc(table)}/${pidx}`,
  tables: (c: string) => `pegasus/${enc(c)}/tables`,
  table: (c: string, table: string) => `pegasus/${enc(c)}/tables/${enc(table)}`,
  healthGroup: (c: string, table: string, h: PartitionHealthCode) => `pegasus/${enc(c)}/tables/${enc(table)}/${partitionHealthNames[h]}`,
  partition: (c: string, table: string, pidx: number) => `pegasus/${enc(c)}/tables/${enc(table)}/p/${pidx}`,
  settingsProblem: (i: number) => `pegasus/!settings/${i}`,
};

// ---------- small formatting helpers ----------

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/** Escapes text for a markdown tooltip (addresses and table names may contain `_` or `*`). */
export function md(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
}

export function timeOfDay(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

export function gpid(appId: number, pidx: number): string {
  return `${appId}.${pidx}`;
}

// ---------- clusters ----------

export type ClusterStatus =
  | { readonly kind: 'loading' }
  /** First paint: cluster_info and nodes are in, tables still loading. */
  | { readonly kind: 'partial' }
  | { readonly kind: 'ok' }
  | { readonly kind: 'error'; readonly message: string; readonly code?: string; readonly hint?: string };

/** One configured cluster as its settings entry names it (source, view state and facts share it). */
export interface ClusterIdentity {
  readonly name: string;
  readonly metaServers: readonly string[];
  readonly production: boolean;
  readonly simulated: boolean;
  /** The simulator's control API, for simulated clusters. */
  readonly control?: string;
}

/** One cluster as the explorer and status bar show it: its settings entry plus the last refresh's figures. */
export interface ClusterFacts extends ClusterIdentity {
  readonly active: boolean;
  readonly status: ClusterStatus;
  /** True when data from an earlier refresh is still shown. */
  readonly hasData: boolean;
  readonly effectiveLevel?: string;
  readonly storedLevel?: string;
  readonly alive?: number;
  readonly unalive?: number;
  readonly freezeMargin?: number;
  readonly unhealthyPartitions?: number;
  readonly partitions?: number;
  readonly fetchedAt?: number;
  readonly lastDurationMs?: number;
}

export type ClusterHealth = 'healthy' | 'unhealthy' | 'frozen' | 'unreachable' | 'loading';

export function clusterHealth(f: ClusterFacts): ClusterHealth {
  if (f.status.kind === 'error' && !f.hasData) return 'unreachable';
  if (f.status.kind === 'loading' && !f.hasData) return 'loading';
  if (f.effectiveLevel === 'freezed' || (f.freezeMargin !== undefined && f.freezeMargin < 0)) return 'frozen';
  if (f.status.kind === 'error') return 'unreachable';
  if ((f.unhealthyPartitions ?? 0) > 0 || (f.unalive ?? 0) > 0) return 'unhealthy';
  return 'healthy';
}

export function clusterItem(f: ClusterFacts): ItemView {
  const health = clusterHealth(f);
  const parts: string[] = [];
  // Short and most important first: the sidebar is narrow. "simulated" and the meta servers are in the tooltip.
  if (f.production) parts.push('production');
  if (health === 'unreachable') parts.push(f.hasData ? 'refresh failed' : 'unreachable');
  else if (health === 'loading') parts.push('connecting…');
  else {
    // Worst news first: a frozen meta, then nodes down, then unhealthy partitions.
    const down = f.unalive ?? 0;
    if (health === 'frozen') parts.push('FROZEN');
    if (down > 0) parts.push(`${down} down`);
    if (f.status.kind === 'partial') parts.push('loading tables…');
    else if (f.unhealthyPartitions !== undefined)
      parts.push(f.unhealthyPartitions === 0 ? 'healthy' : `${f.unhealthyPartitions.toLocaleString('en-US')} unhealthy`);
    // "n down" already says it; the fraction is for the calm case. The level (also on Meta) last.
    if (f.alive !== undefined && down === 0) parts.push(`${f.alive}/${f.alive} alive`);
    // A calm row still warns when the next node down would freeze the meta (worse news above says enough).
    if (health === 'healthy' && marginSeverity(f.freezeMargin) === 'warning') parts.push('margin 0');
    if (f.effectiveLevel && !(health === 'frozen' && f.effectiveLevel === 'freezed'))
      parts.push(levelText(f.effectiveLevel, f.storedLevel));
  }
  if (f.active) parts.push('active');
  const icon: IconView =
    health === 'healthy'
      ? { id: 'database', color: marginSeverity(f.freezeMargin) === 'warning' ? COLOR.warning : COLOR.ok }
      : health === 'unhealthy'
        ? { id: 'database', color: COLOR.warning }
        : health === 'loading'
          ? { id: 'loading~spin' }
          : { id: health === 'frozen' ? 'database' : 'error', color: COLOR.error };
  const state = f.status.kind === 'error' && !f.hasData ? 'error' : f.status.kind === 'loading' && !f.hasData ? 'loading' : 'ok';
  return {
    id: ids.cluster(f.name),
    label: f.name,
    description: parts.join(' · '),
    icon,
    contextValue: `pegasus.cluster.${state}.${f.active ? 'active' : 'inactive'}${f.simulated ? '.simulated' : ''}${f.production ? '.production' : ''}`,
    collapsible: f.active ? 'expanded' : 'collapsed',
  };
}

export function clusterTooltip(f: ClusterFacts): string {
  const lines = [
    `**${md(f.name)}**${f.production ? ' — production (every change asks first)' : ''}${f.simulated ? ' — simulated cluster on loopback' : ''}`,
    '',
  ];
  lines.push(`Meta servers: ${f.metaServers.map((m) => `\`${m}\``).join(', ')}`);
  if (f.control) lines.push('', `Simulator control API: \`${f.control}\` (for example \`curl -X POST ${f.control}/nodes/HOST:PORT/stop\`)`);
  const h = clusterHealth(f);
  if (f.status.kind === 'error') {
    lines.push('', `$(error) ${f.hasData ? 'The last refresh failed' : 'Cannot reach the cluster'}: ${md(f.status.message)}`);
    if (f.status.hint) lines.push('', `What to do: ${md(f.status.hint)}`);
  }
  if (f.effectiveLevel)
    lines.push(
      '',
      `Meta level: **${f.effectiveLevel}**${f.storedLevel && f.storedLevel !== f.effectiveLevel ? ` (stored: ${f.storedLevel}; the meta is auto-frozen because too few nodes are alive)` : ''}`,
    );
  if (f.freezeMargin !== undefined) lines.push('', freezeMarginSentence(f.freezeMargin));
  if (f.alive !== undefined) lines.push('', `Nodes: ${f.alive} alive, ${f.unalive ?? 0} unalive`);
  if (f.partitions !== undefined)
    lines.push(
      '',
      `Partitions: ${f.partitions.toLocaleString('en-US')}, ${(f.unhealthyPartitions ?? 0).toLocaleString('en-US')} unhealthy`,
    );
  if (h === 'unhealthy' && (f.unhealthyPartitions ?? 0) > 0) lines.push('', 'Expand **Tables** to see which partitions miss replicas.');
  if (f.fetchedAt !== undefined)
    lines.push(
      '',
      `Refreshed at ${timeOfDay(f.fetchedAt)} UTC${f.lastDurationMs !== undefined ? ` in ${Math.round(f.lastDurationMs)} ms` : ''}`,
    );
  if (!f.active) lines.push('', '_Right-click → Set as Active Cluster to use it in runbooks and the status bar._');
  return lines.join('\n');
}

function levelText(effective: string, stored: string | undefined): string {
  return stored && stored !== effective ? `${effective} (stored ${stored})` : effective;
}

// ---------- meta ----------

export interface MetaFacts {
  readonly cluster: string;
  readonly leader: string;
  readonly metaServers: readonly string[];
  readonly effectiveLevel: string;
  /** From get_meta_level; undefined when it could not be read. */
  readonly storedLevel?: string;
  readonly alive: number;
  readonly dead: number;
  readonly livePercentage?: number;
  readonly minLive?: number;
  /** -1 frozen, 0 the next loss freezes, n more nodes can go down. */
  readonly freezeMargin?: number;
  /** The freeze rules that hold now (empty or absent when not frozen). */
  readonly freezeReasons?: readonly FreezeReason[];
  readonly balanceOperations?: string;
}

export function freezeMarginSentence(margin: number): string {
  if (margin < 0)
    return '$(error) **Frozen**: the meta refuses replica updates; partitions that lose a replica stop serving until enough nodes are back.';
  if (margin === 0) return '$(warning) **Freeze margin 0**: one more node going down freezes the meta.';
  return `Freeze margin **${margin}**: ${plural(margin, 'more node')} can go down before the meta freezes.`;
}

function marginShort(margin: number): string {
  if (margin < 0) return 'FROZEN';
  return `freeze margin ${margin}`;
}

export function metaItem(m: MetaFacts): ItemView {
  // The margin is what an operator scaling in needs at a glance; the level follows.
  const parts: string[] = [];
  if (m.freezeMargin !== undefined) parts.push(marginShort(m.freezeMargin));
  parts.push(levelText(m.effectiveLevel, m.storedLevel));
  const frozen = m.effectiveLevel === 'freezed' || (m.freezeMargin ?? 0) < 0;
  const tight = marginSeverity(m.freezeMargin) === 'warning';
  return {
    id: ids.meta(m.cluster),
    label: 'Meta',
    description: parts.join(' · '),
    icon: { id: 'pulse', color: frozen ? COLOR.error : tight ? COLOR.warning : COLOR.ok },
    contextValue: `pegasus.meta.${frozen ? 'frozen' : 'ok'}`,
    collapsible: 'collapsed',
  };
}

export function metaTooltip(m: MetaFacts): string {
  const lines = [`**Meta** — leader \`${m.leader || 'unknown'}\``, ''];
  if (m.storedLevel && m.storedLevel !== m.effectiveLevel) {
    lines.push(
      `Effective level **${m.effectiveLevel}**, stored level **${m.storedLevel}**: the freeze rule overrides the stored level while too few nodes are alive. \`set_meta_level\` cannot lift it.`,
    );
  } else {
    lines.push(
      `Level **${m.effectiveLevel}**${m.effectiveLevel === 'lively' ? ' (the balancer moves replicas)' : m.effectiveLevel === 'steady' ? ' (cure only, no balancing)' : ''}`,
    );
  }
  // Also when the stored level could not be read: the rules that trip say what lifts the freeze.
  const advice = unfreezeAdvice(m);
  if (advice.length > 0) lines.push('', ...advice);
  lines.push('');
  if (m.freezeMargin !== undefined) lines.push(freezeMarginSentence(m.freezeMargin), '');
  const rule: string[] = [`alive ${m.alive}`, `dead ${m.dead}`];
  if (m.livePercentage !== undefined) rule.push(`live percentage ${m.livePercentage}%`);
  if (m.minLive !== undefined) rule.push(`min live ${m.minLive}`);
  lines.push(
    `Freeze rule inputs: ${rule.join(', ')}. Frozen when alive < min live or alive×100 < percentage×(alive+dead); dead nodes stay counted until the meta restarts.`,
  );
  if (m.balanceOperations) lines.push('', `Balance operations: \`${m.balanceOperations.replace(/\s+/g, ' ')}\``);
  return lines.join('\n');
}

/**
 * What lifts the freeze, one sentence per rule that trips: the min-live rule counts alive nodes
 * only, so neither the percentage nor a meta restart (which forgets dead nodes) can lift it.
 */
export function unfreezeAdvice(m: Pick<MetaFacts, 'alive' | 'dead' | 'livePercentage' | 'minLive' | 'freezeReasons'>): string[] {
  const out: string[] = [];
  const reasons = m.freezeReasons ?? [];
  if (reasons.includes('min_live'))
    out.push(
      `$(error) Min-live rule: ${m.alive} alive < min live ${m.minLive ?? '?'}. Bring nodes back until ${m.minLive ?? 'enough'} are alive, or lower \`min_live_node_count_for_unfreeze\`; lowering \`meta.live_percentage\` or restarting the meta does not lift this rule.`,
    );
  if (reasons.includes('percentage')) {
    // The percentage alone: minLive 0 leaves the min-live rule out of the bound.
    const safe = largestSafePct(m.alive, m.dead, 0);
    out.push(
      `$(error) Percentage rule: ${m.alive}×100 < ${m.livePercentage ?? '?'}×(${m.alive}+${m.dead}). Bring nodes back, lower \`meta.live_percentage\` to ${safe ?? 0} or less, or restart the meta to forget dead nodes.`,
    );
  }
  return out;
}

export function metaServerItem(cluster: string, address: string, leader: boolean): ItemView {
  return {
    id: ids.metaServer(cluster, address),
    label: address,
    description: leader ? 'leader' : 'follower',
    // Not the primary replica's star: a leader and a primary are different roles.
    icon: { id: leader ? 'verified-filled' : 'server', color: leader ? COLOR.info : undefined },
    contextValue: 'pegasus.meta.server',
    collapsible: 'none',
  };
}

export function factItem(cluster: string, key: string, label: string, description: string, icon?: IconView): ItemView {
  return { id: ids.metaFact(cluster, key), label, description, icon, contextValue: 'pegasus.fact', collapsible: 'none' };
}

// ---------- nodes ----------

export interface NodeFacts {
  readonly cluster: string;
  readonly address: string;
  readonly alive: boolean;
  readonly replicas: number;
  readonly primaries: number;
  readonly secondaries: number;
  readonly blackListed: boolean;
  readonly leaving: boolean;
  /** Host name form (2.6+) when different from the address. */
  readonly hostPort?: string;
  /** Named in partition configs but not listed by the meta's list_nodes. */
  readonly unlisted?: boolean;
  /** Read from the replica server; absent when not read. */
  readonly sizes?: NodeSizeFacts;
  /** The meta is frozen: it runs no cure, so nothing is re-elected or re-created. */
  readonly metaFrozen?: boolean;
}

/** A node's data and disk as its replica server reported them, or why it reported nothing. */
export interface NodeSizeFacts {
  /** SST bytes of all its replicas. */
  readonly dataBytes?: number;
  readonly disk?: {
    readonly usedBytes: number;
    readonly totalBytes: number;
    readonly fillPct: number;
    readonly limitPct: number;
    readonly disks: readonly { readonly tag: string; readonly usedBytes: number; readonly totalBytes: number }[];
  };
  readonly readAt?: number;
  /** The reader's code when this node did not answer (timeout, unreachable, bad-body, …). */
  readonly unknownCode?: string;
  readonly unknownDetail?: string;
}

/** Flagged from the configured fill limit (percent of the disks used). */
const overLimit = (d: NonNullable<NodeSizeFacts['disk']>) => d.fillPct >= d.limitPct;

export function nodesFolderItem(cluster: string, alive: number, unalive: number): ItemView {
  return {
    id: ids.nodes(cluster),
    label: 'Nodes',
    description: unalive > 0 ? `${unalive} UNALIVE · ${alive} alive` : `${alive} alive`,
    icon: { id: 'server', color: unalive > 0 ? COLOR.warning : undefined },
    contextValue: 'pegasus.nodes',
    collapsible: 'collapsed',
  };
}

export function nodeItem(n: NodeFacts): ItemView {
  const parts: string[] = [];
  if (n.unlisted) parts.push('not listed by the meta');
  else if (!n.alive) parts.push('UNALIVE');
  parts.push(n.replicas === 0 ? 'no replicas' : `${n.replicas} (${n.primaries} P · ${n.secondaries} S)`);
  const z = n.sizes;
  if (z?.dataBytes !== undefined) parts.push(fmtBytes(z.dataBytes));
  if (z?.disk) parts.push(`disk ${fmtBytes(z.disk.usedBytes)}/${fmtBytes(z.disk.totalBytes)} (${Math.round(z.disk.fillPct)}%)`);
  if (n.leaving) parts.push('leaving');
  if (n.blackListed) parts.push('black-listed');
  const full = z?.disk !== undefined && overLimit(z.disk);
  const icon: IconView = n.unlisted
    ? { id: 'question', color: COLOR.warning }
    : !n.alive
      ? { id: 'circle-slash', color: COLOR.error }
      : n.leaving || n.blackListed
        ? { id: 'sign-out', color: COLOR.warning }
        : full
          ? { id: 'warning', color: COLOR.warning }
          : { id: 'pass-filled', color: COLOR.ok };
  const marks = `${n.leaving ? '.leaving' : ''}${n.blackListed ? '.blacklisted' : ''}${full ? '.diskfull' : ''}`;
  return {
    id: ids.node(n.cluster, n.address),
    label: n.address,
    description: parts.join(' · '),
    icon,
    contextValue: `pegasus.node.${n.unlisted ? 'unknown' : n.alive ? 'alive' : 'unalive'}${marks}`,
    collapsible: n.replicas > 0 ? 'collapsed' : 'none',
  };
}

export function nodeTooltip(n: NodeFacts): string {
  const lines = [
    `**${md(n.address)}** — ${n.unlisted ? '$(question) not listed by the meta' : n.alive ? '$(pass-filled) ALIVE' : '$(circle-slash) UNALIVE'}`,
  ];
  if (n.unlisted)
    lines.push(
      '',
      'Partition configurations name this address but `list_nodes` does not: the meta has not heard from it since it became leader.',
    );
  if (n.hostPort && n.hostPort !== n.address) lines.push('', `Host: \`${n.hostPort}\``);
  lines.push('', `Replicas: **${n.replicas}** — ${n.primaries} primary, ${n.secondaries} secondary`);
  const z = n.sizes;
  if (z?.unknownCode) {
    lines.push('', `Data and disk: not read (\`${md(z.unknownCode)}\`${z.unknownDetail ? `: ${md(z.unknownDetail)}` : ''}).`);
  } else if (z) {
    if (z.dataBytes !== undefined)
      lines.push('', `Data: **${fmtBytes(z.dataBytes)}** of SST files in its replicas, as the server reports them`);
    if (z.disk) {
      const d = z.disk;
      lines.push(
        '',
        `${overLimit(d) ? '$(warning) ' : ''}Disk: **${fmtBytes(d.usedBytes)}** used of ${fmtBytes(d.totalBytes)} (${d.fillPct.toFixed(1)}%; flagged from ${d.limitPct}%)`,
      );
      if (d.disks.length > 1) {
        lines.push('', '| disk | used | total |', '|---|---:|---:|');
        for (const x of d.disks) lines.push(`| ${md(x.tag)} | ${fmtBytes(x.usedBytes)} | ${fmtBytes(x.totalBytes)} |`);
      }
      if (overLimit(d))
        lines.push('', 'Moving replicas onto this node (scale-in, migration) fills it further; add nodes or free space first.');
    }
  }
  if (!n.alive) {
    lines.push(
      '',
      n.replicas > 0 && n.metaFrozen
        ? `$(error) The meta sees this node as dead and is **frozen**: it runs no cure, so its ${plural(n.replicas, 'replica')} listed here are neither re-elected nor re-created elsewhere. Partitions whose primary was here serve nothing until the meta unfreezes (see Meta for what lifts it).`
        : n.replicas > 0
          ? `The meta sees this node as dead. Its ${plural(n.replicas, 'replica')} still listed here are being re-elected or re-created elsewhere (after \`replica_assign_delay_ms_for_dropouts\` / \`meta.lb.assign_delay_ms\`).`
          : 'The meta sees this node as dead and it holds no replicas; it is still counted as dead by the freeze rule until the meta restarts.',
    );
  }
  if (n.blackListed) lines.push('', 'Black-listed: `meta.lb.assign_secondary_black_list` keeps new secondaries off this node.');
  if (n.leaving) lines.push('', 'Leaving: a scale-in or migration is draining this node.');
  if (n.alive && n.primaries > 0)
    lines.push(
      '',
      `Before stopping it, move its ${plural(n.primaries, 'primary', 'primaries')} away (Scale In… does that) so no partition loses its primary.`,
    );
  lines.push('', '_Select several nodes and right-click for Scale In…, Scale Out…, Migrate Nodes…_');
  return lines.join('\n');
}

export type ReplicaRole = 'primary' | 'secondary';

export interface ReplicaFacts {
  readonly cluster: string;
  readonly node: string;
  readonly table: string;
  readonly appId: number;
  readonly pidx: number;
  readonly role: ReplicaRole;
  readonly ballot: number;
  readonly health: PartitionHealthCode;
  /** Replicas present / max_replica_count, e.g. "2/3". */
  readonly replicaRatio: string;
}

export function replicaItem(r: ReplicaFacts): ItemView {
  const unhealthy = r.health !== 0;
  return {
    id: ids.replica(r.cluster, r.node, r.table, r.pidx),
    label: `${r.table} ${gpid(r.appId, r.pidx)}`,
    description: `${r.role} · ballot ${r.ballot}${unhealthy ? ` · ${healthLabel(r.health)} ${r.replicaRatio}` : ''}`,
    icon: {
      id: r.role === 'primary' ? 'star-full' : 'circle-outline',
      color: unhealthy ? COLOR.warning : r.role === 'primary' ? COLOR.info : undefined,
    },
    contextValue: `pegasus.replica.${r.role}`,
    collapsible: 'none',
  };
}

// ---------- tables and partitions ----------

export function healthLabel(h: PartitionHealthCode): string {
  return ['healthy', 'writable, missing replicas', 'unwritable', 'unreadable', 'dead'][h]!;
}

/** Health group labels: short, so the count after them survives a narrow sidebar. */
const GROUP_LABEL: readonly string[] = ['Healthy', 'Missing replicas', 'Unwritable', 'Unreadable', 'Dead'];

const HEALTH_ICON: readonly IconView[] = [
  { id: 'pass', color: COLOR.ok },
  { id: 'warning', color: COLOR.warning },
  { id: 'warning', color: COLOR.error },
  { id: 'error', color: COLOR.error },
  { id: 'error', color: COLOR.error },
];

export function tablesFolderItem(cluster: string, tables: number, unhealthyTables: number): ItemView {
  return {
    id: ids.tables(cluster),
    label: 'Tables',
    description: unhealthyTables > 0 ? `${unhealthyTables}/${tables} unhealthy` : `${tables} · healthy`,
    icon: { id: 'table', color: unhealthyTables > 0 ? COLOR.warning : undefined },
    contextValue: 'pegasus.tables',
    collapsible: 'collapsed',
  };
}

export interface TableFacts {
  readonly cluster: string;
  readonly name: string;
  readonly appId: number;
  readonly maxReplicaCount: number;
  readonly health: HealthCounts;
  /** AVAILABLE, CREATING, … as the meta reports it; undefined = available. */
  readonly status?: string;
  /** Why the table's partitions could not be read (e.g. ERR_BUSY_CREATING). */
  readonly error?: string;
  /** SST bytes over all its replicas, as read from the replica servers; absent when not (fully) read. */
  readonly dataBytes?: number;
}

export function tableItem(t: TableFacts): ItemView {
  const h = t.health;
  let description: string;
  if (t.error) description = `unreadable: ${t.error}`;
  else if (h.unhealthy === 0) description = `${plural(h.partitionCount, 'partition')} · healthy`;
  else {
    const bits = [`${h.unhealthy}/${h.partitionCount} unhealthy`];
    if (h.writeUnhealthy > 0) bits.push(`${h.writeUnhealthy} write-unhealthy`);
    if (h.readUnhealthy > 0) bits.push(`${h.readUnhealthy} read-unhealthy`);
    description = bits.join(' · ');
  }
  if (!t.error && t.dataBytes !== undefined) description += ` · ${fmtBytes(t.dataBytes)}`;
  const bad = t.error !== undefined || h.readUnhealthy > 0 || h.writeUnhealthy > 0;
  return {
    id: ids.table(t.cluster, t.name),
    label: t.name,
    description,
    icon: { id: 'table', color: bad ? COLOR.error : h.unhealthy > 0 ? COLOR.warning : COLOR.ok },
    contextValue: `pegasus.table.${t.error ? 'error' : h.unhealthy > 0 ? 'unhealthy' : 'healthy'}`,
    collapsible: t.error || h.partitionCount === 0 ? 'none' : 'collapsed',
  };
}

export function tableTooltip(t: TableFacts): string {
  const h = t.health;
  const lines = [`**${md(t.name)}** — app id ${t.appId}, ${plural(h.partitionCount, 'partition')}, ${t.maxReplicaCount} replicas each`];
  if (t.error) lines.push('', `$(error) ${md(t.error)}`);
  lines.push(
    '',
    '| fully healthy | unhealthy | write unhealthy | read unhealthy |',
    '|---:|---:|---:|---:|',
    `| ${h.fullyHealthy} | ${h.unhealthy} | ${h.writeUnhealthy} | ${h.readUnhealthy} |`,
    '',
    "Counted like the Pegasus shell's `app -d` (write quorum 2).",
  );
  if (t.dataBytes !== undefined)
    lines.push('', `Data: **${fmtBytes(t.dataBytes)}** of SST files over all its replicas, as the replica servers report them`);
  if (h.readUnhealthy > 0)
    lines.push(
      '',
      '$(error) Partitions without a primary neither read nor write. If the meta is frozen they stay so until nodes come back.',
    );
  else if (h.writeUnhealthy > 0) lines.push('', '$(warning) Partitions with a primary but no secondary are readable, not writable.');
  else if (h.unhealthy > 0)
    lines.push('', 'Partitions missing a secondary still serve; the meta re-creates the replica after the assign delay.');
  return lines.join('\n');
}

export function healthGroupItem(cluster: string, table: string, h: PartitionHealthCode, count: number): ItemView {
  return {
    id: ids.healthGroup(cluster, table, h),
    label: GROUP_LABEL[h]!,
    description: plural(count, 'partition'),
    icon: HEALTH_ICON[h],
    contextValue: `pegasus.healthGroup.${partitionHealthNames[h]}`,
    collapsible: h === 0 ? 'collapsed' : 'expanded',
  };
}

export interface PartitionFacts {
  readonly cluster: string;
  readonly table: string;
  readonly appId: number;
  readonly pidx: number;
  readonly ballot: number;
  readonly maxReplicaCount: number;
  /** '' when there is no primary. */
  readonly primary: string;
  readonly secondaries: readonly string[];
  readonly health: PartitionHealthCode;
  /** Addresses the meta lists UNALIVE, to mark replicas that sit on dead nodes. */
  readonly isUnalive?: (address: string) => boolean;
}

export function partitionItem(p: PartitionFacts): ItemView {
  const prim = p.primary ? `P ${p.primary}` : 'no primary';
  const sec = p.secondaries.length > 0 ? `S ${p.secondaries.join(', ')}` : 'no secondaries';
  return {
    id: ids.partition(p.cluster, p.table, p.pidx),
    label: `${gpid(p.appId, p.pidx)}`,
    // Unhealthy: how many replicas are there comes first; the addresses may be cut off.
    description: `${p.health !== 0 ? `${(p.primary ? 1 : 0) + p.secondaries.length}/${p.maxReplicaCount} · ` : ''}${prim} · ${sec}`,
    icon: HEALTH_ICON[p.health],
    contextValue: `pegasus.partition.${partitionHealthNames[p.health]}`,
    collapsible: 'none',
  };
}

export function partitionTooltip(p: PartitionFacts): string {
  const dead = (a: string): string => (p.isUnalive?.(a) ? ' — $(circle-slash) UNALIVE' : '');
  const lines = [
    `**${md(p.table)} ${gpid(p.appId, p.pidx)}** — ${healthLabel(p.health)}, ${(p.primary ? 1 : 0) + p.secondaries.length}/${p.maxReplicaCount} replicas, ballot ${p.ballot}`,
    '',
    `- primary: ${p.primary ? `\`${p.primary}\`${dead(p.primary)}` : '**none**'}`,
    ...p.secondaries.map((s) => `- secondary: \`${s}\`${dead(s)}`),
  ];
  if (p.health >= 3)
    lines.push('', 'Without a primary the partition serves neither reads nor writes. The meta upgrades a secondary unless it is frozen.');
  else if (p.health > 0)
    lines.push('', "Missing replicas are re-created by the meta's cure after the assign delay (in `steady` or `lively`).");
  lines.push('', '_Reveal Replicas shows them under their nodes._');
  return lines.join('\n');
}

// ---------- messages ----------

export function messageItem(id: string, label: string, description: string | undefined, severity: 'error' | 'warning' | 'info'): ItemView {
  return {
    id,
    label,
    description,
    icon:
      severity === 'error'
        ? { id: 'error', color: COLOR.error }
        : severity === 'warning'
          ? { id: 'warning', color: COLOR.warning }
          : { id: 'info' },
    contextValue: `pegasus.message.${severity}`,
    collapsible: 'none',
  };
}

// ---------- status bar ----------

export interface StatusBarView {
  readonly text: string;
  readonly tooltip: string;
  /** 'error' | 'warning' background, or none. */
  readonly severity?: 'error' | 'warning';
}

/** How fresh the status bar's data is: the wall clock now and how often the active cluster is read. */
export interface Freshness {
  /** Date.now() (the snapshot's fetchedAt is wall-clock ms). */
  readonly now: number;
  /** Ms between automatic reads right now; null when nothing polls (refresh interval 0). */
  readonly pollMs: number | null;
  readonly viewVisible: boolean;
}

export function ageText(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 90 ? `${s} s` : s < 5400 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h`;
}

/** One tooltip line: when the data was read, how often it is re-read, and whether it is stale. */
export function freshnessLine(fetchedAt: number, fr: Freshness): string {
  const age = fr.now - fetchedAt;
  const read = `read at ${timeOfDay(fetchedAt)} UTC (${ageText(age)} ago)`;
  if (fr.pollMs === null)
    return `$(history) Data ${read}; automatic refresh is off (\`pegasus.refreshInterval\` is 0). Click to open the Clusters view and refresh.`;
  const every = `re-read every ${ageText(fr.pollMs)}${fr.viewVisible ? '' : ' while the Clusters view is hidden'}`;
  // Two missed polls (plus slack for a slow meta) make the numbers above untrustworthy.
  if (age > 2 * fr.pollMs + 5000)
    return `$(warning) **Stale**: data ${read}, though it is ${every}; the cluster may be slow or unreachable. Click to open the Clusters view.`;
  return `$(history) Data ${read}; ${every}.`;
}

export function statusBarView(f: ClusterFacts | undefined, clusterCount: number, freshness?: Freshness): StatusBarView {
  if (!f) {
    return clusterCount === 0
      ? {
          text: '$(database) Pegasus: no cluster',
          tooltip: 'No Pegasus cluster configured. Click to open the Clusters view and start a simulated cluster or add one.',
        }
      : {
          text: '$(database) Pegasus: choose a cluster',
          tooltip: 'Click to open the Clusters view; right-click a cluster → Set as Active Cluster.',
        };
  }
  const h = clusterHealth(f);
  const tight = h === 'healthy' && marginSeverity(f.freezeMargin) === 'warning';
  const icon =
    h === 'healthy'
      ? tight
        ? '$(warning)'
        : '$(pass-filled)'
      : h === 'loading'
        ? '$(sync~spin)'
        : h === 'unhealthy'
          ? '$(warning)'
          : '$(error)';
  let detail: string;
  switch (h) {
    case 'healthy':
      detail = f.freezeMargin !== undefined ? `margin ${f.freezeMargin}` : 'healthy';
      break;
    case 'unhealthy':
      detail = [
        (f.unhealthyPartitions ?? 0) > 0 ? `${f.unhealthyPartitions} unhealthy` : '',
        (f.unalive ?? 0) > 0 ? `${f.unalive} down` : '',
      ]
        .filter(Boolean)
        .join(', ');
      break;
    case 'frozen':
      detail = 'FROZEN';
      break;
    case 'unreachable':
      detail = 'unreachable';
      break;
    default:
      detail = 'connecting…';
  }
  return {
    text: `${icon} ${f.name}: ${detail}`,
    tooltip:
      freshness && f.fetchedAt !== undefined ? `${clusterTooltip(f)}\n\n${freshnessLine(f.fetchedAt, freshness)}` : clusterTooltip(f),
    severity: h === 'frozen' || h === 'unreachable' ? 'error' : h === 'unhealthy' || tight ? 'warning' : undefined,
  };
}
