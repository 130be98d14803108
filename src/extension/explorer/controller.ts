/**
 * Keeps one snapshot per cluster up to date: one refresh scheduler per cluster (so a slow or
 * unreachable cluster never holds back the others), the first-paint snapshot shown until the
 * complete one arrives, errors kept next to the last good data. Pure (no `vscode` import): the
 * tree adapter listens to `onChange` and the tests drive it with fake clients and a fake clock.
 */
import type { MetaClientLike } from '../../cluster/client';
import { fetchSnapshot as realFetchSnapshot, type FetchSnapshotOptions } from '../../cluster/fetch';
import type { ClusterSnapshot } from '../../cluster/snapshot';
import type { ReaderOptions, ReplicaData } from '../../cluster/replicaData';
import type { ClusterIdentity, ClusterStatus } from './presentation';
import { RefreshScheduler, realClock, type Clock, type RefreshReason } from './schedule';
import type { ClusterViewState, ExplorerFilter, TreeContext } from './treeModel';

export interface ClusterSource extends ClusterIdentity {
  /** The cluster's meta client (one per cluster, owned by the registry). */
  readonly client: MetaClientLike;
}

export interface ControllerOptions {
  intervalMs: number;
  /** Partition-config queries in flight per refresh (a function: read at every refresh). */
  concurrency?: number | (() => number);
  /** Per-call timeout, so an unreachable meta turns into an error item instead of a spinner. */
  timeoutMs?: number;
  clock?: Clock;
  debounceMs?: number;
  fetchSnapshot?: (client: MetaClientLike, opts: FetchSnapshotOptions) => Promise<ClusterSnapshot>;
  /** A cluster's items changed (undefined: the list of clusters itself). */
  onChange: (cluster: string | undefined) => void;
  /** A complete refresh finished (ok or failed). */
  onRefreshed?: (cluster: string) => void;
  /** A refresh succeeded: the new complete snapshot (the registry republishes it as `onDidRefresh`). */
  onSnapshot?: (cluster: string, snapshot: ClusterSnapshot) => void;
  log?: (level: 'info' | 'warn', message: string) => void;
  /**
   * Reads sizes and disks from the replica servers after each refresh (src/cluster/replicaData);
   * absent: not read, and the tree shows no sizes.
   */
  readReplicaData?: (nodes: readonly string[], opts: ReaderOptions) => Promise<ReplicaData>;
  /** Disk fill (percent used) from which a node is flagged (read at every repaint). */
  diskFillLimitPct?: () => number;
}

interface Entry {
  source: ClusterSource;
  status: ClusterStatus;
  snapshot: ClusterSnapshot | undefined;
  lastDurationMs: number | undefined;
  leaving: Set<string>;
  scheduler: RefreshScheduler;
  /** The reading that goes with `snapshot` (dropped whenever the snapshot is). */
  replicaData: ReplicaData | undefined;
}

/** The message, code and hint of whatever a refresh threw (PegasusError carries code and hint). */
export function describeError(e: unknown): { message: string; code?: string; hint?: string } {
  if (e && typeof e === 'object') {
    const o = e as { message?: unknown; code?: unknown; hint?: unknown; detail?: unknown };
    const code = typeof o.code === 'string' ? o.code : undefined;
    const hint = typeof o.hint === 'string' ? o.hint : undefined;
    // A PegasusError's message already ends with its hint; show code + detail and the hint apart.
    const message = code && typeof o.detail === 'string' ? `${code}: ${o.detail}` : typeof o.message === 'string' ? o.message : String(e);
    return { message, ...(code ? { code } : {}), ...(hint ? { hint } : {}) };
  }
  return { message: String(e) };
}

export class ExplorerController {
  private readonly entries = new Map<string, Entry>();
  private order: string[] = [];
  private active: string | undefined;
  private visible = false;
  private intervalMs: number;
  private readonly clock: Clock;
  private readonly fetch: NonNullable<ControllerOptions['fetchSnapshot']>;
  private disposed = false;

  constructor(private readonly opts: ControllerOptions) {
    this.intervalMs = opts.intervalMs;
    this.clock = opts.clock ?? realClock;
    this.fetch = opts.fetchSnapshot ?? realFetchSnapshot;
  }

