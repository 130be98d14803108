/**
 * A small, deterministic stand-in for a Pegasus cluster behind the engine's ports (ClusterPort,
 * NodeControl, Clock): enough behaviour to test the engine's decisions fast (failure detection,
 * the freeze rule via src/cluster/freeze, proposals, cure with black list and assign delay, leader
 * failover losing runtime settings). End-to-end behaviour is tested against the real simulator.
 */
import { freezeVerdict } from '../../src/cluster/freeze';
import type { NodeDisk, ReplicaData, ReplicaSize, UnknownNode } from '../../src/cluster/replicaData';
import { ScaleEngine, type EngineEvent, type EngineOptions } from '../../src/engine/engine';
import { Journal } from '../../src/engine/journal';
import {
  abortError,
  type Clock,
  type ClusterPort,
  type ClusterState,
  type LeaderChangeInfo,
  type MetaLevel,
  type MinLiveReading,
  type NodeControl,
  type Proposal,
  type SettingName,
} from '../../src/engine/ports';

interface FPart {
  pidx: number;
  ballot: number;
  primary: string | null;
  secondaries: string[];
  pending: Proposal | null;
  learn?: { to: string; doneAt: number; kind: 'copy_sec' | 'cure' };
  dropAt?: number;
  dropNode?: string;
}

interface FTable {
  appId: number;
  name: string;
  maxReplicaCount: number;
  partitions: FPart[];
}

/** One node's disk as the reader reports it: `used` bytes of `total` taken. */
export function diskOf(node: string, total: number, used: number): NodeDisk {
  const availBytes = Math.max(0, total - used);
  const ratio = total > 0 ? Math.round((availBytes * 100) / total) : 0;
  return { node, totalBytes: total, availBytes, usedBytes: total - availBytes, availTotalRatio: ratio, availMinRatio: ratio };
}

/** A reader's answer (2.6 unless told) from the parts a test cares about; learning counters from bytes copied in. */
export function replicaDataOf(d: {
  replicas?: readonly ReplicaSize[];
  disks?: readonly NodeDisk[];
  learning?: readonly { node: string; copyFileBytes: number }[];
  unknown?: readonly UnknownNode[];
  dialect?: ReplicaData['dialect'];
}): ReplicaData {
  const dialect = d.dialect ?? '2.6';
  const replicas = d.replicas ?? [];
  const unknown = d.unknown ?? [];
  const learning = (d.learning ?? []).map((l) => ({ dialect, copyBufferBytes: 0, copyFiles: 0, learnCount: 0, ...l }));
  const answered = [...new Set([...replicas.map((r) => r.node), ...(d.disks ?? []).map((k) => k.node), ...learning.map((l) => l.node)])];
  return { dialect, answered, replicas, disks: d.disks ?? [], learning, unknown, readAt: 0 };
}

export interface FakeOptions {
  nodes: number;
  tables: { name: string; partitions: number; replicas: number }[];
  pct?: number;
  minLive?: number;
  graceMs?: number;
  copyMs?: number;
  tickMs?: number;
  delayMs?: number;
  /**
   * Replica servers that report their data (ClusterPort.readReplicaData): every replica of a
   * partition has its size in MB (a number for all, or per table id and partition), each node one
   * disk of `diskMb` (default 100 GiB) holding only its replicas. Absent: no replica data.
   */
  sizes?: { mb: number | ((appId: number, pidx: number) => number); diskMb?: number | ((node: string) => number) };
}

