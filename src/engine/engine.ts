/**
 * The scale engine: scale-in, scale-out, node migration and the single steps they are made of,
 * each a sequence of journaled steps, one node at a time.
 *
 * How a node leaves (the choice that copies nothing twice and never loses a primary):
 *  1. every primary it holds is handed to one of the partition's secondaries with a `move_pri`
 *     proposal (a role switch: no data copied, no unavailability beyond the sub-second switch);
 *  2. every replica it still holds is moved with a `copy_sec` proposal to the node the meta's own
 *     cure would pick (fewest replicas of the table, then overall), never to a leaving node: the
 *     new replica is learned from the primary first and only then is the old one removed, so the
 *     partition never drops below its replica count and each replica is copied exactly once;
 *  3. only then is the process stopped. It holds nothing, so its death changes no partition; the
 *     freeze guard lowers `meta.live_percentage` just enough first when the dead count needs it.
 * The alternative of the seed page (stop, then let cure re-create the secondaries) copies the
 * same bytes but leaves every partition of the node under-replicated for the copy time and makes
 * its primaries unavailable for the failure-detection grace period.
 *
 * Around it the black list holds all leaving nodes (so cure never puts a replica on a node that
 * leaves later), `assign_delay_ms` is lowered (if a node dies anyway its replicas are re-created at
 * once), the level is `steady` (no balancer). Every setting is journaled with its value before the
 * change and restored from the journal on success, failure or cancel.
 */
import { hostname } from 'node:os';
import { pctAllowingRemoval, removalSchedule, type RemovalStep } from '../cluster/freeze';
import { fmtBytes, fmtDuration } from '../cluster/units';
import { decideRemoval, decideRestorePct, snapshotOf, zeroMarginWarning } from './freezeGuard';
import { diagnose, formatDiagnosis, type Diagnosis } from './diagnose';
import { newRunId, Journal, type OpenSetting } from './journal';
import { JournalLockedError, type HeldLock } from './journalLock';
import { aliveDead, balanceReport, ballotFingerprint, nodeLoads, replicasOn, unhealthyPartitions } from './model';
import { Placement } from './placement';
import { rehearse, type Rehearsal } from './rehearse';
import { describePlan, planMigration, planScaleIn, planScaleOut, DEFAULT_REPLICA_SIZE_BYTES, type PlanOptions, type ScalePlan } from './plan';
import { readLeaderMinLive, SettingError } from './metaPort';
import { unknownNodes } from './addresses';
import { isAbortError, META_LEVEL_VALUE, realClock, type Clock, type ClusterPort, type ClusterState, type MetaLevel, type MinLiveReading, type NodeControl, type PartitionView, type SettingName, type TableView } from './ports';

/** The min-live value the freeze arithmetic uses, and where it came from (said in every output that uses it). */
export interface MinLive {
  readonly value: number;
  /** True when read from the meta; false when the engine option was assumed. */
  readonly read: boolean;
  /** One line for plan/preflight/freeze-check output: the source, or the assumption and why. */
  readonly note: string;
}

export interface EngineOptions {
  /** How often the cluster is polled while waiting (ms of the engine's clock). */
  readonly pollIntervalMs?: number;
  /**
   * `min_live_node_count_for_unfreeze` assumed when the meta leader's HTTP `/config` cannot be read
   * (before Pegasus 2.2, or its port unreachable); default 3. The meta's own value wins when read.
   */
  readonly minLive?: number;
  /** The `meta.lb.assign_delay_ms` value used during a scale-in (the seed page's 10). */
  readonly assignDelayMs?: number;
  /**
   * Further node losses the freeze guard keeps room for at every stop (default 0: lower
   * `meta.live_percentage` only as far as the stop itself needs). With 1, an unrelated node
   * failure during a drain does not freeze the meta; the threshold goes lower for it.
   */
  readonly keepMargin?: number;
  /** A delay below this found before a run is taken as left over from an earlier scale-in. */
  readonly lowDelayThresholdMs?: number;
  readonly replicaSizeBytes?: PlanOptions['replicaSizeBytes'];
  readonly copyRateMBps?: number;
  readonly fdGraceSeconds?: number;
  readonly lbIntervalSeconds?: number;
  /** Report "stuck" (with a diagnosis) after this long without any change. */
  readonly stuckAfterMs?: number;
  /** Re-send a proposal whose partition did not change for this long. */
  readonly reproposeAfterMs?: number;
  /** How long "balanced" must hold before a rebalance is declared done. */
  readonly balancedSettleMs?: number;
  /** A healthy cluster whose ballots stay unchanged this long in lively: the balancer is idle. */
  readonly balancerIdleMs?: number;
  /** Period of the background leader check while a run is in progress (ClusterPort.watchLeader); default 5000. */
  readonly leaderWatchMs?: number;
  /** Time between restarting two metas (the rolling-update doc asks for more than 30 s); not used when node control waits for the restarted meta (simulator). */
  readonly metaRestartGapMs?: number;
  readonly timeouts?: {
    readonly primariesMs?: number;
    readonly secondariesMs?: number;
    readonly nodeGoneMs?: number;
    readonly nodeAliveMs?: number;
    readonly healthyMs?: number;
    readonly balancedMs?: number;
    readonly leaderMs?: number;
  };
}

export type EngineEvent =
  | { readonly kind: 'step'; readonly step: string; readonly status: 'started' | 'done' | 'skipped' | 'failed'; readonly message: string }
  | { readonly kind: 'progress'; readonly progress: Progress; readonly message: string }
  | { readonly kind: 'operator'; readonly message: string }
  | { readonly kind: 'stuck'; readonly diagnosis: Diagnosis; readonly message: string }
  | { readonly kind: 'setting'; readonly name: SettingName; readonly from: string; readonly to: string; readonly message: string }
  | { readonly kind: 'leader'; readonly leader: string; readonly message: string }
  | { readonly kind: 'info' | 'warning'; readonly message: string };

export interface Progress {
  readonly phase: string;
  readonly node?: string;
  readonly primariesLeft?: number;
  readonly replicasLeft?: number;
  readonly unhealthy: number;
  readonly bytesCopied: number;
  readonly bytesPlanned: number;
  /** Bytes per second over the phase so far. */
  readonly rate: number;
  /** Seconds left at that rate; undefined when unknown. */
  readonly etaSeconds?: number;
  readonly elapsedSeconds: number;
}

export interface Refusal {
  readonly reason: string;
  readonly fix: string;
}

export interface SettingLeft {
  readonly name: SettingName;
  readonly value: string;
  readonly original: string;
  readonly reason: string;
}

export type Outcome = 'done' | 'failed' | 'cancelled' | 'refused';

export interface OperationResult {
  readonly op: string;
  readonly run: string;
  readonly outcome: Outcome;
  /** One paragraph: what happened. */
  readonly message: string;
  /** The state the cluster is left in, in words (always set, also after failure or cancel). */
  readonly clusterState: string;
  readonly refusals: readonly Refusal[];
  readonly settingsLeft: readonly SettingLeft[];
  readonly plan?: ScalePlan;
  readonly stats: { readonly primariesMoved: number; readonly copiesProposed: number; readonly bytesCopied: number; readonly elapsedMs: number };
  /** Extra structured output of the step (freeze-check schedule, added node addresses…). */
  readonly data?: unknown;
}

