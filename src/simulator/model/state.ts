/**
 * The state of the simulated cluster and the one place it changes: nodes, tables, partitions, the
 * meta leader state, the log, ground-truth metrics, config changes and the freeze rule. The layers
 * above (learning, guardian, lifecycle, meta) add behaviour; `SimModel` (model.ts) is the top.
 */
import { freezeVerdict } from '../../cluster/freeze';
import { SimClock } from './clock';
import {
  initialNodeAddress,
  resolveOptions,
  type ResolvedConfig,
  type ResolvedPlacement,
  type SimOptionsInput,
  type TableSpec,
} from './options';
import { Rng } from './rng';
import {
  Level,
  ctName,
  levelName,
  type LeaderState,
  type LogEntry,
  type Partition,
  type SimApp,
  type SimMeta,
  type SimMetrics,
  type SimNode,
} from './types';

export const MB = 1024 * 1024;
const LOG_CAP = 200_000;
/** Replicas retry a rejected config update every second (replica_config.cpp). */
export const RETRY_MS = 1000;

export type MetaRole = 'down' | 'leader' | 'leader-starting' | 'follower';

export interface ModelListener {
  /** A meta server went down (its port must stop accepting) or came back. */
  metaUpChanged?(meta: number, up: boolean): void;
  /** A replica server process stopped, started, or was added (up). */
  nodeUpChanged?(node: number, up: boolean): void;
}

export abstract class ModelState {
  readonly cfg: ResolvedConfig;
  readonly clock = new SimClock();
  readonly rng: Rng;
  /** Partition sizes only (see partitionSizes). */
  protected readonly sizeRng: Rng;
  readonly nodes: SimNode[] = [];
  readonly apps: SimApp[] = [];
  readonly partitions: Partition[] = [];
  readonly metas: SimMeta[] = [];
  leader: LeaderState | null = null;
  readonly metrics: SimMetrics = {
    replicasCopied: 0,
    bytesCopied: 0,
    incrementalLearns: 0,
    partitionSecondsWithoutPrimary: 0,
    partitionSecondsUnderReplicated: 0,
    frozenSeconds: 0,
    simulatedSeconds: 0,
    configChanges: 0,
    proposals: 0,
    balancerRounds: 0,
  };
  readonly log: LogEntry[] = [];
  logDropped = 0;
  listener: ModelListener = {};
  /** Real-time epoch of simulated time 0 (ms), for create_time and start_time strings only. */
  readonly epochMs: number;

  /** Partitions the lb tick must visit. */
  protected readonly attention = new Set<Partition>();
  /** No ready leader has acked beacons for longer than the lease: replica servers stop serving. */
  protected workersLost = false;
  protected leaderLostGen = 0;
  protected readonly byAddress = new Map<string, number>();
  protected readonly byHost = new Map<string, number>();
  protected leaderGen = 0;
  protected noPrimaryCount = 0;
  protected underCount = 0;
  /** Bumped on every config change / membership change; keys the balance checker cache. */
  protected epoch = 0;
  protected checkerKey = '';
  protected readonly bytesPerMs: number;

  constructor(input: SimOptionsInput, epochMs: number) {
    this.cfg = resolveOptions(input);
    this.rng = new Rng(this.cfg.seed);
    this.sizeRng = new Rng(this.cfg.seed ^ 0x5eed5);
    this.epochMs = epochMs;
    this.bytesPerMs = (this.cfg.copyRateMb * MB) / 1000;
    this.clock.onAdvance = (from, to) => this.integrate(from, to);
  }

  get now(): number {
    return this.clock.now;
  }

  // ------------------------------------------------------------------ setup

  /** The meta addresses are known only once the server has bound its ports. */
  setMetaAddresses(addresses: readonly string[]): void {
    if (addresses.length !== this.metas.length) throw new Error(`expected ${this.metas.length} meta addresses, got ${addresses.length}`);
    addresses.forEach((a, i) => (this.metas[i]!.address = a));
  }