export class FakeCluster implements ClusterPort {
  time = 0;
  readonly nodes = new Map<string, { running: boolean; alive: boolean; stoppedAt: number }>();
  readonly dead = new Set<string>();
  readonly tables: FTable[] = [];
  readonly config: { pct: number; delay: number };
  settings: { level: MetaLevel; blackList: string[]; delay: number; pct: number; onlyMovePrimary: boolean };
  leader = '127.0.0.1:34601';
  readonly minLive: number;
  readonly graceMs: number;
  readonly copyMs: number;
  readonly tickMs: number;
  readonly metrics = { copies: 0, noPrimaryMs: 0, frozenMs: 0, proposals: 0 };
  /** Proposals touching these nodes are accepted but never executed (a node that never drains). */
  readonly stuckNodes = new Set<string>();
  /** Called after each internal tick (tests inject faults at a given time). */
  onTick?: (f: FakeCluster) => void;
  private readonly listeners = new Set<(l: string, c?: LeaderChangeInfo) => void>();
  /** Background leader watches the engine started (ClusterPort.watchLeader). */
  readonly watches: { intervalMs: number; stopped: boolean }[] = [];
  readonly settingLog: string[] = [];
  /** Bytes each node copied in as a learner (its learning counter); reset when its process restarts. */
  readonly learned = new Map<string, number>();
  /** Nodes whose replica server does not answer the data read (besides stopped ones). */
  readonly silent = new Set<string>();
  /** Remote commands sent to replica servers, as `node command args`. */
  readonly replicaCommands: string[] = [];
  /** Per node, the NFS throttles in force (MB/s; 0 = unlimited), as the remote commands print them. */
  readonly nfs = new Map<string, { copy: number; send: number }>();
  readonly readReplicaData?: (nodes: readonly string[]) => Promise<ReplicaData>;
  private readonly sizeMb?: (appId: number, pidx: number) => number;
  private readonly diskMb?: (node: string) => number;

  constructor(o: FakeOptions) {
    this.minLive = o.minLive ?? 3;
    this.graceMs = o.graceMs ?? 10_000;
    this.copyMs = o.copyMs ?? 4_000;
    this.tickMs = o.tickMs ?? 1_000;
    this.config = { pct: o.pct ?? 50, delay: o.delayMs ?? 300_000 };
    this.settings = { level: 'steady', blackList: [], delay: this.config.delay, pct: this.config.pct, onlyMovePrimary: false };
    if (o.sizes) {
      const mb = o.sizes.mb;
      const disk = o.sizes.diskMb ?? 100 * 1024;
      this.sizeMb = typeof mb === 'number' ? () => mb : mb;
      this.diskMb = typeof disk === 'number' ? () => disk : disk;
      this.readReplicaData = (nodes) => this.replicaData(nodes);
    }
    const addrs = Array.from({ length: o.nodes }, (_, i) => `10.0.0.${i + 1}:34801`);
    for (const a of addrs) this.nodes.set(a, { running: true, alive: true, stoppedAt: 0 });
    let k = 0;
    o.tables.forEach((t, ti) => {
      const parts: FPart[] = [];
      for (let p = 0; p < t.partitions; p++) {
        const members = Array.from({ length: t.replicas }, (_, r) => addrs[(k + r) % addrs.length]!);
        k++;
        parts.push({ pidx: p, ballot: 3, primary: members[0]!, secondaries: members.slice(1), pending: null });
      }
      this.tables.push({ appId: ti + 1, name: t.name, maxReplicaCount: t.replicas, partitions: parts });
    });
  }

  // ------------------------------------------------------------ ClusterPort

  /** Bytes of one replica of the partition (the same on every node that holds it). */
  replicaBytes(appId: number, pidx: number): number {
    return Math.round((this.sizeMb?.(appId, pidx) ?? 0) * 1024 * 1024);
  }

  /** The replicas' bytes on a node now. */
  dataOn(node: string): number {
    let b = 0;
    for (const t of this.tables)
      for (const p of t.partitions) if (p.primary === node || p.secondaries.includes(node)) b += this.replicaBytes(t.appId, p.pidx);
    return b;
  }

