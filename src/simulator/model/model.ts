/**
 * The behaviour model of a Pegasus cluster as the meta leader and the replica servers see it:
 * failure detection, the freeze rule, cure (partition guardian), proposals, learning, the greedy
 * balancer, meta restart and fail-over, and ground-truth outcome metrics. Pure: no sockets, no
 * wall time. Everything happens in events of a `SimClock`, so a run is deterministic for a seed.
 *
 * Scale: partitions that need attention (unhealthy, pending proposals, in flight) live in an index
 * (`attention`); the lb tick only visits those. Per-table and per-node counts are kept up to date on
 * every config change, so the balancer and the views never rescan all partitions for counts.
 */
import { freezeVerdict } from '../../cluster/freeze';
import { planBalance, type PlannedMove } from './balancer';
import { SimClock } from './clock';
import { initialNodeAddress, resolveOptions, versionDefaults, type ResolvedConfig, type ResolvedPlacement, type SimOptionsInput, type TableSpec } from './options';
import { Rng } from './rng';
import {
  CT,
  Level,
  ctName,
  levelName,
  type BalanceCount,
  type Inflight,
  type LeaderState,
  type Learn,
  type LogEntry,
  type Partition,
  type SimApp,
  type SimMeta,
  type SimMetrics,
  type SimNode,
  type Step,
  type StepOrigin,
} from './types';

const MB = 1024 * 1024;
const LOG_CAP = 200_000;
/** Replicas retry a rejected config update every second (replica_config.cpp). */
const RETRY_MS = 1000;

export type MetaRole = 'down' | 'leader' | 'leader-starting' | 'follower';

export interface ModelListener {
  /** A meta server went down (its port must stop accepting) or came back. */
  metaUpChanged?(meta: number, up: boolean): void;
  /** A replica server process stopped, started, or was added (up). */
  nodeUpChanged?(node: number, up: boolean): void;
}

export class ClusterModel {
  readonly cfg: ResolvedConfig;
  readonly clock = new SimClock();
  readonly rng: Rng;
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
  private readonly attention = new Set<Partition>();
  /** No ready leader has acked beacons for longer than the lease: replica servers stop serving. */
  private workersLost = false;
  private leaderLostGen = 0;
  private readonly byAddress = new Map<string, number>();
  private readonly byHost = new Map<string, number>();
  private leaderGen = 0;
  private noPrimaryCount = 0;
  private underCount = 0;
  /** Bumped on every config change / membership change; keys the balance checker cache. */
  private epoch = 0;
  private checkerKey = '';
  private readonly bytesPerMs: number;