  protected createNode(): SimNode {
    const idx = this.nodes.length;
    let address: string;
    if (idx < this.cfg.nodes) address = initialNodeAddress(this.cfg, idx);
    else {
      // Added later: the next loopback port from the base that no node uses yet.
      let port = this.cfg.replicaBasePort + idx;
      while (this.byAddress.has(`127.0.0.1:${port}`)) port++;
      address = `127.0.0.1:${port}`;
    }
    const port = Number(address.slice(address.lastIndexOf(':') + 1));
    const hn = this.cfg.hostnames;
    const host =
      Array.isArray(hn) && idx < hn.length ? hn[idx]! : hn !== false && address.startsWith('127.0.0.1:') ? `localhost:${port}` : address;
    const n: SimNode = {
      idx,
      address,
      host,
      port,
      running: true,
      startedAt: this.now,
      stoppedAt: -1,
      beaconPhase: this.rng.int(this.cfg.fdBeaconIntervalSeconds * 1000),
      syncPhase: this.rng.int(this.cfg.configSyncIntervalMs),
      parts: new Set(),
      primaries: 0,
      replicas: 0,
      newPrimaries: 0,
      newReplicas: 0,
      nfsCopyRateMb: 0,
      nfsSendRateMb: 0,
      diskTotalBytes: Math.round(this.cfg.diskGb * 1024 * MB),
      learnStats: new Map(),
      recentLearn: { copyFileBytes: 0, copyFiles: 0, starts: 0 },
      collected: true,
      learns: [],
      learnUpdatedAt: this.now,
      learnGen: 0,
      fdGen: 0,
    };
    this.nodes.push(n);
    this.byAddress.set(n.address, idx);
    if (host !== address) this.byHost.set(host, idx);
    for (const a of this.apps) {
      a.prim.push(0);
      a.rep.push(0);
    }
    return n;
  }