  private async replicaData(nodes: readonly string[]): Promise<ReplicaData> {
    const MB = 1024 * 1024;
    const replicas: ReplicaSize[] = [];
    const disks: NodeDisk[] = [];
    const learning: { node: string; copyFileBytes: number }[] = [];
    const unknown: UnknownNode[] = [];
    for (const node of nodes) {
      if (!this.nodes.get(node)?.running || this.silent.has(node)) {
        unknown.push({ node, code: 'unreachable', detail: 'connection refused' });
        continue;
      }
      for (const t of this.tables)
        for (const p of t.partitions)
          if (p.primary === node || p.secondaries.includes(node))
            replicas.push({ appId: t.appId, partitionIndex: p.pidx, node, bytes: this.replicaBytes(t.appId, p.pidx) });
      disks.push(diskOf(node, this.diskMb!(node) * MB, this.dataOn(node)));
      learning.push({ node, copyFileBytes: this.learned.get(node) ?? 0 });
    }
    return replicaDataOf({ replicas, disks, learning, unknown });
  }

  async replicaCommand(node: string, command: string, args: readonly string[]): Promise<string> {
    this.replicaCommands.push(`${node} ${command}${args.length ? ` ${args.join(' ')}` : ''}`);
    if (!this.nodes.get(node)?.running) throw new Error(`ERR_NETWORK_FAILURE: ${node} does not answer`);
    const cur = this.nfs.get(node) ?? { copy: 0, send: 0 };
    const key =
      command === 'nfs.max_copy_rate_megabytes_per_disk' ? 'copy' : command === 'nfs.max_send_rate_megabytes_per_disk' ? 'send' : undefined;
    if (!key) return `unknown command '${command}'`;
    if (args.length === 0) return String(cur[key]);
    const n = Number(args[0]);
    if (!Number.isInteger(n) || n <= 0) return 'ERR: invalid arguments';
    this.nfs.set(node, { ...cur, [key]: n });
    return 'OK';
  }

  /** Every meta call fails until this time (the metas vanished: restart, network partition). */
  metaDownUntil = -1;
  private checkUp(): void {
    if (this.time < this.metaDownUntil) throw new Error('ERR_NETWORK_FAILURE: no meta server answered (connection refused)');
  }

  async readState(): Promise<ClusterState> {
    this.checkUp();
    return {
      leader: this.leader,
      nodes: [...this.nodes.entries()].filter(([a, n]) => n.alive || this.dead.has(a)).map(([a, n]) => ({ address: a, alive: n.alive })),
      tables: this.tables.map((t) => ({
        appId: t.appId,
        name: t.name,
        maxReplicaCount: t.maxReplicaCount,
        partitions: t.partitions.map((p) => ({ pidx: p.pidx, ballot: p.ballot, primary: p.primary, secondaries: [...p.secondaries] })),
      })),
      effectiveLevel: this.frozen() ? 'freezed' : this.settings.level,
    };
  }

  async getSetting(name: SettingName): Promise<string> {
    this.checkUp();
    switch (name) {
      case 'meta_level':
        return this.settings.level;
      case 'meta.lb.assign_secondary_black_list':
        return this.settings.blackList.join(',');
      case 'meta.lb.assign_delay_ms':
        return String(this.settings.delay);
      case 'meta.live_percentage':
        return String(this.settings.pct);
      case 'meta.lb.only_move_primary':
        return String(this.settings.onlyMovePrimary);
    }
  }

  async setSetting(name: SettingName, value: string): Promise<void> {
    this.checkUp();
    this.settingLog.push(`${name}=${value}`);
    switch (name) {
      case 'meta_level':
        this.settings.level = value as MetaLevel;
        if (value === 'steady') for (const t of this.tables) for (const p of t.partitions) if (!p.learn) p.pending = null;
        return;
      case 'meta.lb.assign_secondary_black_list':
        this.settings.blackList = value ? value.split(',') : [];
        return;
      case 'meta.lb.assign_delay_ms':
        this.settings.delay = Number(value);
        return;
      case 'meta.live_percentage':
        this.settings.pct = Number(value);
        return;
      case 'meta.lb.only_move_primary':
        this.settings.onlyMovePrimary = value === 'true';
    }
  }