  /** Replaces the cluster list; clusters whose name and meta servers are unchanged keep their data. */
  setClusters(sources: readonly ClusterSource[], active: string | undefined): void {
    const keep = new Set<string>();
    for (const src of sources) {
      const old = this.entries.get(src.name);
      if (old && old.source.client === src.client) {
        old.source = src;
        keep.add(src.name);
        continue;
      }
      old?.scheduler.dispose();
      const entry: Entry = {
        source: src,
        status: { kind: 'loading' },
        snapshot: undefined,
        lastDurationMs: undefined,
        leaving: old?.leaving ?? new Set(),
        scheduler: undefined as unknown as RefreshScheduler,
        replicaData: undefined,
      };
      entry.scheduler = new RefreshScheduler({
        intervalMs: this.intervalMs,
        clock: this.clock,
        debounceMs: this.opts.debounceMs,
        run: (reason, signal) => this.refreshOne(entry, reason, signal),
      });
      this.entries.set(src.name, entry);
      keep.add(src.name);
      entry.scheduler.setVisible(this.visible);
      if (!this.visible) entry.scheduler.request('initial');
    }
    for (const [name, e] of this.entries) {
      if (!keep.has(name)) {
        e.scheduler.dispose();
        this.entries.delete(name);
      }
    }
    this.order = sources.map((s) => s.name);
    this.active = active;
    this.syncBackground();
    this.opts.onChange(undefined);
  }

  setActive(name: string | undefined): void {
    this.active = name;
    this.syncBackground();
    this.opts.onChange(undefined);
  }

  /** Only the active cluster keeps polling (slower) while the view is hidden: the status bar shows it. */
  private syncBackground(): void {
    for (const [name, e] of this.entries) e.scheduler.setBackground(name === this.active);
  }

  /** When the active cluster is polled next, in ms (null: not polling); for tests and the status bar. */
  nextPollIn(name: string): number | null {
    return this.entries.get(name)?.scheduler.nextDueIn() ?? null;
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    for (const e of this.entries.values()) e.scheduler.setVisible(visible);
  }

  setIntervalMs(ms: number): void {
    this.intervalMs = ms;
    for (const e of this.entries.values()) e.scheduler.setIntervalMs(ms);
  }

  /** Refresh one cluster, or all of them. */
  refresh(name?: string, reason: RefreshReason = 'manual'): void {
    for (const [n, e] of this.entries) if (name === undefined || n === name) e.scheduler.request(reason);
  }

  /** A runbook step or engine action changed this cluster: refresh it (debounced). */
  notifyChanged(name: string): void {
    this.entries.get(name)?.scheduler.request('change');
  }

  setLeaving(name: string, nodes: readonly string[]): void {
    const e = this.entries.get(name);
    if (!e) return;
    e.leaving = new Set(nodes);
    this.opts.onChange(name);
  }

  snapshot(name: string): ClusterSnapshot | undefined {
    return this.entries.get(name)?.snapshot;
  }

  /** Resolves once every refresh in flight (and queued behind it) has finished. */
  async idle(): Promise<void> {
    await Promise.all([...this.entries.values()].map((e) => e.scheduler.idle()));
  }

  views(): ClusterViewState[] {
    const out: ClusterViewState[] = [];
    for (const name of this.order) {
      const e = this.entries.get(name);
      if (!e) continue;
      out.push({
        name,
        metaServers: e.source.metaServers,
        production: e.source.production,
        simulated: e.source.simulated,
        control: e.source.control,
        active: name === this.active,
        status: e.status,
        snapshot: e.snapshot,
        lastDurationMs: e.lastDurationMs,
        leaving: e.leaving,
        ...(e.replicaData ? { replicaData: e.replicaData } : {}),
        ...(this.opts.diskFillLimitPct ? { diskFillLimitPct: this.opts.diskFillLimitPct() } : {}),
      });
    }
    return out;
  }

  context(settingsProblems: readonly { message: string }[], filter?: ExplorerFilter): TreeContext {
    return { clusters: this.views(), settingsProblems, filter };
  }