export class EngineError extends Error {
  constructor(
    message: string,
    readonly diagnosis?: Diagnosis,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

export class RefusedError extends Error {
  constructor(readonly refusals: readonly Refusal[]) {
    super(refusals.map((r) => `${r.reason} (fix: ${r.fix})`).join('; '));
    this.name = 'RefusedError';
  }
}

export interface EngineDeps {
  readonly cluster: ClusterPort;
  readonly control: NodeControl;
  readonly journal: Journal;
  /** The cluster's name, recorded in the journal. */
  readonly clusterName: string;
  /** The configured meta servers (for restart-meta one at a time). */
  readonly metaServers: readonly string[];
  /** Who runs it (user@host), recorded in the journal. */
  readonly who?: string;
  readonly clock?: Clock;
  readonly onEvent?: (e: EngineEvent) => void;
  readonly options?: EngineOptions;
}

export interface RunOptions {
  readonly signal?: AbortSignal;
  /** Continue the journal's unfinished run of the same operation instead of refusing. */
  readonly resume?: boolean;
}

export type OperationSpec =
  | { readonly op: 'scale-in'; readonly nodes: readonly string[] }
  | { readonly op: 'scale-out'; readonly nodes?: readonly string[]; readonly count?: number; readonly rebalance?: boolean }
  | { readonly op: 'migrate'; readonly from: readonly string[]; readonly to?: readonly string[]; readonly count?: number }
  | { readonly op: 'drain-node'; readonly node: string }
  | { readonly op: 'stop-node'; readonly node: string; readonly force?: boolean }
  | { readonly op: 'start-node'; readonly node: string }
  | { readonly op: 'wait-healthy'; readonly timeoutMs?: number }
  | { readonly op: 'rebalance' }
  | { readonly op: 'restart-meta' }
  | { readonly op: 'restore-settings' };

interface RunCtx {
  readonly run: string;
  readonly signal: AbortSignal;
  readonly finished: Set<string>;
  /** Set when a leader change was noticed; the next poll re-applies the journal's settings. */
  leaderChanged: boolean;
  leader: string;
  primariesMoved: number;
  copiesProposed: number;
  bytesCopied: number;
  readonly startedAt: number;
  /** Nodes that must receive nothing (the black list of this run). */
  excluded: Set<string>;
  /** Addresses added during the run (simulator scale-out by count). */
  readonly added: string[];
  /**
   * Nodes whose stop was issued (or attempted: a failed command may still kill the process) and
   * not yet seen UNALIVE: restore counts them as dead, so it never brings back a threshold that
   * would freeze the meta once the failure detector catches up.
   */
  readonly stopIssued: Set<string>;
}

const SETTING_ORDER: readonly SettingName[] = ['meta.lb.assign_secondary_black_list', 'meta.lb.assign_delay_ms', 'meta.lb.only_move_primary', 'meta.live_percentage', 'meta_level'];

export class ScaleEngine {
  private readonly clock: Clock;
  private readonly o: Required<Omit<EngineOptions, 'replicaSizeBytes' | 'copyRateMBps' | 'timeouts'>> & Pick<EngineOptions, 'replicaSizeBytes' | 'copyRateMBps'>;
  private readonly t: Required<NonNullable<EngineOptions['timeouts']>>;

  constructor(private readonly d: EngineDeps) {
    this.clock = d.clock ?? realClock;
    const o = d.options ?? {};
    const tick = o.lbIntervalSeconds ?? 10;
    this.o = {
      pollIntervalMs: o.pollIntervalMs ?? 2000,
      minLive: o.minLive ?? 3,
      assignDelayMs: o.assignDelayMs ?? 10,
      lowDelayThresholdMs: o.lowDelayThresholdMs ?? 60_000,
      fdGraceSeconds: o.fdGraceSeconds ?? 22,
      lbIntervalSeconds: tick,
      stuckAfterMs: o.stuckAfterMs ?? 12 * tick * 1000,
      reproposeAfterMs: o.reproposeAfterMs ?? 6 * tick * 1000,
      balancedSettleMs: o.balancedSettleMs ?? 2 * tick * 1000,
      balancerIdleMs: o.balancerIdleMs ?? 12 * tick * 1000,
      metaRestartGapMs: o.metaRestartGapMs ?? 30_000,
      leaderWatchMs: o.leaderWatchMs ?? 5000,
      keepMargin: Math.max(0, Math.floor(o.keepMargin ?? 0)),
      replicaSizeBytes: o.replicaSizeBytes,
      copyRateMBps: o.copyRateMBps,
    };
    const t = o.timeouts ?? {};
    this.t = {
      primariesMs: t.primariesMs ?? 10 * 60_000,
      secondariesMs: t.secondariesMs ?? 6 * 3600_000,
      // A person doing it by hand (manual control) gets longer than a command.
      nodeGoneMs: t.nodeGoneMs ?? (d.control.kind === 'manual' ? 30 : 5) * 60_000,
      nodeAliveMs: t.nodeAliveMs ?? (d.control.kind === 'manual' ? 30 : 10) * 60_000,
      healthyMs: t.healthyMs ?? 60 * 60_000,
      balancedMs: t.balancedMs ?? 12 * 3600_000,
      leaderMs: t.leaderMs ?? 5 * 60_000,
    };
  }

  // ---------------------------------------------------------------- read-only: plan, pre-flight, freeze-check

  private planOptions(pct: number, minLive: number): PlanOptions {
    return {
      pct,
      minLive,
      fdGraceSeconds: this.o.fdGraceSeconds,
      lbIntervalSeconds: this.o.lbIntervalSeconds,
      keepMargin: this.o.keepMargin,
      ...(this.o.replicaSizeBytes !== undefined ? { replicaSizeBytes: this.o.replicaSizeBytes } : {}),
      ...(this.o.copyRateMBps !== undefined ? { copyRateMBps: this.o.copyRateMBps } : {}),
    };
  }

  private readonly minLiveByLeader = new Map<string, Promise<MinLive>>();

  /**
   * `min_live_node_count_for_unfreeze` of this leader: it is a per-process config value, so it is
   * read (once per leader and run) from the leader's HTTP `/config`; the option is the fallback.
   */
  async minLive(leader: string, signal?: AbortSignal): Promise<MinLive> {
    let p = this.minLiveByLeader.get(leader);
    if (!p) {
      p = this.readMinLive(leader, signal);
      this.minLiveByLeader.set(leader, p);
      // A read cut short by a cancel says nothing about the meta: ask again next time.
      void p.then(() => signal?.aborted && this.minLiveByLeader.delete(leader));
    }
    return p;
  }

  private async readMinLive(leader: string, signal?: AbortSignal): Promise<MinLive> {
    let r: MinLiveReading;
    try {
      r = this.d.cluster.readMinLive ? await this.d.cluster.readMinLive(leader, signal) : await readLeaderMinLive(leader, signal);
    } catch (e) {
      r = { reason: e instanceof Error ? e.message : String(e) };
    }
    const opt = this.d.options?.minLive;
    if (r.value !== undefined) {
      const differs = opt !== undefined && opt !== r.value ? `; the engine option minLive=${opt} is ignored: the meta's own value decides when it freezes` : '';
      return { value: r.value, read: true, note: `min_live=${r.value} (${r.source})${differs}` };
    }
    // Cached for this run and leader like a good read: the next run (or a new leader) asks again.
    const note = `assumed min_live=${this.o.minLive}: the meta's /config could not be read: ${r.reason}. If the meta's min_live_node_count_for_unfreeze differs, pass it as the engine option minLive`;
    return { value: this.o.minLive, read: false, note };
  }

  private async readPct(signal?: AbortSignal): Promise<number> {
    const raw = await this.d.cluster.getSetting('meta.live_percentage', signal);
    const v = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(v)) throw new EngineError(`meta.live_percentage read as ${JSON.stringify(raw)}, not a number: check remote_command -t meta-server meta.live_percentage on the meta leader`);
    return v;
  }

  /** The plan of a scale operation from the cluster as it is now. */
  async plan(spec: Extract<OperationSpec, { op: 'scale-in' | 'scale-out' | 'migrate' }>, signal?: AbortSignal): Promise<ScalePlan> {
    const state = await this.d.cluster.readState(signal);
    const pct = await this.readPct(signal);
    const ml = await this.minLive(state.leader, signal);
    const plan = planFor(state, spec, this.planOptions(pct, ml.value));
    // An address the meta does not list would be planned as "nothing to move": a green plan for nothing.
    const unknown = unknownNodes(state, spec.op === 'scale-in' ? spec.nodes : spec.op === 'migrate' ? spec.from : []);
    return { ...plan, assumptions: [...plan.assumptions, ml.note], problems: [...unknown, ...plan.problems] };
  }

  /**
   * Runs the operation first on a simulated twin built from the live topology (see rehearse.ts)
   * and returns the predicted outcome; the live cluster is only read.
   */
  async rehearse(spec: Extract<OperationSpec, { op: 'scale-in' | 'scale-out' | 'migrate' }>, o: { version?: '2.5' | '2.6'; signal?: AbortSignal } = {}): Promise<Rehearsal> {
    const state = await this.d.cluster.readState(o.signal);
    const pct = await this.readPct(o.signal);
    const ml = await this.minLive(state.leader, o.signal);
    const rs = this.o.replicaSizeBytes;
    const sizeMb = typeof rs === 'number' ? rs / (1024 * 1024) : rs ? (rs['default'] ?? DEFAULT_REPLICA_SIZE_BYTES) / (1024 * 1024) : undefined;
    return rehearse(state, spec, {
      pct,
      minLive: ml.value,
      minLiveNote: ml.note,
      ...(o.version ? { version: o.version } : {}),
      ...(sizeMb !== undefined ? { replicaSizeMb: sizeMb } : {}),
      ...(this.o.copyRateMBps !== undefined ? { copyRateMb: this.o.copyRateMBps } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    });
  }

  /** Reasons to refuse, each with its fix; empty when the operation may start. */
  async preflight(spec: OperationSpec, signal?: AbortSignal, resumingRun?: string): Promise<Refusal[]> {
    return (await this.preflightReport(spec, signal, resumingRun)).refusals;
  }

  /** Pre-flight with what it assumed (the min-live source); `preflight` emits the assumption as an event too. */
  async preflightReport(spec: OperationSpec, signal?: AbortSignal, resumingRun?: string): Promise<{ refusals: Refusal[]; minLive: MinLive; warnings: string[] }> {
    const state = await this.d.cluster.readState(signal);
    const ml = await this.minLive(state.leader, signal);
    if (!ml.read) this.emit({ kind: 'warning', message: `preflight: ${ml.note}` });
    const out: Refusal[] = [];
    const warnings: string[] = [];
    const stored = (await this.d.cluster.getSetting('meta_level', signal)) as MetaLevel;
    if (state.effectiveLevel === 'freezed' && META_LEVEL_VALUE[stored] > META_LEVEL_VALUE.freezed) {
      const { alive, dead } = aliveDead(state);
      out.push({ reason: `the meta is frozen now (alive ${alive}, dead ${dead}): no reconfiguration can run`, fix: 'bring the dead nodes back, or lower meta.live_percentage (freeze-check shows how far), or restart the metas to forget removed nodes' });
    } else if (META_LEVEL_VALUE[stored] < META_LEVEL_VALUE.steady) {
      out.push({ reason: `the meta level is ${stored}, below steady: proposals and cure do not run`, fix: 'set_meta_level steady, once you know why it was lowered' });
    }
    const mutatingScale = spec.op === 'scale-in' || spec.op === 'migrate' || spec.op === 'drain-node' || spec.op === 'scale-out' || spec.op === 'rebalance';
    if (mutatingScale && !resumingRun) {
      const unhealthy = unhealthyPartitions(state);
      if (unhealthy.length > 0) {
        out.push({
          reason: `${unhealthy.length} partition(s) are not fully healthy: ${unhealthy.slice(0, 5).map((u) => `${u.gpid} (${u.table}) ${u.health}`).join(', ')}${unhealthy.length > 5 ? ', …' : ''}`,
          fix: 'wait until every partition is healthy (wait-healthy) and find out why they were not',
        });
      }
    }
    const leaving = spec.op === 'scale-in' ? spec.nodes : spec.op === 'migrate' ? spec.from : spec.op === 'drain-node' ? [spec.node] : [];
    const joining = spec.op === 'migrate' ? (spec.to ?? []) : [];
    const listed = new Map(state.nodes.map((n) => [n.address, n]));
    for (const n of leaving) {
      const l = listed.get(n);
      if (!l) out.push({ reason: unknownNodes(state, [n])[0]!, fix: `use an address as nodes -d prints it, e.g. ${state.nodes[0]?.address ?? 'host:port'}` });
      else if (!l.alive && (nodeLoads(state).get(n)?.replicas ?? 0) > 0 && !resumingRun) out.push({ reason: `${n} is UNALIVE but still referenced by partitions: its data cannot be moved away from a dead process`, fix: `start ${n} again (start-node) or wait until every partition is healthy without it` });
    }
    if (new Set(leaving).size !== leaving.length) out.push({ reason: 'a leaving node is listed twice', fix: 'list each node once' });
    if (leaving.length > 0) {
      const left = state.nodes.filter((n) => n.alive && !leaving.includes(n.address)).length + joining.filter((j) => !listed.get(j)?.alive).length + (spec.op === 'migrate' ? (spec.count ?? 0) : 0);
      for (const t of state.tables) {
        if (t.maxReplicaCount > left) out.push({ reason: `table ${t.name} keeps ${t.maxReplicaCount} replicas but only ${left} node(s) would be left`, fix: `remove fewer nodes (at most ${Math.max(0, state.nodes.filter((n) => n.alive).length - t.maxReplicaCount)}), add nodes first, or lower ${t.name}'s replica count` });
      }
      const { alive, dead } = aliveDead(state);
      const leavingAlive = leaving.filter((n) => listed.get(n)?.alive).length;
      // Only operations that stop nodes; a drain kills nothing. (The threshold itself is the guard's job.)
      if (spec.op !== 'drain-node' && pctAllowingRemoval(alive + joining.length, dead, ml.value, leavingAlive) === null) {
        // The source of min_live goes in the fix, not nested in the reason.
        out.push({ reason: `removing ${leavingAlive} node(s) from ${alive} alive would leave fewer than min_live_node_count_for_unfreeze = ${ml.value}: the meta would freeze whatever meta.live_percentage is`, fix: `remove fewer nodes, or add nodes first (${ml.note})` });
      } else if (spec.op !== 'drain-node') {
        // Walk the guard's decisions: a stop that leaves no spare is allowed, but said.
        let a = alive + joining.length;
        let dd = dead;
        let p = await this.readPct(signal);
        const zero: string[] = [];
        for (const n of leaving.filter((x) => listed.get(x)?.alive)) {
          const dec = decideRemoval({ alive: a, dead: dd, pct: p, minLive: ml.value }, this.o.keepMargin);
          if (dec.kind === 'refuse') break;
          if (dec.kind === 'lower') p = dec.pct;
          if (dec.after.margin === 0) zero.push(n);
          a--;
          dd++;
        }
        if (zero.length) warnings.push(zeroMarginWarning(`stopping ${zero.join(', ')}`));
      }
    }
    if ((mutatingScale || spec.op === 'stop-node') && !resumingRun) {
      // A threshold kept lowered on purpose (dead nodes still counted) does not block the next step:
      // the guard starts from it and the journal still holds the original for after the restart.
      const open = this.d.journal.openSettings().filter((x) => !(x.name === 'meta.live_percentage' && x.keptReason));
      if (open.length > 0) {
        out.push({ reason: `an earlier run left settings changed: ${open.map((s) => `${s.name}=${s.current} (was ${s.original})`).join(', ')}${open.some((s) => s.keptReason) ? ' — kept on purpose until a meta restart' : ''}`, fix: 'resume that run, or restore-settings (or restart-meta when the threshold must wait for it) first' });
      }
      const bl = await this.d.cluster.getSetting('meta.lb.assign_secondary_black_list', signal);
      if (bl.trim() && (spec.op === 'scale-in' || spec.op === 'migrate' || spec.op === 'drain-node')) {
        out.push({ reason: `a secondary black list is already in place (${bl}), probably from an earlier run`, fix: 'resume that run, or clear it: remote_command -t meta-server meta.lb.assign_secondary_black_list clear' });
      }
      const delay = Number(await this.d.cluster.getSetting('meta.lb.assign_delay_ms', signal));
      if (Number.isFinite(delay) && delay < this.o.lowDelayThresholdMs && (spec.op === 'scale-in' || spec.op === 'migrate' || spec.op === 'drain-node')) {
        out.push({ reason: `meta.lb.assign_delay_ms is ${delay} ms, lowered, probably by an earlier scale-in`, fix: 'resume that run, or reset it: remote_command -t meta-server meta.lb.assign_delay_ms DEFAULT' });
      }
    }
    for (const w of warnings) this.emit({ kind: 'warning', message: `preflight: ${w}` });
    return { refusals: out, minLive: ml, warnings };
  }

  /** The freeze arithmetic for removing these nodes (or this many) one after another. */
  async freezeCheck(remove: readonly string[] | number, signal?: AbortSignal): Promise<OperationResult> {
    const started = this.clock.now();
    const state = await this.d.cluster.readState(signal);
    const pct = await this.readPct(signal);
    const { alive, dead } = aliveDead(state);
    const ml = await this.minLive(state.leader, signal);
    const k = typeof remove === 'number' ? remove : remove.length;
    const problems = typeof remove === 'number' ? [] : unknownNodes(state, remove);
    if (typeof remove !== 'number' && new Set(remove).size !== remove.length) problems.push('a node is listed twice: list each node once');
    if (k > alive) problems.push(`the cluster has only ${alive} alive node(s) (${state.nodes.length} listed): ${k} cannot be removed`);
    if (problems.length > 0) {
      return {
        op: 'freeze-check',
        run: '',
        outcome: 'refused',
        message: [ml.note, ...problems].join('\n'),
        clusterState: describeState(state),
        refusals: problems.map((reason) => ({ reason, fix: 'name nodes as nodes -d prints them, at most as many as are alive' })),
        settingsLeft: [],
        stats: { primariesMoved: 0, copiesProposed: 0, bytesCopied: 0, elapsedMs: this.clock.now() - started },
        data: { now: snapshotOf({ alive, dead, pct, minLive: ml.value }), schedule: [], pctAllowingRemoval: null, minLive: ml, problems },
      };
    }
    const schedule: RemovalStep[] = removalSchedule({ alive, dead, pct, minLive: ml.value }, k);
    const allow = pctAllowingRemoval(alive, dead, ml.value, k);
    const now = snapshotOf({ alive, dead, pct, minLive: ml.value });
    const lines = [
      ml.note,
      `now: alive ${alive}, dead ${dead}, meta.live_percentage ${pct}, min_live ${ml.value}: ${now.frozen ? 'FROZEN' : `not frozen, margin ${now.margin}`}`,
      ...schedule.map((s, i) => `after removing ${typeof remove === 'number' ? s.removed : remove[i]}: alive ${s.alive}, dead ${s.dead} (${s.aliveShare.toFixed(1)}% alive) ${s.frozen ? `FREEZES (${s.reasons.join(', ')})` : 'ok'}; largest safe pct ${s.largestSafePct ?? 'none (min_live)'}`),
      allow === null
        ? `no meta.live_percentage avoids the freeze: fewer than ${ml.value} nodes would be alive`
        : allow >= pct
          ? `the current threshold ${pct} is fine for all ${k} removal(s)`
          : `the engine lowers meta.live_percentage step by step, to ${allow} at the lowest; it stays lowered until the metas restart`,
    ];
    return {
      op: 'freeze-check',
      run: '',
      outcome: 'done',
      message: lines.join('\n'),
      clusterState: describeState(state),
      refusals: [],
      settingsLeft: [],
      stats: { primariesMoved: 0, copiesProposed: 0, bytesCopied: 0, elapsedMs: this.clock.now() - started },
      data: { now, schedule, pctAllowingRemoval: allow, minLive: ml },
    };
  }

  // ---------------------------------------------------------------- running operations

  /**
   * Runs an operation (or resumes the journal's unfinished one with `resume`). The journal is locked
   * for the whole run: a second engine on the same journal is refused, naming who holds it.
   */
  async run(spec: OperationSpec, ro: RunOptions = {}): Promise<OperationResult> {
    return this.withLock(spec.op, (tookOver) => this.runLocked(spec, ro, tookOver));
  }

  private async withLock(op: string, fn: (tookOver: string | undefined) => Promise<OperationResult>): Promise<OperationResult> {
    let held: HeldLock | undefined;
    try {
      held = this.d.journal.lock({ who: this.d.who ?? defaultWho(), op });
    } catch (e) {
      if (e instanceof JournalLockedError) return this.refused(op, [{ reason: e.message, fix: e.fix }]);
      throw e;
    }
    let tookOver: string | undefined;
    if (held?.tookOver) {
      const h = held.tookOver;
      tookOver = h === 'unreadable' ? `took over an unreadable stale lock ${held.path}` : `took over the stale journal lock of ${h.who} (pid ${h.pid} on ${h.host}, ${h.op} started ${h.started}): that process is gone`;
      this.emit({ kind: 'warning', message: tookOver });
    }
    try {
      return await fn(tookOver);
    } finally {
      held?.release();
    }
  }

  private async runLocked(spec: OperationSpec, ro: RunOptions, tookOver: string | undefined): Promise<OperationResult> {
    const signal = ro.signal ?? new AbortController().signal;
    const crashed = this.d.journal.unfinishedRun();
    const resumable = this.d.journal.resumableRun();
    const sameAs = (b: { op: string; params: unknown } | undefined): boolean => !!b && b.op === spec.op && JSON.stringify(b.params) === JSON.stringify(spec);
    const bringsBack = spec.op === 'restore-settings' || spec.op === 'restart-meta' || spec.op === 'wait-healthy';
    let run: string;
    let resuming = false;
    if (ro.resume && resumable && sameAs(resumable)) {
      run = resumable.run;
      resuming = true;
    } else if (crashed && !bringsBack) {
      return this.refused(spec.op, [
        {
          reason: `the journal has an unfinished ${crashed.op} run (${crashed.run}, started ${crashed.at} by ${crashed.who})`,
          fix: sameAs(crashed) ? 'run it again with resume' : `resume that ${crashed.op} first, or restore-settings to end it`,
        },
      ]);
    } else {
      if (ro.resume) this.emit({ kind: 'info', message: 'nothing to resume in the journal for this operation; starting a new run' });
      run = newRunId();
      if (crashed && spec.op === 'restore-settings') {
        this.d.journal.append({ t: 'end', outcome: 'cancelled', message: `abandoned: restore-settings ran in run ${run}` }, this.date(), crashed.run);
      }
    }
    this.d.journal.run = run;
    this.minLiveByLeader.clear();
    let plan: ScalePlan | undefined;
    let state0: ClusterState;
    try {
      if (spec.op !== 'restore-settings' && spec.op !== 'restart-meta' && spec.op !== 'wait-healthy') {
        const refusals = await this.preflight(spec, signal, resuming ? run : undefined);
        if (refusals.length > 0) {
          if (resuming) this.d.journal.append({ t: 'event', kind: 'refused', message: refusals.map((r) => r.reason).join('; ') });
          return this.refused(spec.op, refusals, run);
        }
      }
      if (spec.op === 'scale-in' || spec.op === 'scale-out' || spec.op === 'migrate') {
        plan = await this.plan(spec, signal);
        if (plan.problems.length > 0 && !resuming) return this.refused(spec.op, plan.problems.map((p) => ({ reason: p, fix: 'add nodes first or remove fewer' })), run, plan);
      }
      state0 = await this.d.cluster.readState(signal);
    } catch (e) {
      // Nothing was changed yet: report, do not throw (the cluster could not be read, or cancelled).
      const cancelled = isAbortError(e) || signal.aborted;
      return {
        ...this.refused(spec.op, [], run, plan),
        outcome: cancelled ? 'cancelled' : 'failed',
        message: `${spec.op} ${cancelled ? 'cancelled' : 'failed'} before it changed anything: ${e instanceof Error ? e.message : String(e)}`,
      };
    }
    if (!resuming) {
      this.d.journal.append({ t: 'begin', op: spec.op, params: spec, who: this.d.who ?? defaultWho(), cluster: this.d.clusterName, leader: state0.leader }, this.date());
      if (plan) this.d.journal.append({ t: 'event', kind: 'plan', message: describePlan(plan) }, this.date());
    } else {
      this.d.journal.append({ t: 'event', kind: 'resume', message: `resuming ${spec.op}; finished steps are skipped` }, this.date());
      this.emit({ kind: 'info', message: `resuming ${spec.op} run ${run}` });
    }
    if (tookOver) this.d.journal.append({ t: 'event', kind: 'lock', message: tookOver }, this.date());
    const rc: RunCtx = {
      run,
      signal,
      finished: this.d.journal.finishedSteps(run),
      leaderChanged: resuming, // on resume, re-apply what the journal says should be in force
      leader: state0.leader,
      primariesMoved: 0,
      copiesProposed: 0,
      bytesCopied: 0,
      startedAt: this.clock.now(),
      excluded: new Set(),
      added: [],
      stopIssued: new Set(),
    };
    for (const s of this.d.journal.all()) {
      if (s.t !== 'step' || s.run !== run) continue;
      if (s.step.startsWith('add:') && s.status === 'done' && s.detail) rc.added.push(s.detail);
      // A stop the crashed run issued (or attempted) and never saw through: that node may still go down.
      if (s.step.endsWith(':stop') && s.status !== 'skipped') rc.stopIssued.add(s.step.slice(0, -':stop'.length));
      if (s.step.endsWith(':gone') && s.status === 'done') rc.stopIssued.delete(s.step.slice(0, -':gone'.length));
    }
    // A restart of the same leader loses its runtime settings just like a fail-over does.
    const offChange = this.d.cluster.onLeaderChange((leader, change) => {
      if (leader !== rc.leader || change?.restarted) {
        rc.leaderChanged = true;
        rc.leader = leader;
      }
    });
    // Without it a fail-over while the engine sleeps is only seen at its next call, and a restart of the same leader not at all.
    const stopWatch = this.d.cluster.watchLeader?.({ intervalMs: this.o.leaderWatchMs, signal }) ?? ((): void => undefined);
    const off = (): void => {
      stopWatch();
      offChange();
    };
    let outcome: Exclude<Outcome, 'refused'> = 'done';
    let message = '';
    let data: unknown;
    this.proposals.clear();
    this.drainStart.clear();
    this.loadTargets(run);
    this.overFull.clear();
    try {
      if (resuming) await this.reapply(rc);
      data = await this.body(spec, rc, plan);
      const added = (data as { added?: string[] } | undefined)?.added;
      message = `${spec.op} finished${added?.length ? `; added ${added.join(', ')}` : ''}`;
    } catch (e) {
      if (isAbortError(e) || signal.aborted) {
        outcome = 'cancelled';
        message = `${spec.op} cancelled`;
      } else {
        outcome = 'failed';
        message = `${spec.op} failed: ${e instanceof Error ? e.message : String(e)}`;
        if (e instanceof EngineError && e.diagnosis) message += `\n${formatDiagnosis(e.diagnosis)}`;
      }
      this.emit({ kind: outcome === 'cancelled' ? 'info' : 'warning', message });
    } finally {
      off();
    }
    // Restore from the journal on every outcome, with a fresh signal: a cancel must still restore.
    // A meta that is away (fail-over, restart) is waited for up to the leader timeout.
    let settingsLeft: SettingLeft[] = [];
    let finalState: ClusterState | undefined;
    // restore-settings with an empty journal must never claim it restored anything.
    const nothingKnown = spec.op === 'restore-settings' && this.d.journal.openSettings().length === 0;
    try {
      // Each run gives back what it changed; restore-settings gives back everything open (also an abandoned run's).
      // A drain that did not finish keeps the level at steady: lively would let the balancer move
      // replicas back onto the nodes being drained, and a resume would copy them a second time.
      const leavingNodes = spec.op === 'scale-in' ? spec.nodes : spec.op === 'migrate' ? spec.from : spec.op === 'drain-node' ? [spec.node] : [];
      // Only nodes still up and not being stopped can be refilled; unreadable state: assume they can.
      const refillable = outcome !== 'done' && leavingNodes.length > 0 ? await this.stillUp(leavingNodes, rc) : [];
      const keepSteady = refillable.length > 0 ? { op: spec.op, nodes: refillable, outcome } : undefined;
      settingsLeft = spec.op === 'restart-meta' ? this.leftOpen() : await this.restoreRetrying(spec.op === 'restore-settings' ? undefined : run, rc.stopIssued, keepSteady);
      if (spec.op !== 'restore-settings' && spec.op !== 'restart-meta') {
        const mine = new Set(settingsLeft.map((x) => x.name));
        for (const o of this.leftOpen()) if (!mine.has(o.name)) settingsLeft.push(o);
      }
    } catch (e) {
      message += `\nrestoring settings failed: ${e instanceof Error ? e.message : String(e)}; once the meta answers again, run restore-settings (the journal keeps the values to restore: ${this.leftOpen().map((o) => `${o.name}=${o.original || "''"}`).join(', ') || 'none left'})`;
      settingsLeft = this.leftOpen();
      if (outcome === 'done') outcome = 'failed';
    }
    try {
      finalState = await this.d.cluster.readState(AbortSignal.timeout(30_000));
    } catch {
      // Said in clusterState below ("unknown").
    }
    let clusterState = (finalState ? describeState(finalState, rc.excluded) : 'unknown (the cluster could not be read)') + describeSettingsLeft(settingsLeft);
    if (finalState && outcome === 'done' && (spec.op === 'scale-in' || spec.op === 'drain-node')) {
      const rep = balanceReport(finalState);
      const uneven = rep.tables.filter((t) => !t.balanced);
      if (uneven.length) {
        const advice = `not even after the ${spec.op}: ${uneven.map((t) => `${t.table} primaries ${t.primarySpread.join('..')} (even: ${t.bounds.join('..')}), replicas ${t.replicaSpread.join('..')}`).join('; ')}; a rebalance is advisable (run rebalance)`;
        message += `\n${advice}`;
        clusterState += `; ${advice}`;
      }
    }
    if (nothingKnown) {
      const looks = await this.looksChanged().catch((e: unknown) => [`the settings could not be read: ${e instanceof Error ? e.message : String(e)}`]);
      const what = `no journal entries for this cluster (${this.d.journal.path ?? 'in-memory journal'}): nothing known to restore`;
      const tail = looks.length ? `; what looks changed on the cluster:\n${looks.map((l) => `- ${l}`).join('\n')}` : '; nothing on the cluster looks left over from a scale operation';
      message = `${what}${tail}`;
      clusterState = `${finalState ? describeState(finalState) : 'unknown (the cluster could not be read)'}; ${what}${tail}`;
      data = { nothingKnown: true, looksChanged: looks };
    }
    this.d.journal.append({ t: 'end', outcome, message: `${message}\n${clusterState}` }, this.date());
    return {
      op: spec.op,
      run,
      outcome,
      message,
      clusterState,
      refusals: [],
      settingsLeft,
      ...(plan ? { plan } : {}),
      stats: { primariesMoved: rc.primariesMoved, copiesProposed: rc.copiesProposed, bytesCopied: rc.bytesCopied, elapsedMs: this.clock.now() - rc.startedAt },
      ...(data !== undefined ? { data } : {}),
    };
  }

  /** Resumes the journal's unfinished run, whatever it was. */
  async resume(signal?: AbortSignal): Promise<OperationResult | undefined> {
    const seen = this.d.journal.resumableRun();
    if (!seen) return undefined;
    return this.withLock(seen.op, (tookOver) => {
      // Looked at again under the lock: another engine may have finished it since the journal was opened.
      const u = this.d.journal.resumableRun();
      if (!u || u.run !== seen.run) {
        return Promise.resolve(
          this.refused(seen.op, [{ reason: `nothing to resume: ${seen.op} run ${seen.run} was ${u ? `superseded by run ${u.run}` : 'finished'} by another engine since this journal was opened`, fix: 'read the journal for its outcome; start a new operation if it is still needed' }]),
        );
      }
      return this.runLocked(u.params as OperationSpec, { resume: true, ...(signal ? { signal } : {}) }, tookOver);
    });
  }

  private refused(op: string, refusals: Refusal[], run = '', plan?: ScalePlan): OperationResult {
    return {
      op,
      run,
      outcome: 'refused',
      message: `${op} refused:\n${refusals.map((r) => `- ${r.reason}\n  fix: ${r.fix}`).join('\n')}`,
      clusterState: 'unchanged (nothing was done)',
      refusals,
      settingsLeft: this.leftOpen(),
      ...(plan ? { plan } : {}),
      stats: { primariesMoved: 0, copiesProposed: 0, bytesCopied: 0, elapsedMs: 0 },
    };
  }

  private async body(spec: OperationSpec, rc: RunCtx, plan: ScalePlan | undefined): Promise<unknown> {
    switch (spec.op) {
      case 'scale-in':
        rc.excluded = new Set(spec.nodes);
        await this.scaleInNodes(rc, spec.nodes, plan);
        // A drained node's primaries can only go to that partition's secondaries, so they pile up
        // on a few nodes; role switches (no copy) even them out per table.
        await this.step(rc, 'primaries-balance', () => this.balancePrimaries(rc));
        return undefined;
      case 'scale-out': {
        const nodes = await this.startNodes(rc, spec.nodes ?? [], spec.count ?? 0);
        if (spec.rebalance !== false) await this.step(rc, 'rebalance', () => this.rebalanceBody(rc));
        return { added: nodes };
      }
      case 'migrate': {
        const nodes = await this.startNodes(rc, spec.to ?? [], spec.count ?? 0);
        rc.excluded = new Set(spec.from);
        await this.scaleInNodes(rc, spec.from, plan);
        await this.step(rc, 'rebalance', () => this.rebalanceBody(rc));
        return { added: nodes };
      }
      case 'drain-node':
        rc.excluded = new Set([spec.node]);
        await this.prepareScaleIn(rc, [spec.node]);
        await this.recheckDrained(rc, spec.node);
        await this.step(rc, `${spec.node}:primaries`, () => this.drainPrimaries(rc, spec.node, 0));
        await this.step(rc, `${spec.node}:replicas`, () => this.drainReplicas(rc, spec.node, 0));
        return undefined;
      case 'stop-node':
        await this.step(rc, `${spec.node}:stop`, () => this.stopOne(rc, spec.node, !!spec.force));
        return undefined;
      case 'start-node':
        await this.step(rc, `${spec.node}:start`, async () => {
          await this.d.control.startNode(spec.node, rc.signal);
          await this.waitNodeAlive(rc, spec.node);
          return `${spec.node} ALIVE`;
        });
        return undefined;
      case 'wait-healthy':
        await this.step(rc, 'healthy', () => this.waitHealthy(rc, spec.timeoutMs ?? this.t.healthyMs, 'every partition healthy'));
        return undefined;
      case 'rebalance':
        await this.step(rc, 'rebalance', () => this.rebalanceBody(rc));
        return undefined;
      case 'restart-meta':
        await this.restartMetas(rc);
        return undefined;
      case 'restore-settings':
        return undefined; // the common epilogue restores
    }
  }

  /**
   * One node at a time: drain, stop, confirm gone, every partition healthy, then the next stop.
   * The only overlap: while the meta's failure detector takes its grace period to see a stopped
   * (already empty) node gone, the next node's replicas are already being moved. Moving replicas
   * kills nothing, the stopped node holds nothing and is black-listed, and the next stop still
   * waits until the previous node is confirmed gone and every partition is healthy, so the freeze
   * guard always counts exactly what the meta counts.
   */
  private async scaleInNodes(rc: RunCtx, nodes: readonly string[], plan: ScalePlan | undefined): Promise<void> {
    await this.prepareScaleIn(rc, nodes);
    let stopping: string | undefined;
    for (const node of nodes) {
      const planned = plan?.steps.find((s) => s.kind === 'drain' && s.node === node);
      await this.recheckDrained(rc, node);
      if (stopping && !rc.finished.has(`${stopping}:gone`)) {
        this.emit({ kind: 'info', message: `draining ${node} while ${stopping}'s failure detection runs (${stopping} holds 0 replicas; ${node} is stopped only once the meta sees ${stopping} gone and every partition is healthy)` });
      }
      await this.step(rc, `${node}:primaries`, () => this.drainPrimaries(rc, node, planned?.primariesMoved ?? 0));
      await this.step(rc, `${node}:replicas`, () => this.drainReplicas(rc, node, planned?.bytes ?? 0, planned?.seconds ?? 0));
      if (stopping) await this.finishRemoval(rc, stopping);
      await this.step(rc, `${node}:stop`, () => this.stopOne(rc, node, false, false, true));
      stopping = node;
    }
    if (stopping) await this.finishRemoval(rc, stopping);
  }

  /**
   * On resume the journal's "done" for a drain step is checked against the live placement: while
   * the run was interrupted something (the balancer, cure) may have put primaries or replicas back
   * on the node. Such a step runs again instead of being reported "already done".
   */
  private async recheckDrained(rc: RunCtx, node: string): Promise<void> {
    const pri = `${node}:primaries`;
    const rep = `${node}:replicas`;
    if (!rc.finished.has(pri) && !rc.finished.has(rep)) return;
    // A node already stopped holds nothing that a drain could move.
    if (rc.finished.has(`${node}:stop`)) return;
    const s = await this.readState(rc);
    const hosted = replicasOn(s, node);
    const primaries = hosted.filter((h) => h.role === 'primary').length;
    if (rc.finished.has(pri) && primaries > 0) {
      rc.finished.delete(pri);
      this.emit({ kind: 'warning', message: `${pri}: the journal says done, but ${node} holds ${primaries} primar${primaries === 1 ? 'y' : 'ies'} again (placed there while the run was interrupted); moving them again` });
    }
    if (rc.finished.has(rep) && hosted.length > 0) {
      rc.finished.delete(rep);
      this.emit({ kind: 'warning', message: `${rep}: the journal says done, but ${node} holds ${hosted.length} replica(s) again (placed there while the run was interrupted); moving them again` });
    }
  }

  private async finishRemoval(rc: RunCtx, node: string): Promise<void> {
    await this.step(rc, `${node}:gone`, async () => {
      await this.waitNodeGone(rc, node);
      return `${node} seen UNALIVE`;
    });
    await this.step(rc, `${node}:healthy`, () => this.waitHealthy(rc, this.t.healthyMs, `every partition healthy after removing ${node}`));
    if (this.d.control.cleanupNode) {
      await this.step(rc, `${node}:cleanup`, async () => {
        await this.d.control.cleanupNode!(node, rc.signal);
        return `cleanup ran for ${node}`;
      });
    }
  }

  private async prepareScaleIn(rc: RunCtx, nodes: readonly string[]): Promise<void> {
    await this.step(rc, 'level', async () => {
      await this.setSetting(rc, 'meta_level', 'steady', 'no balancer while nodes leave');
      return 'meta level steady';
    }, true);
    await this.step(rc, 'blacklist', async () => {
      const bl = [...new Set(nodes)].join(',');
      await this.setSetting(rc, 'meta.lb.assign_secondary_black_list', bl, 'cure must never place a replica on a leaving node');
      return `black list ${bl}`;
    }, true);
    await this.step(rc, 'delay', async () => {
      await this.setSetting(rc, 'meta.lb.assign_delay_ms', String(this.o.assignDelayMs), 'if a leaving node dies early its replicas are re-created at once');
      return `assign delay ${this.o.assignDelayMs} ms`;
    }, true);
  }

  private async startNodes(rc: RunCtx, nodes: readonly string[], count: number): Promise<string[]> {
    await this.step(rc, 'level', async () => {
      await this.setSetting(rc, 'meta_level', 'steady', 'no balancer until every new node is up');
      return 'meta level steady';
    }, true);
    const out = [...nodes];
    for (let i = 1; i <= count; i++) {
      const id = `add:${i}`;
      if (rc.finished.has(id)) {
        const addr = this.d.journal.stepDetail(rc.run, id);
        if (addr) out.push(addr);
        continue;
      }
      if (!this.d.control.addNode) throw new EngineError(`scale-out by count needs a node control that can add nodes (the simulator); name the nodes instead (${this.d.control.kind} control)`);
      const addr = await this.step(rc, id, async () => {
        const a = await this.d.control.addNode!(rc.signal);
        rc.added.push(a);
        return a;
      });
      out.push(addr);
    }
    for (const node of out) {
      await this.step(rc, `${node}:start`, async () => {
        const s = await this.readState(rc);
        if (s.nodes.some((n) => n.address === node && n.alive)) return `${node} already ALIVE`;
        await this.d.control.startNode(node, rc.signal);
        return `start issued for ${node}`;
      });
      await this.step(rc, `${node}:alive`, () => this.waitNodeAlive(rc, node));
    }
    return out;
  }

  // ---------------------------------------------------------------- steps

  /** Runs a journaled step once; `always` steps (setting a value, idempotent) run again on resume because a cancel restored them. */
  private async step(rc: RunCtx, id: string, fn: () => Promise<string>, always = false): Promise<string> {
    if (rc.finished.has(id) && !always) {
      this.emit({ kind: 'step', step: id, status: 'skipped', message: `${id}: already done (journal)` });
      return this.d.journal.stepDetail(rc.run, id) ?? '';
    }
    rc.signal.throwIfAborted();
    this.d.journal.append({ t: 'step', step: id, status: 'started' }, this.date());
    this.emit({ kind: 'step', step: id, status: 'started', message: `${id}: started` });
    try {
      const detail = await fn();
      this.d.journal.append({ t: 'step', step: id, status: 'done', detail }, this.date());
      rc.finished.add(id);
      this.emit({ kind: 'step', step: id, status: 'done', message: `${id}: ${detail}` });
      return detail;
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      this.d.journal.append({ t: 'step', step: id, status: 'failed', detail: msg }, this.date());
      this.emit({ kind: 'step', step: id, status: 'failed', message: `${id}: ${msg}` });
      throw e;
    }
  }

  /**
   * Retries a cluster call through transient failures (a leader fail-over in progress, a dropped
   * connection) for up to the leader timeout; cancellation is never retried.
   */
  private async retrying<T>(rc: RunCtx, what: string, fn: () => Promise<T>): Promise<T> {
    const start = this.clock.now();
    let warned = false;
    for (;;) {
      try {
        return await fn();
      } catch (e) {
        if (isAbortError(e) || rc.signal.aborted) throw e;
        const msg = e instanceof Error ? e.message : String(e);
        if (this.clock.now() - start > this.t.leaderMs) {
          throw new EngineError(`${what} kept failing for ${fmtDuration((this.clock.now() - start) / 1000)}: ${msg}. Check that the meta servers (${this.d.metaServers.join(', ') || 'see the profile'}) are up and reachable (the last leader was ${rc.leader || 'unknown'}), then resume`);
        }
        if (!warned) this.emit({ kind: 'warning', message: `${what} failed (${msg}); retrying (a meta fail-over may be in progress)` });
        warned = true;
        rc.leaderChanged = true;
        await this.clock.sleep(this.o.pollIntervalMs, rc.signal);
      }
    }
  }

  /** Reads the state and, after a leader change, re-applies what the journal says is in force. */
  private async readState(rc: RunCtx): Promise<ClusterState> {
    for (;;) {
      const s = await this.retrying(rc, 'reading the cluster state', () => this.d.cluster.readState(rc.signal));
      if (s.leader !== rc.leader) {
        rc.leader = s.leader;
        rc.leaderChanged = true;
      }
      if (!rc.leaderChanged) return s;
      await this.retrying(rc, 're-applying the journal settings', () => this.reapply(rc));
      // Read again: the state seen before the re-apply may predate it.
      if (!rc.leaderChanged) return await this.retrying(rc, 'reading the cluster state', () => this.d.cluster.readState(rc.signal));
    }
  }

  private async reapply(rc: RunCtx): Promise<void> {
    const open = this.d.journal.openSettings();
    const changed: string[] = [];
    for (const s of open) {
      const cur = await this.d.cluster.getSetting(s.name, rc.signal);
      if (!sameValue(s.name, cur, s.current)) {
        await this.d.cluster.setSetting(s.name, s.current, rc.signal);
        changed.push(`${s.name}=${s.current} (found ${cur})`);
      }
    }
    rc.leaderChanged = false;
    const msg = changed.length ? `meta leader ${rc.leader}: re-applied ${changed.join(', ')}` : `meta leader ${rc.leader}: the settings in force match the journal`;
    this.d.journal.append({ t: 'event', kind: 'leader', message: msg }, this.date());
    this.emit({ kind: 'leader', leader: rc.leader, message: msg });
    // Proposals are lost with the old leader's memory: the drain loops re-propose on their own.
    this.proposals.clear();
  }

  private async setSetting(rc: RunCtx, name: SettingName, value: string, why: string): Promise<void> {
    const cur = await this.retrying(rc, `reading ${name}`, () => this.d.cluster.getSetting(name, rc.signal));
    if (sameValue(name, cur, value)) return;
    // Journal first: a crash between the two lines must not lose the value before.
    this.d.journal.append({ t: 'setting', name, before: cur, after: value, why }, this.date());
    await this.retrying(rc, `setting ${name}`, () => this.d.cluster.setSetting(name, value, rc.signal));
    this.emit({ kind: 'setting', name, from: cur, to: value, message: `${name}: ${cur || "''"} -> ${value || "''"} (${why})` });
  }

  private readonly proposals = new Map<string, { at: number; ballot: number; type: string; to: string }>();
  /**
   * The node each copy of this run was first sent to, per `appId.pidx from`. Unlike `proposals` it
   * survives a leader change: a re-proposal after a fail-over asks the same node (which may still
   * be learning, or keep the data) instead of a second full copy elsewhere. Journaled, so a resume
   * keeps the choice too.
   */
  private readonly targets = new Map<string, string>();
  /** Ballot at which a partition was first seen with more members than its replica count. */
  private readonly overFull = new Map<string, number>();

  private loadTargets(run: string): void {
    this.targets.clear();
    for (const r of this.d.journal.all()) {
      if (r.t !== 'event' || r.kind !== 'target' || r.run !== run) continue;
      const m = /^(copy_sec|copy_pri) (\d+\.\d+) (\S+) -> (\S+)$/.exec(r.message);
      if (m) this.targets.set(`${m[2]} ${m[3]}`, m[4]!);
    }
  }

  /** The node chosen before for this copy when it can still take it, else the placement's choice. */
  private copyTarget(t: TableView, p: PartitionView, from: string, placement: Placement): string | null {
    const before = this.targets.get(`${t.appId}.${p.pidx} ${from}`);
    if (before !== undefined && placement.canReceive(p, before)) return before;
    return placement.chooseSecondaryTarget(t, p);
  }

  private rememberTarget(t: TableView, pidx: number, type: 'copy_sec' | 'copy_pri', from: string, to: string): void {
    const key = `${t.appId}.${pidx} ${from}`;
    if (this.targets.get(key) === to) return;
    this.targets.set(key, to);
    this.d.journal.append({ t: 'event', kind: 'target', message: `${type} ${t.appId}.${pidx} ${from} -> ${to}` }, this.date());
  }
  /** Per drained node: what it hosted, the byte counter and the time when its drain began (one window for bytes and rate). */
  private readonly drainStart = new Map<string, { sizes: Map<string, number>; bytesAt0: number | undefined; at: number }>();

  /** Why measured bytes can pass the planned total, said wherever they do. */
  private overPlanWhy(): string {
    return this.o.replicaSizeBytes === undefined
      ? `the plan assumed ${fmtBytes(DEFAULT_REPLICA_SIZE_BYTES)} per replica (sizes unknown: pass the engine option replicaSizeBytes, --replica-size), and the byte counter includes any other copy running meanwhile`
      : 'the replicas are larger than the replicaSizeBytes given, or the byte counter includes other copies running meanwhile';
  }

  private replicaSize(table: string): number {
    const rs = this.o.replicaSizeBytes;
    if (rs === undefined) return DEFAULT_REPLICA_SIZE_BYTES;
    if (typeof rs === 'number') return rs;
    return rs[table] ?? rs['default'] ?? DEFAULT_REPLICA_SIZE_BYTES;
  }

  private async propose(rc: RunCtx, t: TableView, pidx: number, ballot: number, type: 'move_pri' | 'copy_sec' | 'copy_pri' | 'remove', from: string, to: string): Promise<boolean> {
    const key = `${t.appId}.${pidx}`;
    const prev = this.proposals.get(key);
    const now = this.clock.now();
    // Re-send only when the partition did not change for a while (the meta may have dropped it).
    if (prev && prev.type === type && (prev.ballot !== ballot || now - prev.at < this.o.reproposeAfterMs)) {
      if (prev.ballot !== ballot) this.proposals.set(key, { ...prev, ballot, at: now });
      return false;
    }
    let r: 'accepted' | 'pending';
    try {
      r = await this.d.cluster.propose({ appId: t.appId, pidx, type, from, to }, rc.signal);
    } catch (e) {
      if (isAbortError(e) || rc.signal.aborted) throw e;
      // Not recorded: the next poll proposes again (a fail-over in progress, a dropped connection).
      this.emit({ kind: 'warning', message: `proposing ${type} of ${key} ${from} -> ${to} failed: ${e instanceof Error ? e.message : String(e)}; will retry` });
      return false;
    }
    this.proposals.set(key, { at: now, ballot, type, to });
    return r === 'accepted';
  }

  /** Step 1 of a drain: every primary on `node` moves to a secondary (no copy). */
  private async drainPrimaries(rc: RunCtx, node: string, planned: number): Promise<string> {
    const start = this.clock.now();
    let initial = -1;
    let lastChange = start;
    let lastFp = '';
    let stuckReported = false;
    this.proposals.clear();
    for (;;) {
      const s = await this.readState(rc);
      const all = replicasOn(s, node);
      if (!this.drainStart.has(node)) this.drainStart.set(node, { sizes: new Map(all.map((h) => [`${h.appId}.${h.pidx}`, this.replicaSize(h.table)])), bytesAt0: await this.d.cluster.bytesCopied?.(rc.signal), at: this.clock.now() });
      const hosted = all.filter((r) => r.role === 'primary');
      if (initial < 0) initial = hosted.length;
      if (hosted.length === 0) return `${initial} primaries moved away from ${node} (planned ${planned})`;
      const placement = new Placement(s, rc.excluded);
      // Replicas that already are secondaries start moving now (other partitions: no conflict), saving a tick.
      for (const h of all) {
        if (h.role !== 'secondary') continue;
        const t = s.tables.find((x) => x.appId === h.appId)!;
        await this.moveSecondary(rc, t, t.partitions.find((x) => x.pidx === h.pidx)!, node, placement);
      }
      for (const h of hosted) {
        const t = s.tables.find((x) => x.appId === h.appId)!;
        const p = t.partitions.find((x) => x.pidx === h.pidx)!;
        const to = placement.choosePrimaryTarget(t, p, node);
        if (to) {
          if (await this.propose(rc, t, p.pidx, p.ballot, 'move_pri', node, to)) {
            rc.primariesMoved++;
            placement.applyMovePrimary(t, node, to);
          }
        } else {
          const dest = this.copyTarget(t, p, node, placement);
          if (dest && (await this.propose(rc, t, p.pidx, p.ballot, 'copy_pri', node, dest))) {
            this.rememberTarget(t, p.pidx, 'copy_pri', node, dest);
            rc.copiesProposed++;
            placement.applyCopyPrimary(t, node, dest);
          }
        }
      }
      const fp = ballotFingerprint(s);
      if (fp !== lastFp) {
        lastFp = fp;
        lastChange = this.clock.now();
        stuckReported = false;
      }
      this.progress(rc, { phase: 'move primaries', node, primariesLeft: hosted.length, unhealthy: unhealthyPartitions(s).length, bytesCopied: 0, bytesPlanned: 0, rate: 0, elapsedSeconds: (this.clock.now() - start) / 1000 }, `${node}: ${hosted.length} primaries left`);
      stuckReported = await this.checkStuck(rc, s, start, lastChange, this.t.primariesMs, `${node} to hold no primary`, node, stuckReported);
      await this.clock.sleep(this.o.pollIntervalMs, rc.signal);
    }
  }

  /** One replica of `node` (a secondary) goes to a staying node: learned from the primary first, then removed here. */
  private async moveSecondary(rc: RunCtx, t: TableView, p: PartitionView, node: string, placement: Placement): Promise<void> {
    if (!p.primary) return; // copy_sec learns from the primary; wait for the election
    const key = `${t.appId}.${p.pidx}`;
    if (1 + p.secondaries.length > t.maxReplicaCount) {
      // The new copy is in place and this one is the extra (a proposal lost in a fail-over): remove it, no copy.
      // The meta's own cure removes a redundant secondary as soon as the copy lands; proposing at
      // the same time would remove two. So only when the same over-full configuration is still
      // there a poll later (the cure did not act).
      if (this.overFull.get(key) !== p.ballot) {
        this.overFull.set(key, p.ballot);
        return;
      }
      await this.propose(rc, t, p.pidx, p.ballot, 'remove', node, p.primary);
      return;
    }
    this.overFull.delete(key);
    const to = this.copyTarget(t, p, node, placement);
    if (!to) return; // diagnosed as "nowhere to go" when it stalls
    if (await this.propose(rc, t, p.pidx, p.ballot, 'copy_sec', node, to)) {
      this.rememberTarget(t, p.pidx, 'copy_sec', node, to);
      rc.copiesProposed++;
      placement.applyCopySecondary(t, node, to);
    }
  }

  /** Step 2 of a drain: every replica on `node` is copied to a staying node, then removed from it. */
  private async drainReplicas(rc: RunCtx, node: string, plannedBytes: number, plannedSeconds = 0): Promise<string> {
    // Without an explicit timeout: generous against the plan (4x its estimate, at least 30 min).
    const timeoutMs = this.d.options?.timeouts?.secondariesMs ?? (plannedSeconds > 0 ? Math.max(30 * 60_000, 4 * plannedSeconds * 1000) : this.t.secondariesMs);
    const start = this.clock.now();
    let lastChange = start;
    let lastFp = '';
    let stuckReported = false;
    // What the node hosted when its drain began: a replica gone from it was copied first (copy_sec adds before it removes).
    const started = this.drainStart.get(node);
    const bytesAt0 = started ? started.bytesAt0 : await this.d.cluster.bytesCopied?.(rc.signal);
    // Bytes and rate over the same window: copies start during the primaries step already.
    const windowStart = started?.at ?? start;
    let initialSet: Map<string, number> | undefined = started?.sizes;
    for (;;) {
      const s = await this.readState(rc);
      const hosted = replicasOn(s, node);
      if (!initialSet) initialSet = new Map(hosted.map((h) => [`${h.appId}.${h.pidx}`, this.replicaSize(h.table)]));
      const initial = initialSet.size;
      const still = new Set(hosted.map((h) => `${h.appId}.${h.pidx}`));
      let estimated = 0;
      for (const [g, b] of initialSet) if (!still.has(g)) estimated += b;
      const measured = bytesAt0 !== undefined ? await this.d.cluster.bytesCopied!(rc.signal) : undefined;
      const doneBytes = measured !== undefined && bytesAt0 !== undefined ? Math.max(0, measured - bytesAt0) : estimated;
      // One planned total for the whole drain: the plan's figure (replica size x replicas), else the sizes assumed here.
      const planned = plannedBytes || [...initialSet.values()].reduce((a, b) => a + b, 0);
      if (hosted.length === 0) {
        rc.bytesCopied += doneBytes;
        const how = measured === undefined ? ', estimated from replica sizes' : doneBytes > planned * 1.1 ? `, measured cluster-wide: more than the ${fmtBytes(planned)} planned — ${this.overPlanWhy()}` : '';
        return `${initial} replicas copied off ${node} (${fmtBytes(doneBytes)}${how})`;
      }
      const placement = new Placement(s, rc.excluded);
      for (const h of hosted) {
        const t = s.tables.find((x) => x.appId === h.appId)!;
        const p = t.partitions.find((x) => x.pidx === h.pidx)!;
        if (h.role === 'primary') {
          // Became primary again (a re-election after a failover): hand the role back first.
          const to = placement.choosePrimaryTarget(t, p, node);
          if (to && (await this.propose(rc, t, p.pidx, p.ballot, 'move_pri', node, to))) rc.primariesMoved++;
          continue;
        }
        await this.moveSecondary(rc, t, p, node, placement);
      }
      const fp = ballotFingerprint(s);
      if (fp !== lastFp) {
        lastFp = fp;
        lastChange = this.clock.now();
        stuckReported = false;
      }
      const el = (this.clock.now() - windowStart) / 1000;
      const rate = el > 0 ? doneBytes / el : 0;
      const over = doneBytes > planned;
      // ETA from bytes while under the plan; past it (sizes larger than assumed) from the replicas still to go.
      const movedCount = initial - hosted.length;
      const eta = !over && rate > 0 ? (planned - doneBytes) / rate : movedCount > 0 && el > 0 ? (hosted.length * el) / movedCount : undefined;
      const shownEta = eta;
      const bytesText = over ? `${fmtBytes(doneBytes)} copied (more than the ${fmtBytes(planned)} planned: ${this.overPlanWhy()})` : `${fmtBytes(doneBytes)} of ${fmtBytes(planned)} copied`;
      this.progress(
        rc,
        { phase: 'copy replicas', node, replicasLeft: hosted.length, unhealthy: unhealthyPartitions(s).length, bytesCopied: doneBytes, bytesPlanned: planned, rate, ...(shownEta !== undefined ? { etaSeconds: shownEta } : {}), elapsedSeconds: el },
        `${node}: ${hosted.length}/${initial} replicas left, ${bytesText}${rate > 0 ? `, ${fmtBytes(rate)}/s` : ''}${shownEta === undefined ? ', ETA unknown yet' : shownEta < 1 ? ', finishing the last copies' : `, ETA ${fmtDuration(shownEta)}`}`,
      );
      stuckReported = await this.checkStuck(rc, s, start, lastChange, timeoutMs, `${node} to hold no replica`, node, stuckReported);
      await this.clock.sleep(this.o.pollIntervalMs, rc.signal);
    }
  }

  private async checkStuck(rc: RunCtx, s: ClusterState, start: number, lastChange: number, timeoutMs: number, waitingFor: string, node: string | undefined, reported: boolean): Promise<boolean> {
    const now = this.clock.now();
    const stalled = now - lastChange;
    const timedOut = now - start > timeoutMs;
    if (!timedOut && (reported || stalled < this.o.stuckAfterMs)) return reported;
    const pct = await this.readPct(rc.signal).catch(() => NaN);
    const stored = await this.d.cluster.getSetting('meta_level', rc.signal).catch(() => undefined);
    const ml = await this.minLive(s.leader, rc.signal);
    const dg = diagnose(s, { waitingFor, excluded: rc.excluded, ...(node ? { node } : {}), pct, minLive: ml.value, ...(stored ? { storedLevel: stored } : {}), stalledSeconds: stalled / 1000 });
    if (timedOut) throw new EngineError(`timed out after ${fmtDuration(timeoutMs / 1000)} waiting for ${waitingFor}`, dg);
    this.emit({ kind: 'stuck', diagnosis: dg, message: `no progress for ${fmtDuration(stalled / 1000)} waiting for ${waitingFor}\n${formatDiagnosis(dg)}` });
    this.d.journal.append({ t: 'event', kind: 'stuck', message: `${waitingFor}: ${dg.cause}` }, this.date());
    return true;
  }

  /**
   * Freeze guard, then stop the (drained) process and wait for the meta to see it gone. With
   * `redrain` (scale-in), a node found hosting replicas again (a resume after a fail-over or a
   * crash, when something placed a replica on it) is drained again first instead of failing: a
   * process is never stopped while it holds a replica.
   */
  private async stopOne(rc: RunCtx, node: string, force: boolean, waitGone = true, redrain = false): Promise<string> {
    let s = await this.readState(rc);
    const listed = s.nodes.find((n) => n.address === node);
    if (!listed) throw new EngineError(`${node} is not a node of this cluster (the meta lists ${s.nodes.length}: ${s.nodes.slice(0, 5).map((n) => n.address).join(', ')}${s.nodes.length > 5 ? ', …' : ''}); use an address as the meta lists it`);
    if (!listed.alive) return `${node} already UNALIVE`;
    let hosted = replicasOn(s, node);
    if (hosted.length > 0 && redrain && !force) {
      this.emit({ kind: 'warning', message: `${node} hosts ${hosted.length} replica(s) again before its stop (something placed them after its drain); draining it again first` });
      await this.drainPrimaries(rc, node, 0);
      await this.drainReplicas(rc, node, 0);
      s = await this.readState(rc);
      hosted = replicasOn(s, node);
    }
    if (hosted.length > 0 && !force) {
      const pri = hosted.filter((h) => h.role === 'primary').length;
      throw new EngineError(`${node} still hosts ${hosted.length} replica(s) (${pri} primaries): stopping it now would make those partitions lose a replica${pri ? ' and a primary for the failure-detection grace period' : ''}. Drain it first (drain-node), or pass force`);
    }
    const notes: string[] = [];
    await this.guardFreeze(rc, s, node, notes);
    // Counted as going down from here on, even if the command fails: it may have killed the process anyway.
    rc.stopIssued.add(node);
    try {
      await this.d.control.stopNode(node, rc.signal);
    } catch (e) {
      if (isAbortError(e) || rc.signal.aborted) throw e;
      throw new EngineError(
        `stopping ${node} through ${this.d.control.kind} node control failed: ${e instanceof Error ? e.message : String(e)}. ` +
          `It held no replica, so no data is at risk; check whether the process still runs, fix the node control (profile nodeControl.stop) or stop it by hand, then resume`,
      );
    }
    if (!waitGone) return `stop issued for ${node}${notes.length ? `; ${notes.join('; ')}` : ''}`;
    await this.waitNodeGone(rc, node);
    return `${node} stopped and seen UNALIVE${notes.length ? `; ${notes.join('; ')}` : ''}`;
  }

  private async guardFreeze(rc: RunCtx, s: ClusterState, node: string, notes: string[]): Promise<void> {
    const { alive, dead } = aliveDead(s);
    const pct = await this.retrying(rc, 'reading meta.live_percentage', () => this.readPct(rc.signal));
    const ml = await this.minLive(s.leader, rc.signal);
    const km = this.o.keepMargin;
    const d = decideRemoval({ alive, dead, pct, minLive: ml.value }, km);
    if (d.kind === 'refuse') throw new RefusedError([{ reason: `stopping ${node}: ${d.reason} (${ml.note})`, fix: d.fix }]);
    if (d.kind === 'lower') {
      const why = km > 0 && !d.short ? `stopping ${node} at ${pct} would leave fewer than ${km} spare node failure(s) before a freeze (alive ${alive - 1}, dead ${dead + 1}); ${d.pct} is the largest value that keeps ${km} (keepMargin)` : `stopping ${node} would freeze the meta at ${pct} (alive ${alive - 1}, dead ${dead + 1}); ${d.pct} is the largest value that avoids it`;
      await this.setSetting(rc, 'meta.live_percentage', String(d.pct), why);
      notes.push(`meta.live_percentage lowered ${pct} -> ${d.pct} first`);
    }
    if (d.short) this.emit({ kind: 'warning', message: `stopping ${node}: ${d.short}` });
    if (d.after.margin === 0) {
      const w = zeroMarginWarning(`stopping ${node}`);
      this.emit({ kind: 'warning', message: w });
      notes.push('freeze margin 0 after it');
    }
  }

  private async waitNodeGone(rc: RunCtx, node: string): Promise<void> {
    const start = this.clock.now();
    let told = false;
    for (;;) {
      const s = await this.readState(rc);
      const n = s.nodes.find((x) => x.address === node);
      if (!n || !n.alive) {
        rc.stopIssued.delete(node);
        return;
      }
      const el = this.clock.now() - start;
      if (el > this.t.nodeGoneMs) {
        throw new EngineError(
          `the meta still lists ${node} ALIVE ${fmtDuration(el / 1000)} after the stop (timeouts.nodeGoneMs): the process is probably still running or was restarted by a supervisor. ` +
            (this.d.control.kind === 'manual' ? `Stop it by hand, then resume` : `Check what the ${this.d.control.kind} node control's stop did on ${node}, stop it by hand if needed, then resume`),
        );
      }
      if (!told && el > (this.o.fdGraceSeconds + 4) * 1000) {
        this.emit({ kind: 'info', message: `${node} still ALIVE after ${fmtDuration(el / 1000)}; the meta declares a node dead after the fd grace period (${this.o.fdGraceSeconds} s)` });
        told = true;
      }
      this.progress(rc, { phase: 'stop', node, unhealthy: unhealthyPartitions(s).length, bytesCopied: 0, bytesPlanned: 0, rate: 0, elapsedSeconds: el / 1000 }, `${node}: waiting for the meta to see it gone`);
      await this.clock.sleep(this.o.pollIntervalMs, rc.signal);
    }
  }

  private async waitNodeAlive(rc: RunCtx, node: string): Promise<string> {
    const start = this.clock.now();
    for (;;) {
      const s = await this.readState(rc);
      if (s.nodes.some((x) => x.address === node && x.alive)) return `${node} ALIVE`;
      const el = this.clock.now() - start;
      if (el > this.t.nodeAliveMs) throw new EngineError(`${node} did not appear ALIVE within ${fmtDuration(el / 1000)}: check the process started, that it can reach the metas, and (with enable_white_list) that it is in replica_white_list`);
      this.progress(rc, { phase: 'start', node, unhealthy: unhealthyPartitions(s).length, bytesCopied: 0, bytesPlanned: 0, rate: 0, elapsedSeconds: el / 1000 }, `${node}: waiting for the meta to list it ALIVE`);
      await this.clock.sleep(this.o.pollIntervalMs, rc.signal);
    }
  }

  private async waitHealthy(rc: RunCtx, timeoutMs: number, waitingFor: string): Promise<string> {
    const start = this.clock.now();
    let lastChange = start;
    let lastFp = '';
    let reported = false;
    let initial = -1;
    for (;;) {
      const s = await this.readState(rc);
      const u = unhealthyPartitions(s);
      if (initial < 0) initial = u.length;
      if (u.length === 0) return initial > 0 ? `every partition healthy (${initial} were not when the wait began)` : 'every partition healthy';
      const fp = ballotFingerprint(s);
      if (fp !== lastFp) {
        lastFp = fp;
        lastChange = this.clock.now();
        reported = false;
      }
      this.progress(rc, { phase: 'wait healthy', unhealthy: u.length, bytesCopied: 0, bytesPlanned: 0, rate: 0, elapsedSeconds: (this.clock.now() - start) / 1000 }, `${u.length} unhealthy partition(s)`);
      reported = await this.checkStuck(rc, s, start, lastChange, timeoutMs, waitingFor, undefined, reported);
      await this.clock.sleep(this.o.pollIntervalMs, rc.signal);
    }
  }

  /**
   * Evens out primaries per table with `move_pri` only (a role switch: nothing is copied): while a
   * table has a node with at least two primaries more than another, the primary of a partition on
   * the fullest node goes to its secondary with the fewest primaries (of the table, then overall).
   * Never touches an unhealthy partition; gives up quietly (the summary advises a rebalance) when
   * the members allow no better spread.
   */
  private async balancePrimaries(rc: RunCtx): Promise<string> {
    const start = this.clock.now();
    let moved = 0;
    let lastFp = '';
    let lastChange = start;
    for (;;) {
      const s = await this.readState(rc);
      const alive = new Set(s.nodes.filter((n) => n.alive && !rc.excluded.has(n.address)).map((n) => n.address));
      const total = new Map<string, number>([...alive].map((a) => [a, 0]));
      for (const t of s.tables) for (const p of t.partitions) if (p.primary && total.has(p.primary)) total.set(p.primary, total.get(p.primary)! + 1);
      let proposed = 0;
      let possible = 0;
      for (const t of s.tables) {
        const cnt = new Map<string, number>([...alive].map((a) => [a, 0]));
        for (const p of t.partitions) if (p.primary && cnt.has(p.primary)) cnt.set(p.primary, cnt.get(p.primary)! + 1);
        const done = new Set<number>();
        for (;;) {
          const nodes = [...cnt.keys()].sort((a, b) => cnt.get(b)! - cnt.get(a)! || total.get(b)! - total.get(a)! || (a < b ? -1 : 1));
          let best: { p: PartitionView; from: string; to: string } | undefined;
          for (const from of nodes) {
            for (const p of t.partitions) {
              if (p.primary !== from || done.has(p.pidx) || 1 + p.secondaries.length < t.maxReplicaCount) continue;
              for (const to of p.secondaries) {
                if (!cnt.has(to) || cnt.get(from)! - cnt.get(to)! < 2) continue;
                if (!best || cnt.get(to)! < cnt.get(best.to)! || (cnt.get(to) === cnt.get(best.to) && total.get(to)! < total.get(best.to)!)) best = { p, from, to };
              }
            }
            if (best) break;
          }
          if (!best) break;
          possible++;
          done.add(best.p.pidx);
          cnt.set(best.from, cnt.get(best.from)! - 1);
          cnt.set(best.to, cnt.get(best.to)! + 1);
          total.set(best.from, total.get(best.from)! - 1);
          total.set(best.to, total.get(best.to)! + 1);
          if (await this.propose(rc, t, best.p.pidx, best.p.ballot, 'move_pri', best.from, best.to)) {
            proposed++;
            moved++;
            rc.primariesMoved++;
          }
        }
      }
      if (possible === 0) return moved ? `${moved} primaries moved (role switches, no copy) to even out primaries per table` : 'primaries already even per table (as far as the partition members allow)';
      const fp = ballotFingerprint(s);
      if (fp !== lastFp) {
        lastFp = fp;
        lastChange = this.clock.now();
      }
      // A balance the meta does not carry out (refused proposals) is not worth failing the run for.
      if (this.clock.now() - lastChange > this.o.stuckAfterMs || this.clock.now() - start > this.t.primariesMs) return `${moved} primaries moved; ${possible} more move(s) did not happen (the meta did not carry them out): run rebalance`;
      this.progress(rc, { phase: 'balance primaries', unhealthy: unhealthyPartitions(s).length, bytesCopied: 0, bytesPlanned: 0, rate: 0, elapsedSeconds: (this.clock.now() - start) / 1000 }, `evening out primaries: ${proposed} role switch(es) proposed`);
      await this.clock.sleep(this.o.pollIntervalMs, rc.signal);
    }
  }

  /** Lively with only_move_primary (new nodes take secondaries before any primary), until the configuration itself is balanced. */
  private async rebalanceBody(rc: RunCtx): Promise<string> {
    await this.setSetting(rc, 'meta.lb.only_move_primary', 'true', 'new nodes receive secondaries first; primaries only move (PR #528)');
    await this.setSetting(rc, 'meta_level', 'lively', 'let the balancer run');
    const start = this.clock.now();
    let balancedSince: number | undefined;
    let lastFp = '';
    let lastChange = start;
    let result = '';
    for (;;) {
      const s = await this.readState(rc);
      const u = unhealthyPartitions(s);
      const over = s.tables.some((t) => t.partitions.some((p) => (p.primary ? 1 : 0) + p.secondaries.length > t.maxReplicaCount));
      const rep = balanceReport(s);
      const fp = ballotFingerprint(s);
      if (fp !== lastFp) {
        lastFp = fp;
        lastChange = this.clock.now();
      }
      const now = this.clock.now();
      if (rep.balanced && u.length === 0 && !over) {
        balancedSince ??= now;
        if (now - balancedSince >= this.o.balancedSettleMs) {
          result = `balanced: every table within ±1 (primaries ${rep.tables.map((t) => `${t.table} ${t.primarySpread.join('..')}`).join(', ')})`;
          break;
        }
      } else balancedSince = undefined;
      if (u.length === 0 && !over && now - lastChange >= this.o.balancerIdleMs) {
        result = `balancer idle for ${fmtDuration((now - lastChange) / 1000)}; not within ±1 for: ${rep.tables.filter((t) => !t.balanced).map((t) => `${t.table} primaries ${t.primarySpread.join('..')} replicas ${t.replicaSpread.join('..')}`).join(', ') || 'none'}`;
        break;
      }
      if (now - start > this.t.balancedMs) {
        throw new EngineError(`not balanced after ${fmtDuration(this.t.balancedMs / 1000)} (timeouts.balancedMs): ${rep.tables.filter((t) => !t.balanced).map((t) => `${t.table} primaries ${t.primarySpread.join('..')} replicas ${t.replicaSpread.join('..')}`).join(', ')}; ${u.length} partition(s) unhealthy. Check meta.lb.* settings and the meta log for refused proposals, then run rebalance again`);
      }
      const notBal = rep.tables.filter((t) => !t.balanced).length;
      this.progress(rc, { phase: 'rebalance', unhealthy: u.length, bytesCopied: 0, bytesPlanned: 0, rate: 0, elapsedSeconds: (now - start) / 1000 }, `rebalancing: ${notBal} table(s) not within ±1, ${u.length} partition(s) moving`);
      await this.clock.sleep(this.o.pollIntervalMs, rc.signal);
    }
    await this.setSetting(rc, 'meta_level', 'steady', 'balanced: stop the balancer');
    return result;
  }

  private async restartMetas(rc: RunCtx): Promise<void> {
    let metas: string[];
    if (this.d.control.restartsMetaGroup) metas = ['all'];
    else {
      // Followers first, the leader last: one fail-over, at the end.
      const leader = (await this.retrying(rc, 'reading the cluster state', () => this.d.cluster.readState(rc.signal))).leader;
      metas = [...this.d.metaServers].sort((a, b) => (a === leader ? 1 : 0) - (b === leader ? 1 : 0));
    }
    for (const [i, m] of metas.entries()) {
      await this.step(rc, `restart:${m}`, async () => {
        const before = await this.d.cluster.readState(rc.signal).catch(() => undefined);
        await this.d.control.restartMeta(m, rc.signal);
        if (this.d.control.restartMetaIsManual) return this.waitManualMetaRestart(rc, before);
        if (this.d.control.restartMetaWaits) {
          // The control answered once this meta was back and a leader served: no gap to wait out.
          const s = await this.retrying(rc, `reading the meta leader after restarting ${m}`, () => this.d.cluster.readState(rc.signal));
          rc.leader = s.leader;
          return `leader ${s.leader} after restarting ${m}${before ? ` (was ${before.leader})` : ''}; it lists ${s.nodes.filter((n) => !n.alive).length} dead node(s)`;
        }
        const start = this.clock.now();
        // Wait for a leader that answers (the restarted one or another), and give the restarted
        // meta time to come back before the next one goes down.
        for (;;) {
          await this.clock.sleep(this.o.pollIntervalMs, rc.signal);
          const s = await this.d.cluster.readState(rc.signal).catch(() => undefined);
          const waited = this.clock.now() - start;
          if (s && (i === metas.length - 1 || waited >= this.o.metaRestartGapMs)) {
            rc.leader = s.leader;
            return `leader ${s.leader} after restarting ${m}${before ? ` (was ${before.leader})` : ''}; it lists ${s.nodes.filter((n) => !n.alive).length} dead node(s)`;
          }
          if (waited > this.t.leaderMs) throw new EngineError(`no meta leader answered within ${fmtDuration(this.t.leaderMs / 1000)} after restarting ${m}: check that ${m === 'all' ? 'the meta servers' : m} came back up (its log, its ZooKeeper session), start it by hand if needed, then resume`);
        }
      });
    }
    // Runtime settings live only in the leader's memory: after the restart they are the config values.
    for (const s of this.d.journal.openSettings()) {
      const v = await this.d.cluster.getSetting(s.name, rc.signal);
      this.d.journal.append({ t: 'restored', name: s.name, value: v, how: 'meta-restart' }, this.date());
      this.emit({ kind: 'setting', name: s.name, from: s.current, to: v, message: `${s.name} is ${v} after the meta restart (was ${s.current}; before the run ${s.original})` });
    }
  }

  /**
   * A person restarts the metas: the followers cannot be observed, but the leader's restart can —
   * a different leader answers, or the dead set (the removed nodes) is forgotten.
   */
  private async waitManualMetaRestart(rc: RunCtx, before: ClusterState | undefined): Promise<string> {
    const start = this.clock.now();
    const limit = Math.max(this.t.leaderMs, 30 * 60_000);
    const deadBefore = before ? before.nodes.filter((n) => !n.alive).length : 0;
    for (;;) {
      await this.clock.sleep(this.o.pollIntervalMs, rc.signal);
      const s = await this.d.cluster.readState(rc.signal).catch(() => undefined);
      if (s && before && (s.leader !== before.leader || (deadBefore > 0 && s.nodes.filter((n) => !n.alive).length === 0))) {
        rc.leader = s.leader;
        return `meta restart observed: leader ${s.leader} (was ${before.leader}), ${s.nodes.filter((n) => !n.alive).length} dead node(s) listed`;
      }
      if (this.clock.now() - start > limit) throw new EngineError(`no meta restart observed within ${fmtDuration(limit / 1000)}: the leader is still ${before?.leader ?? 'unknown'} and still lists ${deadBefore} dead node(s). Restart the metas (leader last), then run restart-meta again`);
    }
  }

  /**
   * `restore`, retried through transient failures (a meta fail-over or restart in progress) for up
   * to the leader timeout of the engine's clock; each attempt is idempotent (restored settings are
   * journaled and not open any more).
   */
  private async restoreRetrying(run: string | undefined, pendingStops: ReadonlySet<string>, keepSteady?: KeepSteady): Promise<SettingLeft[]> {
    const start = this.clock.now();
    let warned = false;
    for (;;) {
      try {
        return await this.restore(AbortSignal.timeout(60_000), run, pendingStops, keepSteady);
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        // The meta answered and refused: waiting will not change that.
        if (e instanceof SettingError) throw e;
        if (this.clock.now() - start >= this.t.leaderMs) throw new EngineError(`the meta did not answer for ${fmtDuration((this.clock.now() - start) / 1000)} while restoring settings: ${msg}`);
        if (!warned) this.emit({ kind: 'warning', message: `restoring settings failed (${msg}); retrying until a meta leader answers` });
        warned = true;
        await this.clock.sleep(this.o.pollIntervalMs);
      }
    }
  }

  /** Gives back every open setting from the journal; the threshold only when that cannot freeze the meta. */
  private async restore(signal: AbortSignal, run?: string, pendingStops: ReadonlySet<string> = new Set(), keepSteady?: KeepSteady): Promise<SettingLeft[]> {
    const open = this.d.journal.openSettings(run).sort((a, b) => SETTING_ORDER.indexOf(a.name) - SETTING_ORDER.indexOf(b.name));
    const left: SettingLeft[] = [];
    for (const s of open) {
      const cur = await this.d.cluster.getSetting(s.name, signal);
      const orig = s.original.trim() as MetaLevel;
      if (s.name === 'meta_level' && keepSteady && orig in META_LEVEL_VALUE && META_LEVEL_VALUE[orig] > META_LEVEL_VALUE.steady) {
        const reason =
          `meta_level stays ${cur} (was ${orig}): the ${keepSteady.op} ${keepSteady.outcome === 'cancelled' ? 'was cancelled' : 'failed'} while ${keepSteady.nodes.join(', ')} ${keepSteady.nodes.length > 1 ? 'are' : 'is'} still up and not fully removed, ` +
          `and ${orig} would let the balancer move replicas back onto ${keepSteady.nodes.length > 1 ? 'them' : 'it'}, so a resume would copy the same data again. ` +
          `Resume the run (it gives ${orig} back when it finishes), or run restore-settings to set ${orig} now (undoing the drain)`;
        this.d.journal.append({ t: 'kept', name: s.name, value: cur, reason }, this.date());
        this.emit({ kind: 'warning', message: reason });
        left.push({ name: s.name, value: cur, original: s.original, reason });
        continue;
      }
      if (s.name === 'meta.live_percentage') {
        const st = await this.d.cluster.readState(signal);
        const ad = aliveDead(st);
        // A node whose stop was issued but is still listed ALIVE will be counted dead within the fd grace period.
        const dying = st.nodes.filter((n) => n.alive && pendingStops.has(n.address)).map((n) => n.address);
        const alive = ad.alive - dying.length;
        const dead = ad.dead + dying.length;
        const dec = decideRestorePct(Number(s.original), alive, dead, (await this.minLive(st.leader, signal)).value);
        if (dec.kind === 'keep' && dying.length > 0) {
          const reason = `${dec.reason} This counts ${dying.join(', ')} as dead: its stop was issued and the meta will declare it dead within the failure-detection grace period.`;
          this.d.journal.append({ t: 'kept', name: s.name, value: cur, reason }, this.date());
          this.emit({ kind: 'warning', message: reason });
          left.push({ name: s.name, value: cur, original: s.original, reason });
          continue;
        }
        if (dec.kind === 'keep') {
          this.d.journal.append({ t: 'kept', name: s.name, value: cur, reason: dec.reason }, this.date());
          this.emit({ kind: 'warning', message: dec.reason });
          left.push({ name: s.name, value: cur, original: s.original, reason: dec.reason });
          continue;
        }
      }
      if (sameValue(s.name, cur, s.original)) {
        this.d.journal.append({ t: 'restored', name: s.name, value: cur, how: 'unchanged' }, this.date());
        continue;
      }
      await this.d.cluster.setSetting(s.name, s.original, signal);
      this.d.journal.append({ t: 'restored', name: s.name, value: s.original, how: 'set' }, this.date());
      this.emit({ kind: 'setting', name: s.name, from: cur, to: s.original, message: `${s.name} restored to ${s.original || "''"} (journal)` });
    }
    return left;
  }

  /** Leaving nodes still listed ALIVE whose stop was not issued (a balancer could put replicas back on them). */
  private async stillUp(nodes: readonly string[], rc: RunCtx): Promise<string[]> {
    const pending = nodes.filter((n) => !rc.stopIssued.has(n) && !rc.finished.has(`${n}:stop`));
    try {
      const st = await this.d.cluster.readState(AbortSignal.timeout(30_000));
      return pending.filter((n) => st.nodes.some((x) => x.address === n && x.alive));
    } catch {
      return pending;
    }
  }

  /** Settings that look left over from a scale operation whose journal is gone, each with the command that fixes it. */
  private async looksChanged(): Promise<string[]> {
    const signal = AbortSignal.timeout(30_000);
    const out: string[] = [];
    const bl = (await this.d.cluster.getSetting('meta.lb.assign_secondary_black_list', signal)).trim();
    if (bl) out.push(`meta.lb.assign_secondary_black_list = ${bl} (cure never places replicas there); fix: remote_command -t meta-server meta.lb.assign_secondary_black_list clear`);
    const delay = Number(await this.d.cluster.getSetting('meta.lb.assign_delay_ms', signal));
    if (Number.isFinite(delay) && delay < this.o.lowDelayThresholdMs) out.push(`meta.lb.assign_delay_ms = ${delay} ms (lowered: a restarting node loses its replicas at once); fix: remote_command -t meta-server meta.lb.assign_delay_ms DEFAULT`);
    const omp = (await this.d.cluster.getSetting('meta.lb.only_move_primary', signal)).trim();
    if (omp === 'true') out.push(`meta.lb.only_move_primary = true (the balancer only moves primaries); fix, if it was false before: remote_command -t meta-server meta.lb.only_move_primary false`);
    const level = (await this.d.cluster.getSetting('meta_level', signal)).trim() as MetaLevel;
    if (level === 'steady') out.push(`meta_level = steady (no balancer); if it was lively before the run: set_meta_level lively`);
    else if (level in META_LEVEL_VALUE && META_LEVEL_VALUE[level] < META_LEVEL_VALUE.steady) out.push(`meta_level = ${level} (no reconfiguration runs); once you know why: set_meta_level steady`);
    return out;
  }

  private leftOpen(): SettingLeft[] {
    return this.d.journal.openSettings().map((s: OpenSetting) => ({ name: s.name, value: s.current, original: s.original, reason: s.keptReason ?? 'not restored yet: run restore-settings' }));
  }

  private lastProgressAt = -Infinity;
  private progress(_rc: RunCtx, p: Progress, message: string): void {
    // Throttled: at most one progress event per poll interval is useful to anyone.
    const now = this.clock.now();
    if (now - this.lastProgressAt < this.o.pollIntervalMs * 0.9) return;
    this.lastProgressAt = now;
    this.emit({ kind: 'progress', progress: p, message });
  }

  private emit(e: EngineEvent): void {
    try {
      this.d.onEvent?.(e);
    } catch {
      // A listener's failure must never stop an operation half-way.
    }
  }

  /** Journal times are wall-clock times (when it ran), also under a simulated clock. */
  private date(): Date {
    return new Date();
  }
}

/** Why a scale-in's restore keeps the level at steady: the drain of these nodes did not finish. */
interface KeepSteady {
  readonly op: string;
  readonly nodes: readonly string[];
  readonly outcome: Outcome;
}

function sameValue(name: SettingName, a: string, b: string): boolean {
  if (name === 'meta.lb.assign_secondary_black_list') {
    const norm = (x: string): string => x.split(',').map((y) => y.trim()).filter(Boolean).sort().join(',');
    return norm(a) === norm(b);
  }
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

export function planFor(state: ClusterState, spec: Extract<OperationSpec, { op: 'scale-in' | 'scale-out' | 'migrate' }>, o: PlanOptions): ScalePlan {
  if (spec.op === 'scale-in') return planScaleIn(state, spec.nodes, o);
  // Nodes added by count get their address when they start (the simulator picks it): a label, not a fake host:port.
  const added = Array.from({ length: spec.count ?? 0 }, (_, i) => `(new node ${i + 1}, address given when it starts)`);
  if (spec.op === 'scale-out') return planScaleOut(state, [...(spec.nodes ?? []), ...added], o);
  return planMigration(state, spec.from, [...(spec.to ?? []), ...added], o);
}

/** The cluster in a few words: what an operator needs to know after success, failure or cancel. */
export function describeState(s: ClusterState, leaving: ReadonlySet<string> = new Set()): string {
  const { alive, dead } = aliveDead(s);
  const u = unhealthyPartitions(s);
  const loads = nodeLoads(s);
  const parts = [`meta leader ${s.leader}, level ${s.effectiveLevel}; ${alive} node(s) alive, ${dead} dead`];
  parts.push(u.length === 0 ? 'every partition healthy' : `${u.length} partition(s) not fully healthy (${u.slice(0, 3).map((x) => `${x.gpid} ${x.health}`).join(', ')}${u.length > 3 ? ', …' : ''})`);
  for (const n of leaving) {
    const l = loads.get(n);
    if (!l) parts.push(`${n}: not listed`);
    else parts.push(`${n}: ${l.alive ? 'ALIVE' : 'UNALIVE'}, ${l.replicas} replica(s), ${l.primaries} primaries`);
  }
  return parts.join('; ');
}

function describeSettingsLeft(left: readonly SettingLeft[]): string {
  if (left.length === 0) return '; every setting the run changed is restored';
  return `; settings left changed: ${left.map((l) => `${l.name}=${l.value} (was ${l.original}: ${l.reason})`).join('; ')}`;
}

function defaultWho(): string {
  const user = process.env['USER'] ?? process.env['USERNAME'] ?? 'unknown';
  return `${user}@${hostname()}`;
}