  protected createApp(t: TableSpec): void {
    const app: SimApp = {
      id: t.id ?? this.apps.length + 1,
      name: t.name,
      replicaBytes: Math.round((t.replicaSizeMb ?? this.cfg.replicaSizeMb) * MB),
      partitionCount: t.partitions,
      maxReplicas: t.replicas,
      createSecond: Math.floor((this.epochMs + this.now) / 1000),
      partitions: [],
      prim: this.nodes.map(() => 0),
      rep: this.nodes.map(() => 0),
      newPrim: [],
      newRep: [],
    };
    this.apps.push(app);
    const sizes = this.partitionSizes(app.replicaBytes, t.partitions);
    const exact = this.cfg.placement.get(t.name);
    if (exact) {
      exact.forEach((e, i) => this.addPartition(app, i, e, sizes[i]!));
      return;
    }
    const n = this.nodes.length;
    // Even placement: replica slot k = i*R + r goes to node order[k mod N], so every node holds
    // P*R/N (±1) replicas of each table and the primaries spread too; members stay distinct.
    // The node order is a seeded shuffle per table, so no fixed group of nodes shares many partitions.
    const order = this.nodes.map((x) => x.idx);
    for (let i = order.length - 1; i > 0; i--) {
      const j = this.rng.int(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const r = Math.min(t.replicas, n);
    for (let i = 0; i < t.partitions; i++) {
      const members: number[] = [];
      for (let k = 0; k < r; k++) members.push(order[(i * r + k) % n]!);
      // The member with the fewest primaries of this table so far leads.
      let lead = 0;
      for (let k = 1; k < members.length; k++) if (app.prim[members[k]!]! < app.prim[members[lead]!]!) lead = k;
      members.unshift(...members.splice(lead, 1));
      this.addPartition(app, i, { primary: members[0] ?? -1, secondaries: members.slice(1) }, sizes[i]!);
    }
  }

  /**
   * Seeded partition sizes around `mean` (log-normal, spread `sizeSkew`), rescaled to keep the mean,
   * in whole MB so that what the servers report in MB is exactly what a copy moves. A stream of its
   * own, so the skew does not change placement or timing of the same seed.
   */
  protected partitionSizes(mean: number, count: number): number[] {
    const skew = this.cfg.sizeSkew;
    if (skew === 0) return new Array<number>(count).fill(mean);
    const raw: number[] = [];
    for (let i = 0; i < count; i++) {
      // Box–Muller from two uniforms in (0, 1].
      const g = Math.sqrt(-2 * Math.log(1 - this.sizeRng.next())) * Math.cos(2 * Math.PI * this.sizeRng.next());
      raw.push(Math.exp(skew * g));
    }
    const scale = (mean * count) / raw.reduce((a, b) => a + b, 0);
    return raw.map((r) => Math.max(1, Math.round((r * scale) / MB)) * MB);
  }

  /** Bytes on each node's disk: replicas it is a member of, copies it keeps after a drop, and what its learns copied so far. */
  dataBytes(): number[] {
    const out = this.nodes.map(() => 0);
    for (const p of this.partitions) {
      if (p.primary >= 0) out[p.primary]! += p.bytes;
      for (const s of p.secondaries) out[s]! += p.bytes;
      for (const d of p.dropped) if (!p.closedOn.has(d.node)) out[d.node]! += p.bytes;
    }
    for (const n of this.nodes) for (const l of n.learns) if (l.full) out[n.idx]! += l.total - l.remaining;
    return out.map((b) => Math.round(b));
  }

  /** A partition starting with exactly these members (ballot = member count). */
  protected addPartition(app: SimApp, i: number, e: ResolvedPlacement, bytes: number): void {
    const p: Partition = {
      bytes,
      gid: this.partitions.length,
      app,
      pidx: i,
      ballot: (e.primary >= 0 ? 1 : 0) + e.secondaries.length,
      maxReplicas: app.maxReplicas,
      primary: -1,
      secondaries: [],
      dropped: [],
      pending: [],
      inflight: null,
      lastCommittedDecree: 0,
      removingDead: new Set(),
      closedOn: new Set(),
      gtNoPrimary: true,
      gtUnder: true,
    };
    this.noPrimaryCount++;
    this.underCount++;
    app.partitions.push(p);
    this.partitions.push(p);
    this.setConfig(p, e.primary, [...e.secondaries], false);
  }

  // ------------------------------------------------------------------ logging

  protected record(e: LogEntry): void {
    if (this.log.length >= LOG_CAP) {
      const drop = LOG_CAP / 2;
      this.log.splice(0, drop);
      this.logDropped += drop;
    }
    this.log.push(e);
  }

  protected t(): number {
    return this.now / 1000;
  }

  gpidOf(p: Partition): string {
    return `${p.app.id}.${p.pidx}`;
  }

  addr(i: number): string {
    return i >= 0 ? this.nodes[i]!.address : '-';
  }

  /** The node identity the meta compares and prints: host_port on 2.6, ip:port on 2.5. */
  ident(i: number): string {
    const n = this.nodes[i]!;
    return this.cfg.version === '2.6' ? n.host : n.address;
  }

  // ------------------------------------------------------------------ ground truth

  protected gtStatus(p: Partition): [boolean, boolean] {
    if (this.workersLost) return [true, true];
    const prim = p.primary >= 0 && this.nodes[p.primary]!.running;
    let running = prim ? 1 : 0;
    for (const s of p.secondaries) if (this.nodes[s]!.running) running++;
    return [!prim, running < p.maxReplicas];
  }

  protected refreshGt(p: Partition): void {
    const [np, un] = this.gtStatus(p);
    if (np !== p.gtNoPrimary) {
      this.noPrimaryCount += np ? 1 : -1;
      p.gtNoPrimary = np;
    }
    if (un !== p.gtUnder) {
      this.underCount += un ? 1 : -1;
      p.gtUnder = un;
    }
  }

  protected integrate(from: number, to: number): void {
    const dt = (to - from) / 1000;
    this.metrics.partitionSecondsWithoutPrimary += this.noPrimaryCount * dt;
    this.metrics.partitionSecondsUnderReplicated += this.underCount * dt;
    if (this.leader && this.freezeVerdict().frozen) this.metrics.frozenSeconds += dt;
    this.metrics.simulatedSeconds = to / 1000;
  }

  /** Partitions without a serving primary / with fewer running replicas than max, right now. */
  groundTruth(): { partitionsWithoutPrimary: number; partitionsUnderReplicated: number } {
    return { partitionsWithoutPrimary: this.noPrimaryCount, partitionsUnderReplicated: this.underCount };
  }

  // ------------------------------------------------------------------ config changes

  /** The one place partition membership changes: keeps every count and index in step. */
  protected setConfig(p: Partition, primary: number, secondaries: number[], bumpBallot = true): void {
    const app = p.app;
    const old = p.primary >= 0 ? [p.primary, ...p.secondaries] : [...p.secondaries];
    if (p.primary >= 0) {
      app.prim[p.primary]!--;
      this.nodes[p.primary]!.primaries--;
    }
    for (const m of old) {
      app.rep[m]!--;
      this.nodes[m]!.replicas--;
      this.nodes[m]!.parts.delete(p);
      if (m !== primary && !secondaries.includes(m)) this.nodes[m]!.learnStats.delete(p);
    }
    p.primary = primary;
    p.secondaries = secondaries;
    if (primary >= 0) {
      app.prim[primary]!++;
      this.nodes[primary]!.primaries++;
    }
    for (const m of primary >= 0 ? [primary, ...secondaries] : secondaries) {
      app.rep[m]!++;
      this.nodes[m]!.replicas++;
      this.nodes[m]!.parts.add(p);
      // A node that is a member again is no longer a dropped replica.
      if (p.dropped.length > 0) p.dropped = p.dropped.filter((d) => d.node !== m);
      if (p.closedOn.size > 0) p.closedOn.delete(m);
    }
    if (bumpBallot) {
      p.ballot++;
      this.metrics.configChanges++;
    }
    this.epoch++;
    this.refreshGt(p);
    this.attention.add(p);
  }

  protected addDropped(p: Partition, node: number): void {
    p.dropped = p.dropped.filter((d) => d.node !== node);
    p.dropped.push({ node, time: this.now });
    // Trim so that alive replicas + dropped <= max + max_reserved_dropped_replicas (meta_data.cpp).
    const members = (p.primary >= 0 ? 1 : 0) + p.secondaries.length;
    const keep = Math.max(0, p.maxReplicas + this.cfg.maxReservedDroppedReplicas - members);
    if (p.dropped.length > keep) p.dropped = p.dropped.slice(p.dropped.length - keep);
  }

  protected logConfig(p: Partition, type: number, node: number, origin: string): void {
    this.record({
      t: this.t(),
      kind: 'config',
      gpid: this.gpidOf(p),
      type: ctName(type),
      node: this.addr(node),
      ballot: p.ballot,
      primary: this.addr(p.primary),
      secondaries: p.secondaries.map((s) => this.addr(s)),
      origin,
    });
  }

  // ------------------------------------------------------------------ levels and freeze

  freezeVerdict(): { frozen: boolean; reasons: readonly string[]; alive: number; dead: number; pct: number; minLive: number } {
    const l = this.leader;
    const alive = l ? l.alive.size : 0;
    const dead = l ? l.dead.size : 0;
    const pct = l ? this.metas[l.meta]!.livePct : this.cfg.livePercentage;
    const minLive = l ? this.metas[l.meta]!.minLive : this.cfg.minLiveNodeCount;
    const v = freezeVerdict({ alive, dead, pct, minLive });
    return { frozen: v.frozen, reasons: v.reasons, alive, dead, pct, minLive };
  }

  /** get_function_level(): freezed when the stored level is above freezed and the freeze rule holds. */
  effectiveLevel(): number {
    const l = this.leader;
    if (!l) return Level.stopped;
    if (l.storedLevel > Level.freezed && this.freezeVerdict().frozen) return Level.freezed;
    return l.storedLevel;
  }

  /** RPC_CM_CONTROL_META: returns the previous stored level; fl_invalid only reads. */
  controlMetaLevel(level: number): number {
    const l = this.requireLeader();
    const old = l.storedLevel;
    if (level === Level.invalid) return old;
    if (level <= Level.steady) this.clearProposals();
    l.storedLevel = level;
    this.epoch++;
    this.record({ t: this.t(), kind: 'level', level: levelName(level), old: levelName(old) });
    return old;
  }

  protected clearProposals(): void {
    for (const p of this.attention) if (p.pending.length > 0) p.pending = [];
  }

  protected requireLeader(): LeaderState {
    if (!this.leader) throw new Error('no meta leader');
    return this.leader;
  }

  isAlive(n: number): boolean {
    return this.leader !== null && this.leader.alive.has(n);
  }

  protected blackListed(n: number): boolean {
    const l = this.leader;
    return l !== null && l.blackList.length > 0 && l.blackList.includes(this.ident(n));
  }
}