  constructor(input: SimOptionsInput = {}, epochMs = Date.UTC(2026, 0, 1)) {
    this.cfg = resolveOptions(input);
    this.rng = new Rng(this.cfg.seed);
    this.epochMs = epochMs;
    this.bytesPerMs = (this.cfg.copyRateMb * MB) / 1000;
    this.clock.onAdvance = (from, to) => this.integrate(from, to);
    for (let i = 0; i < this.cfg.metas; i++) {
      this.metas.push({ idx: i, address: `127.0.0.1:${34601 + i}`, up: true, startedAt: 0, livePct: this.cfg.livePercentage, minLive: this.cfg.minLiveNodeCount });
    }
    for (let i = 0; i < this.cfg.nodes; i++) this.createNode();
    // Dead at start: down before the partitions are placed, so the ground truth counts them.
    for (const i of this.cfg.deadNodes) Object.assign(this.nodes[i]!, { running: false, stoppedAt: 0 });
    for (const t of this.cfg.tables) this.createApp(t);
    for (const n of this.nodes) this.scheduleConfigSync(n);
    this.becomeLeader(0, 0);
    for (const i of this.cfg.deadNodes) {
      const n = this.nodes[i]!;
      n.fdGen++; // cancels the start-up detection becomeLeader scheduled for it
      this.markDead(n);
    }
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

  private createNode(): SimNode {
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
    const host = Array.isArray(hn) && idx < hn.length ? hn[idx]! : hn !== false && address.startsWith('127.0.0.1:') ? `localhost:${port}` : address;
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

  private createApp(t: TableSpec): void {
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
    const exact = this.cfg.placement.get(t.name);
    if (exact) {
      exact.forEach((e, i) => this.addPartition(app, i, e));
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
      this.addPartition(app, i, { primary: members[0] ?? -1, secondaries: members.slice(1) });
    }
  }

  /** A partition starting with exactly these members (ballot = member count). */
  private addPartition(app: SimApp, i: number, e: ResolvedPlacement): void {
    const p: Partition = {
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

  private record(e: LogEntry): void {
    if (this.log.length >= LOG_CAP) {
      const drop = LOG_CAP / 2;
      this.log.splice(0, drop);
      this.logDropped += drop;
    }
    this.log.push(e);
  }

  private t(): number {
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

  private gtStatus(p: Partition): [boolean, boolean] {
    if (this.workersLost) return [true, true];
    const prim = p.primary >= 0 && this.nodes[p.primary]!.running;
    let running = prim ? 1 : 0;
    for (const s of p.secondaries) if (this.nodes[s]!.running) running++;
    return [!prim, running < p.maxReplicas];
  }

  private refreshGt(p: Partition): void {
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

  private integrate(from: number, to: number): void {
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
  private setConfig(p: Partition, primary: number, secondaries: number[], bumpBallot = true): void {
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

  private addDropped(p: Partition, node: number): void {
    p.dropped = p.dropped.filter((d) => d.node !== node);
    p.dropped.push({ node, time: this.now });
    // Trim so that alive replicas + dropped <= max + max_reserved_dropped_replicas (meta_data.cpp).
    const members = (p.primary >= 0 ? 1 : 0) + p.secondaries.length;
    const keep = Math.max(0, p.maxReplicas + this.cfg.maxReservedDroppedReplicas - members);
    if (p.dropped.length > keep) p.dropped = p.dropped.slice(p.dropped.length - keep);
  }

  private logConfig(p: Partition, type: number, node: number, origin: string): void {
    this.record({ t: this.t(), kind: 'config', gpid: this.gpidOf(p), type: ctName(type), node: this.addr(node), ballot: p.ballot, primary: this.addr(p.primary), secondaries: p.secondaries.map((s) => this.addr(s)), origin });
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

  private clearProposals(): void {
    for (const p of this.attention) if (p.pending.length > 0) p.pending = [];
  }

  private requireLeader(): LeaderState {
    if (!this.leader) throw new Error('no meta leader');
    return this.leader;
  }

  isAlive(n: number): boolean {
    return this.leader !== null && this.leader.alive.has(n);
  }

  private blackListed(n: number): boolean {
    const l = this.leader;
    return l !== null && l.blackList.length > 0 && l.blackList.includes(this.ident(n));
  }

  // ------------------------------------------------------------------ meta servers

  roleOf(meta: number): MetaRole {
    const m = this.metas[meta];
    if (!m || !m.up) return 'down';
    if (this.leader && this.leader.meta === meta) return this.now >= this.leader.readyAt ? 'leader' : 'leader-starting';
    return 'follower';
  }

  /** The leader's address as followers know it (from the lock service); '' when none. */
  leaderAddress(): string {
    return this.leader ? this.metas[this.leader.meta]!.address : '';
  }

  private becomeLeader(meta: number, startupMs: number): void {
    const gen = ++this.leaderGen;
    const l: LeaderState = {
      meta,
      gen,
      since: this.now,
      readyAt: this.now + startupMs,
      storedLevel: Level[this.cfg.levelOnStart],
      alive: new Set(),
      dead: new Set(),
      assignDelayMs: this.cfg.assignDelayMs,
      // The configured start value holds for the first leader only (runtime settings die with it).
      blackList: gen === 1 ? this.cfg.blackList.map((a) => this.identOf(a)) : [],
      addSecondaryEnableFlowControl: this.cfg.addSecondaryEnableFlowControl,
      addSecondaryMaxCountForOneNode: this.cfg.addSecondaryMaxCountForOneNode,
      balancerInTurn: false,
      onlyPrimaryBalancer: false,
      onlyMovePrimary: false,
      ignoredApps: [],
      balanceCount: { move_pri: 0, copy_pri: 0, copy_sec: 0, total: 0 },
    };
    this.leader = l;
    this.checkerKey = '';
    this.epoch++;
    // Start-up: every node referenced by a partition config is alive with "last beacon = now";
    // running nodes beacon (and config-sync) right away; unreferenced stopped nodes are forgotten.
    for (const n of this.nodes) {
      if (n.running) {
        l.alive.add(n.idx);
        n.collected = true;
        n.fdGen++;
      } else if (n.parts.size > 0) {
        l.alive.add(n.idx);
        n.collected = false;
        this.scheduleDetection(n, this.now);
      }
    }
    // Pending lb actions live in the old leader's memory only.
    for (const p of this.partitions) {
      if (p.pending.length > 0) p.pending = [];
      this.attention.add(p);
    }
    this.record({ t: this.t(), kind: 'meta', event: 'leader', meta: this.metas[meta]!.address });
    this.soon(startupMs, () => this.leaderReady(gen));
    const tick = (): void => {
      if (this.leader?.gen !== gen) return;
      this.clock.after(this.cfg.lbIntervalMs, tick);
      this.runCheck(gen);
    };
    this.clock.at(Math.max(l.readyAt, this.now + this.cfg.lbIntervalMs), tick);
  }

  /**
   * Worker lease: a replica server stops serving once no leader acked its beacons for
   * `lease - check interval` (failure_detector.cpp); it serves again when a leader is ready.
   */
  private leaderLost(): void {
    const gen = ++this.leaderLostGen;
    const ms = (this.cfg.fdLeaseSeconds - this.cfg.fdCheckIntervalSeconds) * 1000;
    this.clock.after(Math.max(0, ms), () => {
      if (this.leaderLostGen !== gen || (this.leader && this.now >= this.leader.readyAt)) return;
      this.setWorkersLost(true);
    });
  }

  private leaderReady(gen: number): void {
    if (this.leader?.gen !== gen) return;
    this.leaderLostGen++;
    this.setWorkersLost(false);
  }

  private setWorkersLost(lost: boolean): void {
    if (this.workersLost === lost) return;
    this.workersLost = lost;
    this.record({ t: this.t(), kind: 'meta', event: lost ? 'replica-servers-lost-meta' : 'replica-servers-reconnected' });
    for (const p of this.partitions) this.refreshGt(p);
  }

  /** Kills the leader process; a follower takes the lock after `leaderElectionMs`. */
  killLeader(): string {
    const l = this.requireLeader();
    const m = this.metas[l.meta]!;
    this.setMetaUp(m, false);
    this.leader = null;
    this.leaderLost();
    this.record({ t: this.t(), kind: 'meta', event: 'kill', meta: m.address });
    this.scheduleElection(l.meta, this.cfg.leaderElectionMs);
    return m.address;
  }

  /** Zero delays act at once (no clock advance needed), so a manual-clock test sees the result. */
  private soon(delay: number, fn: () => void): void {
    if (delay <= 0) fn();
    else this.clock.after(delay, fn);
  }

  private scheduleElection(previous: number, delay: number): void {
    this.soon(delay, () => {
      if (this.leader) return;
      for (let k = 1; k <= this.metas.length; k++) {
        const i = (previous + k) % this.metas.length;
        if (this.metas[i]!.up) {
          this.becomeLeader(i, this.cfg.metaStartupMs);
          return;
        }
      }
    });
  }

  private setMetaUp(m: SimMeta, up: boolean): void {
    if (m.up === up) return;
    m.up = up;
    if (up) {
      m.startedAt = this.now;
      m.livePct = this.cfg.livePercentage;
      m.minLive = this.cfg.minLiveNodeCount;
    }
    this.listener.metaUpChanged?.(m.idx, up);
  }

  /** Stops one meta process (the leader's death causes a fail-over). */
  stopMeta(meta: number): void {
    const m = this.metas[meta];
    if (!m) throw new Error(`no meta server #${meta}`);
    if (!m.up) return;
    if (this.leader?.meta === meta) {
      this.killLeader();
      return;
    }
    this.setMetaUp(m, false);
    this.record({ t: this.t(), kind: 'meta', event: 'stop', meta: m.address });
  }

  startMeta(meta: number): void {
    const m = this.metas[meta];
    if (!m) throw new Error(`no meta server #${meta}`);
    if (m.up) return;
    this.setMetaUp(m, true);
    this.record({ t: this.t(), kind: 'meta', event: 'start', meta: m.address });
    if (!this.leader) this.scheduleElection(meta - 1 + this.metas.length, 0);
  }

  /** Restarts one meta: down for `metaStartupMs`; a leader hands over to a follower at once. */
  restartMeta(meta: number): void {
    const m = this.metas[meta];
    if (!m) throw new Error(`no meta server #${meta}`);
    const wasLeader = this.leader?.meta === meta;
    if (m.up) this.setMetaUp(m, false);
    if (wasLeader) {
      this.leader = null;
      this.leaderLost();
    }
    this.record({ t: this.t(), kind: 'meta', event: 'restart', meta: m.address });
    if (wasLeader) this.scheduleElection(meta, 0);
    this.soon(this.cfg.metaStartupMs, () => {
      this.setMetaUp(m, true);
      if (!this.leader) this.scheduleElection(meta - 1 + this.metas.length, 0);
    });
  }

  /**
   * Restarts every meta: the processes are down for `metaStartupMs`, then meta #0 takes the lock
   * and loads state for another `metaStartupMs` (ERR_SERVICE_NOT_ACTIVE). The dead set and every
   * runtime setting are forgotten.
   */
  restartAllMetas(): void {
    this.leader = null;
    this.leaderLost();
    const gen = ++this.leaderGen;
    for (const m of this.metas) this.setMetaUp(m, false);
    this.record({ t: this.t(), kind: 'meta', event: 'restart-all' });
    this.soon(this.cfg.metaStartupMs, () => {
      if (this.leaderGen !== gen) return;
      for (const m of this.metas) this.setMetaUp(m, true);
      this.becomeLeader(0, this.cfg.metaStartupMs);
    });
  }

  // ------------------------------------------------------------------ replica servers

  /** By `ip:port` (and `localhost:port` / `host:port` spellings of the same loopback address). */
  findNode(address: string): SimNode | undefined {
    const i = this.byAddress.get(address) ?? this.byHost.get(address);
    if (i !== undefined) return this.nodes[i];
    const m = /^(?:localhost|\[?::1\]?):(\d+)$/.exec(address);
    const j = m ? this.byAddress.get(`127.0.0.1:${m[1]}`) : undefined;
    return j !== undefined ? this.nodes[j] : undefined;
  }

  /** A black-list entry as the meta's identity of that node (other spellings of a known node are accepted). */
  identOf(address: string): string {
    const n = this.findNode(address);
    return n ? this.ident(n.idx) : address;
  }

  /** Adds an empty replica server; it registers with the meta at its first beacon. */
  addNode(): SimNode {
    const n = this.createNode();
    this.listener.nodeUpChanged?.(n.idx, true);
    this.scheduleConfigSync(n);
    this.record({ t: this.t(), kind: 'node', event: 'add', node: n.address });
    this.onBeacon(n);
    return n;
  }

  stopNode(idx: number): void {
    const n = this.nodes[idx]!;
    if (!n.running) return;
    this.updateLearns(n);
    n.running = false;
    n.stoppedAt = this.now;
    this.listener.nodeUpChanged?.(idx, false);
    for (const p of n.parts) {
      this.refreshGt(p);
      // Learning from a primary that stopped fails.
      if (p.primary === idx && p.inflight?.learn) this.abortInflight(p, 'learnee stopped');
    }
    for (const l of [...n.learns]) this.abortInflight(l.p, 'learner stopped');
    this.record({ t: this.t(), kind: 'node', event: 'stop', node: n.address });
    const l = this.leader;
    if (l && l.alive.has(idx)) {
      // Beacons go out at start, then at start + phase + k * interval.
      const beacon = this.cfg.fdBeaconIntervalSeconds * 1000;
      const first = n.startedAt + n.beaconPhase;
      const lastBeacon = this.now < first ? n.startedAt : first + Math.floor((this.now - first) / beacon) * beacon;
      this.scheduleDetection(n, Math.max(lastBeacon, l.since, n.startedAt));
    }
  }

  startNode(idx: number): void {
    const n = this.nodes[idx]!;
    if (n.running) return;
    n.running = true;
    n.startedAt = this.now;
    n.learnUpdatedAt = this.now;
    n.nfsCopyRateMb = 0;
    n.nfsSendRateMb = 0;
    this.listener.nodeUpChanged?.(idx, true);
    for (const p of n.parts) this.refreshGt(p);
    this.record({ t: this.t(), kind: 'node', event: 'start', node: n.address });
    this.onBeacon(n);
  }

  /** The meta's FD declares the node dead at the first check after last beacon + grace. */
  private scheduleDetection(n: SimNode, lastBeacon: number): void {
    const l = this.leader!;
    const check = this.cfg.fdCheckIntervalSeconds * 1000;
    const threshold = lastBeacon + this.cfg.fdGraceSeconds * 1000;
    const k = Math.floor((threshold - l.since) / check) + 1;
    const at = l.since + k * check;
    const gen = ++n.fdGen;
    const lgen = l.gen;
    this.clock.at(at, () => {
      if (n.fdGen !== gen || n.running || this.leader?.gen !== lgen) return;
      this.markDead(n);
    });
  }

  /** First beacon of a (re)started node: it joins the alive set and sends its replica info. */
  private onBeacon(n: SimNode): void {
    n.fdGen++;
    const l = this.leader;
    if (!l) return;
    n.collected = true;
    if (l.alive.has(n.idx)) return;
    l.dead.delete(n.idx);
    l.alive.add(n.idx);
    this.epoch++;
    this.record({ t: this.t(), kind: 'node', event: 'alive', node: n.address });
  }

  private markDead(n: SimNode): void {
    const l = this.leader!;
    l.alive.delete(n.idx);
    l.dead.add(n.idx);
    n.collected = false;
    this.epoch++;
    this.record({ t: this.t(), kind: 'node', event: 'dead', node: n.address });
    for (const p of [...n.parts]) this.onPartitionNodeDead(p, n.idx);
  }

  private onPartitionNodeDead(p: Partition, x: number): void {
    this.attention.add(p);
    if (p.inflight && (p.inflight.step.node === x || p.inflight.step.target === x || p.primary === x)) this.abortInflight(p, 'node dead');
    if (p.primary === x) {
      this.metaRemovePrimary(p, x);
    } else if (p.secondaries.includes(x) && p.primary >= 0) {
      this.scheduleDeadSecondaryRemoval(p, x);
    }
  }

  /** downgrade_primary_to_inactive: the meta writes the config itself (allowed above blind). */
  private metaRemovePrimary(p: Partition, x: number): void {
    const lgen = this.leader!.gen;
    const attempt = (): void => {
      if (this.leader?.gen !== lgen || p.primary !== x || this.leader.alive.has(x)) return;
      if (this.effectiveLevel() <= Level.blind) {
        this.clock.after(RETRY_MS, attempt);
        return;
      }
      this.setConfig(p, -1, p.secondaries);
      this.addDropped(p, x);
      this.logConfig(p, CT.DOWNGRADE_TO_INACTIVE, x, 'meta');
      this.cure(p, false, null);
    };
    attempt();
  }

  /** downgrade_secondary_to_inactive via the primary: a replica-initiated update (needs > freezed). */
  private scheduleDeadSecondaryRemoval(p: Partition, x: number): void {
    if (p.removingDead.has(x)) return;
    p.removingDead.add(x);
    const lgen = this.leader!.gen;
    const attempt = (): void => {
      if (this.leader?.gen !== lgen || !p.secondaries.includes(x) || this.leader.alive.has(x) || p.primary < 0) {
        p.removingDead.delete(x);
        return;
      }
      if (this.effectiveLevel() <= Level.freezed) {
        this.clock.after(RETRY_MS, attempt);
        return;
      }
      p.removingDead.delete(x);
      this.setConfig(p, p.primary, p.secondaries.filter((s) => s !== x));
      this.addDropped(p, x);
      this.logConfig(p, CT.DOWNGRADE_TO_INACTIVE, x, 'meta');
      this.cure(p, false, null);
    };
    this.clock.after(this.cfg.reconfigMs, attempt);
  }

  private scheduleConfigSync(n: SimNode): void {
    const every = this.cfg.configSyncIntervalMs;
    const first = this.now + ((n.syncPhase - (this.now % every) + every) % every || every);
    const run = (): void => {
      if (n.running && this.leader) n.collected = true;
      this.clock.after(every, run);
    };
    this.clock.at(first, run);
  }

  // ------------------------------------------------------------------ the lb tick

  /** check_all_partitions: cure over the partitions needing attention, then the balancer. */
  private runCheck(gen: number): void {
    const l = this.leader;
    if (!l || l.gen !== gen || this.now < l.readyAt) return;
    const eff = this.effectiveLevel();
    if (eff <= Level.freezed) return;
    const sends = l.addSecondaryEnableFlowControl ? new Map<number, number>() : null;
    let list = [...this.attention];
    // With flow control, partitions without any secondary get their add-secondary first.
    if (sends) list = [...list.filter((p) => p.secondaries.length === 0), ...list.filter((p) => p.secondaries.length > 0)];
    let healthy = true;
    for (const p of list) {
      const ok = this.cure(p, true, sends);
      if (ok && !p.inflight && p.pending.length === 0 && p.removingDead.size === 0) this.attention.delete(p);
      else healthy = false;
    }
    if (!healthy || eff < Level.steady) return;
    // can_run_balancer: no dead node still holds partitions.
    for (const d of l.dead) if (this.nodes[d]!.replicas > 0) return;
    const collected = [...l.alive].every((a) => this.nodes[a]!.collected || this.nodes[a]!.replicas === 0);
    if (!collected) {
      // master reports -1 while replica info is missing (PR #1951); 2.5 reported 0.
      l.balanceCount = this.cfg.version === '2.6' ? { move_pri: 0, copy_pri: 0, copy_sec: 0, total: -1 } : { move_pri: 0, copy_pri: 0, copy_sec: 0, total: 0 };
      this.checkerKey = '';
      return;
    }
    const key = `${this.epoch}:${l.gen}:${l.onlyMovePrimary}:${l.onlyPrimaryBalancer}:${l.ignoredApps.join(',')}`;
    if (key !== this.checkerKey) {
      l.balanceCount = this.countOf(this.plan(true));
      this.checkerKey = key;
    }
    if (eff !== Level.lively) return;
    const moves = this.plan(false);
    if (moves.length === 0) return;
    this.metrics.balancerRounds++;
    for (const m of moves) this.registerBalancerMove(m);
    // balancer_run is re-enqueued right after applying a batch: the first steps go out at once.
    this.clock.after(0, () => this.runCheck(gen));
  }

  private plan(checker: boolean): PlannedMove[] {
    const l = this.leader!;
    const alive = [...l.alive].sort((a, b) => a - b);
    return planBalance({
      apps: this.apps.filter((a) => !l.ignoredApps.includes(a.id)),
      alive,
      onlyMovePrimary: l.onlyMovePrimary,
      onlyPrimaryBalancer: l.onlyPrimaryBalancer,
      balancerInTurn: l.balancerInTurn,
      checker,
    });
  }

  private countOf(moves: PlannedMove[]): BalanceCount {
    const c: BalanceCount = { move_pri: 0, copy_pri: 0, copy_sec: 0, total: 0 };
    for (const m of moves) c[m.kind]++;
    c.total = c.move_pri + c.copy_pri + c.copy_sec;
    return c;
  }

  private registerBalancerMove(m: PlannedMove): void {
    const p = m.p;
    const steps: Step[] = [];
    const o: StepOrigin = 'balancer';
    if (m.kind === 'move_pri') {
      steps.push({ type: CT.DOWNGRADE_TO_SECONDARY, target: m.from, node: m.from, origin: o }, { type: CT.UPGRADE_TO_PRIMARY, target: m.to, node: m.to, origin: o });
    } else if (m.kind === 'copy_pri') {
      steps.push(
        { type: CT.ADD_SECONDARY_FOR_LB, target: m.from, node: m.to, origin: o },
        { type: CT.DOWNGRADE_TO_SECONDARY, target: m.from, node: m.from, origin: o },
        { type: CT.UPGRADE_TO_PRIMARY, target: m.to, node: m.to, origin: o },
        { type: CT.REMOVE, target: m.to, node: m.from, origin: o },
      );
    } else {
      steps.push({ type: CT.ADD_SECONDARY_FOR_LB, target: p.primary, node: m.to, origin: o }, { type: CT.REMOVE, target: p.primary, node: m.from, origin: o });
    }
    p.pending = steps;
    this.attention.add(p);
    this.metrics.proposals++;
    this.record({ t: this.t(), kind: 'proposal', gpid: this.gpidOf(p), origin: 'balancer', balance: m.kind, from: this.addr(m.from), to: this.addr(m.to), actions: steps.map((s) => `${ctName(s.type)}(${this.addr(s.target)}→${this.addr(s.node)})`) });
  }

  // ------------------------------------------------------------------ cure (partition guardian)

  /** Returns true when the partition is healthy; sends at most one action. */
  private cure(p: Partition, fromTick: boolean, sends: Map<number, number> | null): boolean {
    if (p.inflight) {
      if (fromTick && p.inflight.waitingForSlot) this.startLearn(p, p.inflight);
      return false;
    }
    if (p.pending.length > 0) {
      const s = p.pending[0]!;
      if (this.validStep(p, s)) {
        if ((s.type === CT.ADD_SECONDARY || s.type === CT.ADD_SECONDARY_FOR_LB) && !this.flowAllows(s.node, sends, fromTick)) return false;
        this.send(p, s);
        return false;
      }
      this.record({ t: this.t(), kind: 'proposal', gpid: this.gpidOf(p), origin: s.origin, event: 'dropped-invalid', action: `${ctName(s.type)}(${this.addr(s.target)}→${this.addr(s.node)})` });
      p.pending = [];
    }
    if (p.primary < 0) return this.onMissingPrimary(p);
    if (p.primary >= 0) {
      for (const s of p.secondaries) if (!this.isAlive(s)) this.scheduleDeadSecondaryRemoval(p, s);
      if (p.removingDead.size > 0) return false;
    }
    const members = 1 + p.secondaries.length;
    if (members < p.maxReplicas) return this.onMissingSecondary(p, fromTick, sends);
    if (p.secondaries.length >= p.maxReplicas) {
      // on_redundant_secondary: remove the secondary on the node with the most replicas.
      let best = -1;
      for (const s of p.secondaries) if (best < 0 || this.nodes[s]!.replicas > this.nodes[best]!.replicas) best = s;
      this.send(p, { type: CT.REMOVE, target: p.primary, node: best, origin: 'cure' });
      return false;
    }
    return true;
  }

  private flowAllows(node: number, sends: Map<number, number> | null, fromTick: boolean): boolean {
    const l = this.leader!;
    if (!l.addSecondaryEnableFlowControl) return true;
    // From the cure-after-update path, add-secondary waits for the periodic tick.
    if (!fromTick || !sends) return false;
    const c = sends.get(node) ?? 0;
    if (c >= l.addSecondaryMaxCountForOneNode) return false;
    sends.set(node, c + 1);
    return true;
  }

  private onMissingPrimary(p: Partition): boolean {
    const app = p.app;
    const aliveSecs = p.secondaries.filter((s) => this.isAlive(s));
    if (aliveSecs.length > 0) {
      // newly_partitions::less_primaries: app primaries, app replicas, total primaries, total replicas.
      let best = aliveSecs[0]!;
      for (const s of aliveSecs.slice(1)) if (this.lessPrimaries(app, s, best)) best = s;
      this.send(p, { type: CT.UPGRADE_TO_PRIMARY, target: best, node: best, origin: 'cure' });
      return false;
    }
    if (p.secondaries.length === 0 && p.dropped.length === 0 && p.ballot === 0) {
      let best = -1;
      for (const a of this.leader!.alive) if (best < 0 || this.lessPrimaries(app, a, best)) best = a;
      if (best >= 0) this.send(p, { type: CT.ASSIGN_PRIMARY, target: best, node: best, origin: 'cure' });
      return false;
    }
    // DDD: wait until the last two dropped nodes are alive, then take the most recent one.
    const last = p.dropped.slice(-2);
    if (last.length > 0 && last.every((d) => this.isAlive(d.node))) {
      const n = last[last.length - 1]!.node;
      this.send(p, { type: CT.ASSIGN_PRIMARY, target: n, node: n, origin: 'cure' });
    }
    return false;
  }

  private lessPrimaries(app: SimApp, a: number, b: number): boolean {
    const na = this.nodes[a]!;
    const nb = this.nodes[b]!;
    const ap = app.prim[a]! + (app.newPrim[a] ?? 0);
    const bp = app.prim[b]! + (app.newPrim[b] ?? 0);
    if (ap !== bp) return ap < bp;
    const ar = app.rep[a]! + (app.newRep[a] ?? 0);
    const br = app.rep[b]! + (app.newRep[b] ?? 0);
    if (ar !== br) return ar < br;
    if (na.primaries + na.newPrimaries !== nb.primaries + nb.newPrimaries) return na.primaries + na.newPrimaries < nb.primaries + nb.newPrimaries;
    if (na.replicas + na.newReplicas !== nb.replicas + nb.newReplicas) return na.replicas + na.newReplicas < nb.replicas + nb.newReplicas;
    return a < b;
  }

  private onMissingSecondary(p: Partition, fromTick: boolean, sends: Map<number, number> | null): boolean {
    const l = this.leader!;
    const replicaCount = 1 + p.secondaries.length;
    const min2pc = this.cfg.mutation2pcMinReplicaCount;
    const last = p.dropped[p.dropped.length - 1];
    let emergency: boolean;
    if (p.maxReplicas > min2pc && replicaCount < min2pc) emergency = true;
    else if (!last) emergency = true;
    else if (this.now > last.time + l.assignDelayMs) emergency = true;
    else emergency = this.blackListed(last.node);
    const isMember = (n: number): boolean => n === p.primary || p.secondaries.includes(n);
    let target = -1;
    if (!emergency) {
      // Only the last dropped node, and only if it came back in time.
      if (last && this.isAlive(last.node) && !isMember(last.node)) target = last.node;
    } else {
      for (let i = p.dropped.length - 1; i >= 0; i--) {
        const d = p.dropped[i]!;
        if (this.isAlive(d.node) && !isMember(d.node)) {
          target = d.node;
          break;
        }
      }
      if (target < 0 || this.blackListed(target)) {
        target = -1;
        const app = p.app;
        for (const a of l.alive) {
          if (isMember(a) || this.blackListed(a)) continue;
          if (target < 0 || this.lessPartitions(app, a, target)) target = a;
        }
      }
    }
    if (target < 0) return false;
    if (!this.flowAllows(target, sends, fromTick)) return false;
    this.send(p, { type: CT.ADD_SECONDARY, target: p.primary, node: target, origin: 'cure' });
    return false;
  }

  /** less_partitions: fewest replicas of this table, then fewest replicas in total. */
  private lessPartitions(app: SimApp, a: number, b: number): boolean {
    const ar = app.rep[a]! + (app.newRep[a] ?? 0);
    const br = app.rep[b]! + (app.newRep[b] ?? 0);
    if (ar !== br) return ar < br;
    const ra = this.nodes[a]!.replicas + this.nodes[a]!.newReplicas;
    const rb = this.nodes[b]!.replicas + this.nodes[b]!.newReplicas;
    if (ra !== rb) return ra < rb;
    return a < b;
  }

  // ------------------------------------------------------------------ proposals and their execution

  private validStep(p: Partition, s: Step): boolean {
    if (!this.isAlive(s.target) || !this.isAlive(s.node)) return false;
    const member = s.node === p.primary || p.secondaries.includes(s.node);
    switch (s.type) {
      case CT.ASSIGN_PRIMARY:
        return p.primary < 0 && s.target === s.node;
      case CT.UPGRADE_TO_PRIMARY:
        return p.primary < 0 && p.secondaries.includes(s.node) && s.target === s.node;
      case CT.DOWNGRADE_TO_SECONDARY:
        return p.primary === s.node && s.target === s.node;
      case CT.ADD_SECONDARY:
      case CT.ADD_SECONDARY_FOR_LB:
        return p.primary === s.target && !member && (s.type === CT.ADD_SECONDARY_FOR_LB || 1 + p.secondaries.length < p.maxReplicas);
      case CT.DOWNGRADE_TO_INACTIVE:
      case CT.REMOVE:
        return p.primary === s.target && p.secondaries.includes(s.node);
      default:
        return false;
    }
  }

  /**
   * Replicas being added (or primaries being assigned) count for the candidate ordering right away,
   * as newly_partitions does, so one tick does not pile every new replica onto the same node.
   */
  private setInflight(p: Partition, inf: Inflight | null): void {
    const old = p.inflight;
    if (old) this.countNewly(p, old, -1);
    p.inflight = inf;
    if (inf) this.countNewly(p, inf, 1);
  }

  private countNewly(p: Partition, inf: Inflight, d: number): void {
    const s = inf.step;
    const n = this.nodes[s.node]!;
    if (s.type === CT.ADD_SECONDARY || s.type === CT.ADD_SECONDARY_FOR_LB || s.type === CT.ASSIGN_PRIMARY) {
      p.app.newRep[s.node] = (p.app.newRep[s.node] ?? 0) + d;
      n.newReplicas += d;
    }
    if (s.type === CT.ASSIGN_PRIMARY || s.type === CT.UPGRADE_TO_PRIMARY) {
      p.app.newPrim[s.node] = (p.app.newPrim[s.node] ?? 0) + d;
      n.newPrimaries += d;
    }
  }

  private send(p: Partition, s: Step): void {
    const inf: Inflight = { step: s, waitingForSlot: false, learn: null };
    this.setInflight(p, inf);
    this.attention.add(p);
    if (s.type === CT.ADD_SECONDARY || s.type === CT.ADD_SECONDARY_FOR_LB) {
      this.startLearn(p, inf);
      return;
    }
    this.clock.after(this.cfg.reconfigMs, () => this.complete(p, inf));
  }

  /** The replica reports the change; the meta accepts it only above freezed. */
  private complete(p: Partition, inf: Inflight): void {
    if (p.inflight !== inf) return;
    const s = inf.step;
    // The replica that reports the change must be up, and the meta must accept it (above freezed).
    if (!this.leader || this.effectiveLevel() <= Level.freezed || !this.nodes[s.target]!.running) {
      this.clock.after(RETRY_MS, () => this.complete(p, inf));
      return;
    }
    if (!this.stillApplicable(p, s)) {
      this.setInflight(p, null);
      this.dropPendingFront(p, s);
      p.pending = [];
      this.attention.add(p);
      return;
    }
    let logType: number = s.type;
    switch (s.type) {
      case CT.ASSIGN_PRIMARY:
        this.setConfig(p, s.node, p.secondaries);
        break;
      case CT.UPGRADE_TO_PRIMARY:
        this.setConfig(p, s.node, p.secondaries.filter((x) => x !== s.node));
        break;
      case CT.DOWNGRADE_TO_SECONDARY:
        this.setConfig(p, -1, [...p.secondaries, s.node]);
        break;
      case CT.DOWNGRADE_TO_INACTIVE:
        this.setConfig(p, p.primary, p.secondaries.filter((x) => x !== s.node));
        this.addDropped(p, s.node);
        break;
      case CT.REMOVE:
        this.setConfig(p, p.primary, p.secondaries.filter((x) => x !== s.node));
        break;
      case CT.ADD_SECONDARY:
      case CT.ADD_SECONDARY_FOR_LB:
        // The learner finished: CT_UPGRADE_TO_SECONDARY.
        this.setConfig(p, p.primary, [...p.secondaries, s.node]);
        this.nodes[s.node]!.collected = false;
        logType = CT.UPGRADE_TO_SECONDARY;
        break;
    }
    this.logConfig(p, logType, s.node, s.origin);
    this.setInflight(p, null);
    this.dropPendingFront(p, s);
    // Cure right after the update: sends the next step of a proposal list, or the next fix.
    this.cure(p, false, null);
  }

  private stillApplicable(p: Partition, s: Step): boolean {
    switch (s.type) {
      case CT.ASSIGN_PRIMARY:
        return p.primary < 0;
      case CT.UPGRADE_TO_PRIMARY:
        return p.primary < 0 && p.secondaries.includes(s.node);
      case CT.DOWNGRADE_TO_SECONDARY:
        return p.primary === s.node;
      case CT.DOWNGRADE_TO_INACTIVE:
      case CT.REMOVE:
        return p.primary >= 0 && p.secondaries.includes(s.node);
      case CT.ADD_SECONDARY:
      case CT.ADD_SECONDARY_FOR_LB:
        return p.primary >= 0 && p.primary !== s.node && !p.secondaries.includes(s.node);
      default:
        return false;
    }
  }

  private dropPendingFront(p: Partition, s: Step): void {
    if (p.pending[0] === s) p.pending.shift();
  }

  private abortInflight(p: Partition, why: string): void {
    const inf = p.inflight;
    if (!inf) return;
    if (inf.learn) {
      const n = this.nodes[inf.learn.node]!;
      this.updateLearns(n);
      n.learns = n.learns.filter((x) => x !== inf.learn);
      this.scheduleLearnCompletion(n);
    }
    this.setInflight(p, null);
    // A failed step invalidates the rest of its proposal list.
    if (inf.step.origin !== 'cure') p.pending = [];
    this.attention.add(p);
    this.record({ t: this.t(), kind: 'learn', gpid: this.gpidOf(p), event: 'aborted', action: ctName(inf.step.type), node: this.addr(inf.step.node), why });
  }

  // ------------------------------------------------------------------ learning

  private startLearn(p: Partition, inf: Inflight): void {
    const s = inf.step;
    const n = this.nodes[s.node]!;
    if (!n.running || p.primary < 0 || !this.nodes[p.primary]!.running) {
      // The learner or learnee is down: the add fails; cure decides again.
      this.abortInflight(p, 'learner or learnee down');
      return;
    }
    // A dropped replica that is still on disk needs only the log delta (LT_LOG); otherwise LT_APP.
    const full = !p.dropped.some((d) => d.node === s.node) || p.closedOn.has(s.node);
    if (full && n.learns.filter((x) => x.full).length >= this.cfg.learnAppMaxConcurrentCount) {
      inf.waitingForSlot = true;
      return;
    }
    inf.waitingForSlot = false;
    const total = full ? p.app.replicaBytes : Math.round(p.app.replicaBytes * this.cfg.logDeltaFraction);
    this.updateLearns(n);
    const learn: Learn = { p, node: n.idx, total, remaining: total, full, inflight: inf };
    inf.learn = learn;
    n.learns.push(learn);
    this.record({ t: this.t(), kind: 'learn', gpid: this.gpidOf(p), event: 'start', node: n.address, from: this.addr(p.primary), bytes: total, mode: full ? 'LT_APP' : 'LT_LOG' });
    this.scheduleLearnCompletion(n);
  }

  /** Bytes per simulated ms a node receives: its bandwidth, capped by nfs.max_copy_rate_megabytes_per_disk (0 = no cap). */
  private learnRate(n: SimNode): number {
    return n.nfsCopyRateMb > 0 ? Math.min(this.bytesPerMs, (n.nfsCopyRateMb * MB) / 1000) : this.bytesPerMs;
  }

  /** Changes a replica server's NFS copy cap; running learns continue at the new rate. */
  setNfsCopyRate(idx: number, mb: number): void {
    const n = this.nodes[idx]!;
    this.updateLearns(n);
    n.nfsCopyRateMb = mb;
    this.scheduleLearnCompletion(n);
    this.record({ t: this.t(), kind: 'setting', name: 'nfs.max_copy_rate_megabytes_per_disk', value: mb, node: n.address });
  }

  /**
   * replica.kill_partition on a node: replicas it holds that are not members any more are closed,
   * so a later re-add needs a full copy (the meta's dropped lists are unchanged).
   */
  killPartitions(idx: number, appId?: number, pidx?: number): number {
    let closed = 0;
    for (const a of this.apps) {
      if (appId !== undefined && a.id !== appId) continue;
      for (const p of a.partitions) {
        if (pidx !== undefined && p.pidx !== pidx) continue;
        if (p.dropped.some((d) => d.node === idx) && !p.closedOn.has(idx)) {
          p.closedOn.add(idx);
          closed++;
        }
      }
    }
    this.record({ t: this.t(), kind: 'node', event: 'kill_partition', node: this.nodes[idx]!.address, app: appId ?? 'all', partition: pidx ?? 'all', closed });
    return closed;
  }

  /** Processor sharing: the node's copy rate is split evenly among its running learns. */
  private updateLearns(n: SimNode): void {
    const dt = this.now - n.learnUpdatedAt;
    n.learnUpdatedAt = this.now;
    if (dt <= 0 || n.learns.length === 0 || !n.running) return;
    const share = (this.learnRate(n) * dt) / n.learns.length;
    for (const l of n.learns) {
      const d = Math.min(share, l.remaining);
      l.remaining -= d;
      this.metrics.bytesCopied += d;
    }
  }

  private scheduleLearnCompletion(n: SimNode): void {
    const gen = ++n.learnGen;
    if (n.learns.length === 0) return;
    let min = Infinity;
    for (const l of n.learns) min = Math.min(min, l.remaining);
    const ms = Math.max(0, Math.ceil((min * n.learns.length) / this.learnRate(n)));
    this.clock.after(ms, () => {
      if (n.learnGen !== gen) return;
      this.updateLearns(n);
      const done = n.learns.filter((l) => l.remaining <= 0.5);
      n.learns = n.learns.filter((l) => l.remaining > 0.5);
      for (const l of done) {
        this.metrics.bytesCopied += l.remaining;
        l.remaining = 0;
        if (l.full) this.metrics.replicasCopied++;
        else this.metrics.incrementalLearns++;
        l.inflight.learn = null;
        this.record({ t: this.t(), kind: 'learn', gpid: this.gpidOf(l.p), event: 'done', node: n.address, bytes: l.total });
      }
      this.scheduleLearnCompletion(n);
      for (const l of done) this.complete(l.p, l.inflight);
      // A slot freed: learners waiting for it start at the next tick (the primary re-sends).
    });
  }

  // ------------------------------------------------------------------ manual proposals

  /**
   * RPC_CM_PROPOSE_BALANCER: registers the list when the partition has none pending (else
   * ERR_INVALID_PARAMETERS); with `force` the first action is sent at once, at any level.
   */
  proposeBalancer(appId: number, pidx: number, actions: { target: number; node: number; type: number }[], force: boolean): string {
    const app = this.apps.find((a) => a.id === appId);
    if (!app || pidx < 0 || pidx >= app.partitionCount) return 'ERR_INVALID_PARAMETERS';
    const p = app.partitions[pidx]!;
    if (p.pending.length > 0 && !force) return 'ERR_INVALID_PARAMETERS';
    const steps: Step[] = [];
    for (const a of actions) {
      let target = a.target;
      if (target < 0) {
        if (p.primary < 0) return 'ERR_INVALID_PARAMETERS';
        target = p.primary;
      }
      if (a.node < 0) return 'ERR_INVALID_PARAMETERS';
      steps.push({ type: a.type as Step['type'], target, node: a.node, origin: 'manual' });
    }
    if (steps.length === 0) return 'ERR_INVALID_PARAMETERS';
    this.metrics.proposals++;
    this.record({ t: this.t(), kind: 'proposal', gpid: this.gpidOf(p), origin: 'manual', force, actions: steps.map((s) => `${ctName(s.type)}(${this.addr(s.target)}→${this.addr(s.node)})`) });
    p.pending = steps;
    this.attention.add(p);
    if (force && !p.inflight) this.send(p, steps[0]!);
    return 'ERR_OK';
  }

  // ------------------------------------------------------------------ runtime settings

  logSetting(name: string, value: unknown, meta: number): void {
    this.epoch++;
    this.record({ t: this.t(), kind: 'setting', name, value, meta: this.metas[meta]?.address ?? '' });
  }

  /** Nudge the cure loop after a setting that may unblock partitions (e.g. assign delay). */
  settingsChanged(): void {
    this.epoch++;
  }

  // ------------------------------------------------------------------ clock

  advance(seconds: number): void {
    this.clock.advanceBy(seconds * 1000);
  }

  /** For tests and views: a consistent copy of the derived per-node counts. */
  nodeCounts(): { address: string; alive: boolean; running: boolean; primaries: number; replicas: number }[] {
    return this.nodes.map((n) => ({ address: n.address, alive: this.isAlive(n.idx), running: n.running, primaries: n.primaries, replicas: n.replicas }));
  }

  versionInfo(): { version: string; gitSha: string } {
    const d = versionDefaults[this.cfg.version];
    return { version: d.serverVersion, gitSha: d.gitSha };
  }

  /** Known to the leader: alive first, then dead (each sorted). Empty without a leader. */
  knownNodes(): { idx: number; alive: boolean }[] {
    const l = this.leader;
    if (!l) return [];
    // Host-name identities (2.6 `hostnames`) sort as host_port does: host text, then port.
    const named = this.cfg.version === '2.6' && this.cfg.hostnames !== false;
    const byAddr = named ? (a: number, b: number): number => compareHostPort(this.nodes[a]!.host, this.nodes[b]!.host) : (a: number, b: number): number => compareAddress(this.nodes[a]!.address, this.nodes[b]!.address);
    return [...[...l.alive].sort(byAddr).map((idx) => ({ idx, alive: true })), ...[...l.dead].sort(byAddr).map((idx) => ({ idx, alive: false }))];
  }
}

/** rpc_address order (IPv4 as a number, then port), as the meta sorts its node list. */
export function compareAddress(a: string, b: string): number {
  const key = (x: string): [number, number] => {
    const i = x.lastIndexOf(':');
    const ip = x.slice(0, i).split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
    return [ip, Number(x.slice(i + 1))];
  };
  const [ia, pa] = key(a);
  const [ib, pb] = key(b);
  return ia - ib || pa - pb;
}

/** host_port order: the host text, then the port. */
export function compareHostPort(a: string, b: string): number {
  const i = a.lastIndexOf(':');
  const j = b.lastIndexOf(':');
  const ha = a.slice(0, i);
  const hb = b.slice(0, j);
  return ha < hb ? -1 : ha > hb ? 1 : Number(a.slice(i + 1)) - Number(b.slice(j + 1));
}