  async propose(p: Proposal): Promise<'accepted' | 'pending'> {
    this.checkUp();
    const part = this.part(p.appId, p.pidx);
    if (part.pending || part.learn) return 'pending';
    this.metrics.proposals++;
    part.pending = p;
    return 'accepted';
  }

  /** Set to make the leader's /config unreadable (an old Pegasus, or its HTTP port firewalled). */
  minLiveUnreadable?: string;
  readonly minLiveReads: string[] = [];

  async readMinLive(leader: string): Promise<MinLiveReading> {
    this.minLiveReads.push(leader);
    if (this.minLiveUnreadable !== undefined) return { reason: this.minLiveUnreadable };
    return { value: this.minLive, source: `fake leader ${leader}` };
  }

  onLeaderChange(listener: (leader: string, c?: LeaderChangeInfo) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  watchLeader(o: { intervalMs: number; signal?: AbortSignal }): () => void {
    const w = { intervalMs: o.intervalMs, stopped: false };
    this.watches.push(w);
    const stop = (): void => void (w.stopped = true);
    o.signal?.addEventListener('abort', stop, { once: true });
    return stop;
  }

  // ------------------------------------------------------------ control, clock

  control(): NodeControl {
    return {
      kind: 'simulator',
      restartsMetaGroup: true,
      stopNode: async (a) => {
        const n = this.nodes.get(a)!;
        n.running = false;
        n.stoppedAt = this.time;
      },
      startNode: async (a) => {
        const n = this.nodes.get(a) ?? { running: false, alive: false, stoppedAt: 0 };
        this.nodes.set(a, n);
        n.running = true;
        n.alive = true;
        this.dead.delete(a);
        // A new process: its counters and runtime-set throttles start over.
        this.learned.delete(a);
        this.nfs.delete(a);
      },
      addNode: async () => {
        const a = `10.0.1.${this.nodes.size + 1}:34801`;
        this.nodes.set(a, { running: false, alive: false, stoppedAt: 0 });
        return a;
      },
      restartMeta: async () => this.restartMetas(),
    };
  }

  clock(): Clock {
    return {
      now: () => this.time,
      sleep: async (ms, signal) => {
        if (signal?.aborted) throw abortError(signal);
        this.advance(ms);
        if (signal?.aborted) throw abortError(signal);
      },
    };
  }

  // ------------------------------------------------------------ behaviour

  part(appId: number, pidx: number): FPart {
    return this.tables.find((t) => t.appId === appId)!.partitions[pidx]!;
  }

  aliveCount(): number {
    return [...this.nodes.values()].filter((n) => n.alive).length;
  }

  frozen(): boolean {
    return freezeVerdict({ alive: this.aliveCount(), dead: this.dead.size, pct: this.settings.pct, minLive: this.minLive }).frozen;
  }

  replicasOn(a: string): number {
    let n = 0;
    for (const t of this.tables) for (const p of t.partitions) if (p.primary === a || p.secondaries.includes(a)) n++;
    return n;
  }

  unhealthy(): number {
    let n = 0;
    for (const t of this.tables) for (const p of t.partitions) if (!p.primary || 1 + p.secondaries.length < t.maxReplicaCount) n++;
    return n;
  }

  failover(): void {
    this.leader = this.leader === '127.0.0.1:34601' ? '127.0.0.1:34602' : '127.0.0.1:34601';
    this.settings = { level: 'steady', blackList: [], delay: this.config.delay, pct: this.config.pct, onlyMovePrimary: false };
    for (const t of this.tables) for (const p of t.partitions) if (!p.learn) p.pending = null;
    // The new leader's dead set: dead nodes still referenced by partitions.
    this.dead.clear();
    for (const [a, n] of this.nodes) if (!n.alive && this.replicasOn(a) > 0) this.dead.add(a);
    for (const l of this.listeners) l(this.leader);
  }

  /**
   * The leader's process restarts and leads again: runtime settings and proposals are gone, the
   * address is the same. Only a running leader watch notices (no call hit its start-up window).
   */
  restartLeaderInPlace(): void {
    this.settings = { level: 'steady', blackList: [], delay: this.config.delay, pct: this.config.pct, onlyMovePrimary: false };
    for (const t of this.tables) for (const p of t.partitions) if (!p.learn) p.pending = null;
    if (this.watches.some((w) => !w.stopped)) for (const l of this.listeners) l(this.leader, { restarted: true });
  }

  restartMetas(): void {
    this.failover();
  }

  advance(ms: number): void {
    const end = this.time + ms;
    while (this.time < end) {
      const dt = Math.min(this.tickMs, end - this.time);
      this.time += dt;
      this.tick(dt);
    }
  }

  private tick(dt: number): void {
    const frozen = this.frozen();
    if (frozen) this.metrics.frozenMs += dt;
    for (const t of this.tables) for (const p of t.partitions) if (!p.primary) this.metrics.noPrimaryMs += dt;
    // Failure detection.
    for (const [a, n] of this.nodes) {
      if (!n.running && n.alive && this.time - n.stoppedAt >= this.graceMs) {
        n.alive = false;
        this.dead.add(a);
        this.onDeath(a);
      }
    }
    const canReconfig = !this.frozen() && (this.settings.level === 'steady' || this.settings.level === 'lively');
    if (canReconfig) {
      for (const t of this.tables) for (const p of t.partitions) this.cure(t, p);
    }
    this.onTick?.(this);
  }

  private onDeath(a: string): void {
    for (const t of this.tables) {
      for (const p of t.partitions) {
        if (p.primary === a) {
          p.primary = null;
          p.ballot++;
          p.dropAt = this.time;
          p.dropNode = a;
        } else if (p.secondaries.includes(a) && !this.frozen()) {
          p.secondaries = p.secondaries.filter((s) => s !== a);
          p.ballot++;
          p.dropAt = this.time;
          p.dropNode = a;
        }
        if (p.learn?.to === a) delete p.learn;
      }
    }
  }

  private alive(a: string): boolean {
    return this.nodes.get(a)?.alive ?? false;
  }

  private cure(t: FTable, p: FPart): void {
    // Dead secondaries left over from a freeze.
    const deadSecs = p.secondaries.filter((s) => !this.alive(s));
    if (deadSecs.length && p.primary) {
      p.secondaries = p.secondaries.filter((s) => this.alive(s));
      p.ballot++;
      p.dropAt = this.time;
      p.dropNode = deadSecs[0]!;
    }
    if (!p.primary) {
      const s = p.secondaries.find((x) => this.alive(x));
      if (s) {
        p.primary = s;
        p.secondaries = p.secondaries.filter((x) => x !== s);
        p.ballot++;
      }
      return;
    }
    if (p.learn) {
      if (this.time >= p.learn.doneAt) {
        const to = p.learn.to;
        this.learned.set(to, (this.learned.get(to) ?? 0) + this.replicaBytes(t.appId, p.pidx));
        p.secondaries.push(to);
        p.ballot++;
        this.metrics.copies++;
        const kind = p.learn.kind;
        delete p.learn;
        if (kind === 'copy_sec' && p.pending?.type === 'copy_sec') {
          const from = p.pending.from;
          p.secondaries = p.secondaries.filter((x) => x !== from);
          p.ballot++;
          p.pending = null;
        }
      }
      return;
    }
    const pr = p.pending;
    if (pr && !this.stuckNodes.has(pr.from)) {
      if (pr.type === 'move_pri') {
        if (p.primary === pr.from && p.secondaries.includes(pr.to) && this.alive(pr.to)) {
          p.secondaries = [...p.secondaries.filter((x) => x !== pr.to), pr.from];
          p.primary = pr.to;
          p.ballot += 2;
        }
        p.pending = null;
      } else if (pr.type === 'copy_sec') {
        if (this.alive(pr.to) && !p.secondaries.includes(pr.to) && p.primary !== pr.to)
          p.learn = { to: pr.to, doneAt: this.time + this.copyMs, kind: 'copy_sec' };
        else p.pending = null;
      } else if (pr.type === 'remove') {
        if (p.secondaries.includes(pr.from)) {
          p.secondaries = p.secondaries.filter((x) => x !== pr.from);
          p.ballot++;
        }
        p.pending = null;
      } else p.pending = null;
      return;
    }
    if (pr) return;
    if (1 + p.secondaries.length < t.maxReplicaCount) {
      const emergency =
        1 + p.secondaries.length < 2 ||
        p.dropAt === undefined ||
        this.time > p.dropAt + this.settings.delay ||
        (p.dropNode !== undefined && this.settings.blackList.includes(p.dropNode));
      if (!emergency) {
        if (p.dropNode && this.alive(p.dropNode) && !p.secondaries.includes(p.dropNode)) {
          p.secondaries.push(p.dropNode);
          p.ballot++;
        }
        return;
      }
      const members = new Set([p.primary, ...p.secondaries]);
      const cands = [...this.nodes.keys()].filter((a) => this.alive(a) && !members.has(a) && !this.settings.blackList.includes(a));
      if (!cands.length) return;
      cands.sort((x, y) => this.replicasOn(x) - this.replicasOn(y) || (x < y ? -1 : 1));
      p.learn = { to: cands[0]!, doneAt: this.time + this.copyMs, kind: 'cure' };
    }
  }
}

/** What every engine test over the fake starts from: 1 s polls on the fake's clock, a 10 s fd grace, 1 s lb ticks. */
export const FAKE_ENGINE_OPTIONS: EngineOptions = { pollIntervalMs: 1000, fdGraceSeconds: 10, lbIntervalSeconds: 1 };

/** Replicas of 1 MiB copied at 1 MB/s, and timeouts the fake's scenarios stay well within. */
export const SIZED_ENGINE_OPTIONS: EngineOptions = {
  replicaSizeBytes: 1 << 20,
  copyRateMBps: 1,
  timeouts: { primariesMs: 120_000, secondariesMs: 600_000, healthyMs: 300_000, nodeGoneMs: 60_000 },
};

export const TWO_METAS: readonly string[] = ['127.0.0.1:34601', '127.0.0.1:34602'];

export interface FakeEngineSetup {
  /** Drive this fake instead of a new one built from the cluster options (a second engine, a reload). */
  readonly cluster?: FakeCluster;
  /** The node control, from the fake (default: `f.control()`). */
  readonly control?: (f: FakeCluster) => NodeControl;
  readonly journal?: Journal;
  /** Default: one meta, 127.0.0.1:34601. */
  readonly metaServers?: readonly string[];
  readonly who?: string;
  /** Collect the events into this list (default: a new one). */
  readonly events?: EngineEvent[];
  /** Merged over FAKE_ENGINE_OPTIONS. */
  readonly options?: EngineOptions;
}

/**
 * A ScaleEngine over a FakeCluster (6 nodes, one table `temp` of 8 partitions x 3 unless `o` says
 * otherwise), on the fake's clock, its events collected in `events`.
 */
export function fakeEngine(
  o: Partial<FakeOptions> = {},
  s: FakeEngineSetup = {},
): { f: FakeCluster; engine: ScaleEngine; events: EngineEvent[]; journal: Journal } {
  const f = s.cluster ?? new FakeCluster({ nodes: 6, tables: [{ name: 'temp', partitions: 8, replicas: 3 }], ...o });
  const events = s.events ?? [];
  const journal = s.journal ?? Journal.memory();
  const engine = new ScaleEngine({
    cluster: f,
    control: s.control ? s.control(f) : f.control(),
    journal,
    clusterName: 'fake',
    metaServers: s.metaServers ?? ['127.0.0.1:34601'],
    ...(s.who !== undefined ? { who: s.who } : {}),
    clock: f.clock(),
    onEvent: (e) => events.push(e),
    options: { ...FAKE_ENGINE_OPTIONS, ...s.options },
  });
  return { f, engine, events, journal };
}