  dispose(): void {
    this.disposed = true;
    for (const e of this.entries.values()) e.scheduler.dispose();
    this.entries.clear();
  }

  private async refreshOne(entry: Entry, reason: RefreshReason, signal: AbortSignal): Promise<void> {
    const name = entry.source.name;
    const t0 = this.clock.now();
    // A retry of an unreachable cluster keeps saying so until it answers: flipping to "connecting…"
    // for every poll would flash the row (and re-render it) every interval.
    if (!entry.snapshot && entry.status.kind !== 'loading' && entry.status.kind !== 'error') {
      entry.status = { kind: 'loading' };
      this.opts.onChange(name);
    }
    let fresh: ClusterSnapshot | undefined;
    try {
      const snap = await this.fetch(entry.source.client, {
        signal,
        concurrency: Math.max(1, (typeof this.opts.concurrency === 'function' ? this.opts.concurrency() : this.opts.concurrency) ?? 16),
        ...(this.opts.timeoutMs !== undefined ? { timeoutMs: this.opts.timeoutMs } : {}),
        onTopLevel: (partial) => {
          // First paint only when nothing complete is shown yet; later refreshes swap in one go.
          if (this.isCurrent(entry) && !entry.snapshot?.complete) {
            entry.snapshot = partial;
            entry.status = { kind: 'ok' };
            this.opts.onChange(name);
          }
        },
      });
      if (!this.isCurrent(entry)) return;
      entry.snapshot = snap;
      entry.status = { kind: 'ok' };
      fresh = snap;
      if (this.opts.readReplicaData) {
        // Show the new map at once; sizes follow when the replica servers have answered.
        this.opts.onChange(name);
        const data = await this.readSizes(entry, snap, signal);
        if (!this.isCurrent(entry) || entry.snapshot !== snap) return;
        entry.replicaData = data;
      }
    } catch (e) {
      if (signal.aborted || !this.isCurrent(entry)) return;
      const d = describeError(e);
      entry.status = { kind: 'error', ...d };
      // A first-paint snapshot without partitions must not pass for data once the refresh failed.
      if (entry.snapshot && !entry.snapshot.complete) {
        entry.snapshot = undefined;
        entry.replicaData = undefined;
      }
      this.opts.log?.('warn', `refreshing ${name} (${reason}) failed: ${d.message}`);
    }
    entry.lastDurationMs = this.clock.now() - t0;
    this.opts.onChange(name);
    if (fresh) this.opts.onSnapshot?.(name, fresh);
    this.opts.onRefreshed?.(name);
  }

  /** Sizes for this snapshot's ALIVE nodes; undefined when nothing could be read at all. */
  private async readSizes(entry: Entry, snap: ClusterSnapshot, signal: AbortSignal): Promise<ReplicaData | undefined> {
    const alive = snap.nodes.filter((n) => n.status === 'ALIVE');
    // Master (host:port identities) serves /metrics on the RPC port; 2.5 answers perf counters by remote command.
    const dialect = alive.some((n) => n.hostPort) ? '2.6' : '2.5';
    const addrs = alive.map((n) => (dialect === '2.6' ? n.hostPort || n.address : n.ip || n.address));
    try {
      const data = await this.opts.readReplicaData!(addrs, {
        dialect,
        signal,
        remote: entry.source.client,
        ...(this.opts.timeoutMs !== undefined ? { timeoutMs: this.opts.timeoutMs } : {}),
      });
      if (data.unknown.length > 0 && !signal.aborted) {
        const first = data.unknown[0]!;
        this.opts.log?.(
          'info',
          `${entry.source.name}: ${data.unknown.length} replica server(s) gave no sizes (${first.node}: ${first.code})`,
        );
      }
      return data.answered.length > 0 ? data : undefined;
    } catch (e) {
      this.opts.log?.('warn', `${entry.source.name}: reading replica sizes failed: ${describeError(e).message}`);
      return undefined;
    }
  }

  private isCurrent(entry: Entry): boolean {
    return !this.disposed && this.entries.get(entry.source.name) === entry;
  }
}
