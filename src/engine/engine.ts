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
 * The alternative of the documented procedure (pegasus.apache.org, administration/scale-in-out:
 * stop, then let cure re-create the secondaries) copies the same bytes but leaves every partition
 * of the node under-replicated for the copy time and makes its primaries unavailable for the
 * failure-detection grace period.
 *
 * Around it the black list holds all leaving nodes (so cure never puts a replica on a node that
 * leaves later), `assign_delay_ms` is lowered (if a node dies anyway its replicas are re-created at
 * once), the level is `steady` (no balancer). Every setting is journaled with its value before the
 * change and restored from the journal on success, failure or cancel.
 */
import { currentUser } from '../cluster/operator';
import { createOpContext, type EngineContext } from './opContext';
import { newRunId, type JournalInput } from './journal';
import { JournalFileError } from './journalFiles';
import { JournalLockedError, type HeldLock } from './journalLock';
import { balanceReport, nodeLoads, type NodeLoad } from './model';
import { rehearse, type Rehearsal } from './rehearse';
import { describePlan, DEFAULT_REPLICA_SIZE_BYTES, type ScalePlan } from './plan';
import { aliveMembers, removedNodes, unknownNodes } from './addresses';
import { isAbortError, type ClusterState, type HeldLease } from './ports';
import { copyRateOf, planOptionsOf, readPlanData } from './replicaData';
import { planFor, preflight, preflightReport, freezeCheck, type PreflightReport } from './preflight';
import { body } from './ops/dispatch';
import { reapply, restoreRetrying, looksChanged, leftOpen, DRAIN_HELD, type RestoreExtra } from './settings';
import { loadTargets } from './ops/drain';
import { applyThrottles, restoreThrottles } from './throttle';
import { fillLevels } from './capacity';
import { followInFlight } from './inFlight';
import { previewChange, type ChangePreview } from './preview';
import { stillUp } from './ops/nodeSteps';
import { summarizeState } from './describe';
import type { Note } from './notes';
import {
  type MinLive,
  type Refusal,
  type SettingLeft,
  type Outcome,
  type OperationResult,
  type ResultNote,
  EngineError,
  RefusedError,
  type EngineDeps,
  type RunOptions,
  type OperationSpec,
  type RunCtx,
} from './types';

export {
  type MinLive,
  type EngineOptions,
  type EngineEvent,
  type Progress,
  type Refusal,
  type SettingLeft,
  type Outcome,
  type OperationResult,
  type StateSummary,
  type ResultNote,
  type LooksChanged,
  type Note,
  type SettingWhy,
  EngineError,
  RefusedError,
  type EngineDeps,
  type RunOptions,
  type OperationSpec,
} from './types';
export { planFor, type PreflightReport, type FreezeCheckData } from './preflight';
export { summarizeState } from './describe';
export type { ChangePreview, SettingChange } from './preview';
export type { Rehearsal } from './rehearse';
export type { RehearsalTwin } from './twin';

type ScaleSpec = Extract<OperationSpec, { op: 'scale-in' | 'scale-out' | 'migrate' }>;

/** How a run ended its body: the outcome and, when not done, why. */
interface BodyEnd {
  readonly outcome: Exclude<Outcome, 'refused'>;
  readonly error?: string;
  readonly diagnosis?: EngineError['diagnosis'];
  readonly refusals?: readonly Refusal[];
  readonly added?: readonly string[];
  /** Cancelled: the proposals the meta was still carrying out, followed to the end. */
  readonly inFlight?: Note;
}

/**
 * The public API (plan, preflight, freezeCheck, rehearse, run, resume) and the run orchestration:
 * journal lock, begin/end records, restore on every outcome. The operation bodies live in `ops/*`,
 * `settings.ts` and `waits.ts`, working on the narrow `OpContext` (context.ts) this engine builds.
 */
export class ScaleEngine {
  private readonly cx: EngineContext;

  constructor(readonly d: EngineDeps) {
    this.cx = createOpContext(d);
  }

  // ---------------------------------------------------------------- read-only: plan, pre-flight, freeze-check

  /**
   * `min_live_node_count_for_unfreeze` of this leader: it is a per-process config value, so it is
   * read (once per leader and run) from the leader's HTTP `/config`; the option is the fallback.
   */
  minLive(leader: string, signal?: AbortSignal): Promise<MinLive> {
    return this.cx.minLive(leader, signal);
  }

  readPct(signal?: AbortSignal): Promise<number> {
    return this.cx.readPct(signal);
  }

  /** The plan of a scale operation from the cluster as it is now. */
  async plan(spec: ScaleSpec, signal?: AbortSignal): Promise<ScalePlan> {
    const state = await this.d.cluster.readState(signal);
    const pct = await this.readPct(signal);
    const ml = await this.minLive(state.leader, signal);
    const data = await readPlanData(this.cx, state, signal);
    const rate = await copyRateOf(this.cx, state, signal);
    const planned = planFor(state, spec, planOptionsOf(this.cx, pct, ml.value, data, rate));
    const plan = planned.disks ? { ...planned, fillLevels: fillLevels(this.cx.options) } : planned;
    // An address the meta does not list would be planned as "nothing to move": a green plan for nothing.
    const removed = removedNodes(this.d.journal.all());
    const unknown = unknownNodes(state, spec.op === 'scale-in' ? spec.nodes : spec.op === 'migrate' ? spec.from : [], removed);
    // A plan that "joins" a member would be a green plan for nothing (the run ignores plan problems on resume).
    const members = spec.op === 'scale-out' ? aliveMembers(state, spec.nodes ?? []) : [];
    return { ...plan, notes: [...plan.notes, ml.note], problems: [...unknown, ...members, ...plan.problems] };
  }

  /**
   * Runs the operation first on a simulated twin built from the live topology (see rehearse.ts)
   * and returns the predicted outcome; the live cluster is only read. Needs `deps.twin`.
   */
  async rehearse(spec: ScaleSpec, o: { version?: '2.5' | '2.6'; signal?: AbortSignal } = {}): Promise<Rehearsal> {
    if (!this.d.twin)
      throw new EngineError('no rehearsal twin is wired into this engine (EngineDeps.twin): rehearsals are not available here');
    const state = await this.d.cluster.readState(o.signal);
    const pct = await this.readPct(o.signal);
    const ml = await this.minLive(state.leader, o.signal);
    const rs = this.cx.options.replicaSizeBytes;
    // The twin's replicas are all one size: the given one, else the mean the replica servers report.
    const reported = rs === undefined ? await readPlanData(this.cx, state, o.signal) : undefined;
    const meanReported = reported?.replicas.length
      ? reported.replicas.reduce((a, r) => a + r.bytes, 0) / reported.replicas.length
      : undefined;
    const sizeMb =
      typeof rs === 'number'
        ? rs / (1024 * 1024)
        : rs
          ? (rs['default'] ?? DEFAULT_REPLICA_SIZE_BYTES) / (1024 * 1024)
          : meanReported !== undefined
            ? meanReported / (1024 * 1024)
            : undefined;
    const copyRate = this.cx.options.copyRateMBps;
    return rehearse(
      state,
      spec,
      {
        twin: this.d.twin,
        pct,
        minLive: ml.value,
        ...(o.version ? { version: o.version } : {}),
        ...(sizeMb !== undefined ? { replicaSizeMb: sizeMb } : {}),
        ...(copyRate !== undefined ? { copyRateMb: copyRate } : {}),
        ...(o.signal ? { signal: o.signal } : {}),
      },
      (deps, twinSpec, signal) => new ScaleEngine(deps).run(twinSpec, signal ? { signal } : {}),
    );
  }

  /** Reasons to refuse, each a code with its values; empty when the operation may start. */
  async preflight(spec: OperationSpec, signal?: AbortSignal, resumingRun?: string): Promise<Refusal[]> {
    return preflight(this.cx, spec, signal, resumingRun);
  }
  /** Pre-flight with what it assumed (the min-live source) and its warnings; each warning goes out as an event too. */
  async preflightReport(spec: OperationSpec, signal?: AbortSignal, resumingRun?: string): Promise<PreflightReport> {
    return preflightReport(this.cx, spec, signal, resumingRun);
  }
  /** What a run of `spec` (or its resume) would change and warn about, read before it is confirmed; changes nothing. */
  async previewChange(spec: OperationSpec, o: { resume?: boolean; signal?: AbortSignal } = {}): Promise<ChangePreview> {
    return previewChange(this.cx, spec, { ...o, plan: (signal) => this.plan(spec as ScaleSpec, signal) });
  }
  /** The freeze arithmetic for removing these nodes (or this many) one after another. */
  async freezeCheck(remove: readonly string[] | number, signal?: AbortSignal): Promise<OperationResult> {
    return freezeCheck(this.cx, remove, signal);
  }

  // ---------------------------------------------------------------- running operations

  /**
   * Runs an operation (or resumes the journal's unfinished one with `resume`). The journal is locked
   * for the whole run: a second engine on the same journal is refused, naming who holds it.
   */
  async run(spec: OperationSpec, ro: RunOptions = {}): Promise<OperationResult> {
    return this.withLock(spec.op, (tookOver) => this.runLocked(spec, ro, tookOver), leaving(spec));
  }

  /** Resumes the journal's unfinished run, whatever it was. */
  async resume(signal?: AbortSignal): Promise<OperationResult | undefined> {
    const seen = this.d.journal.resumableRun();
    if (!seen) return undefined;
    return this.withLock(seen.op, (tookOver) => {
      // Looked at again under the lock: another engine may have finished it since the journal was opened.
      const u = this.d.journal.resumableRun();
      if (!u || u.run !== seen.run)
        return Promise.resolve(
          this.refused(seen.op, [{ code: 'resume-superseded', op: seen.op, run: seen.run, ...(u ? { by: u.run } : {}) }]),
        );
      return this.runLocked(u.params as OperationSpec, { resume: true, ...(signal ? { signal } : {}) }, tookOver);
    });
  }

  private async withLock(
    op: string,
    fn: (tookOver: Note | undefined) => Promise<OperationResult>,
    nodes: readonly string[] = [],
  ): Promise<OperationResult> {
    let held: HeldLock | undefined;
    try {
      held = this.d.journal.lock({ who: this.d.who ?? currentUser(), op });
    } catch (e) {
      if (e instanceof JournalLockedError) return this.refused(op, [{ code: 'journal-locked', message: e.message, fix: e.fix }]);
      if (e instanceof JournalFileError) return this.refused(op, [unwritable(e)]);
      throw e;
    }
    const leased = await this.takeLease(op, nodes);
    if ('refused' in leased) {
      held?.release();
      return leased.refused;
    }
    this.lease = leased.lease;
    let tookOver: Note | undefined;
    if (held?.tookOver) {
      const h = held.tookOver;
      tookOver =
        'unreadable' in h
          ? { code: 'lock-taken-over-unreadable', path: held.path, was: h.unreadable }
          : { code: 'lock-taken-over', who: h.who, pid: h.pid, host: h.host, op: h.op, started: h.started };
      this.cx.emit({ kind: 'warning', note: tookOver });
    }
    try {
      return await fn(tookOver);
    } finally {
      this.lease = undefined;
      // A release that fails leaves an ephemeral node that ZooKeeper drops with the session.
      await leased.lease?.release().catch(() => undefined);
      held?.release();
    }
  }

  /** The run's lease in progress (set for the length of a locked run). */
  private lease: HeldLease | undefined;

  /**
   * The cluster's operation lease, where one is wired: held by another run (or unreachable), the run
   * is refused before anything is read or changed. Waiting needs none: it changes nothing.
   */
  private async takeLease(op: string, nodes: readonly string[]): Promise<{ lease?: HeldLease } | { refused: OperationResult }> {
    if (!this.d.lease || op === 'wait-healthy') return {};
    const me = { who: this.d.who ?? currentUser(), op, started: this.cx.date().toISOString(), cluster: this.d.clusterName, nodes };
    try {
      const r = await this.d.lease.acquire(me);
      if ('held' in r) return { lease: r.held };
      return { refused: this.refused(op, [{ code: 'another-operation', marks: [], nodes: r.heldBy.nodes ?? [], holder: r.heldBy }]) };
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      return { refused: this.refused(op, [{ code: 'lease-unavailable', error, hosts: this.d.lease.where ?? '' }]) };
    }
  }

  /** The run, in order: pick the run id, check, journal the begin, run the body, give settings back, report. */
  private async runLocked(spec: OperationSpec, ro: RunOptions, tookOver: Note | undefined): Promise<OperationResult> {
    const signal = ro.signal ?? new AbortController().signal;
    const opened = this.openRun(spec, ro);
    if ('outcome' in opened) return opened;
    const { run, resuming } = opened;
    this.d.journal.run = run;
    this.cx.startRun();
    const checked = await this.checkBeforeRun(spec, run, resuming, signal);
    if ('outcome' in checked) return checked;
    const { plan, state0 } = checked;
    try {
      this.journalBegin(spec, run, resuming, plan, state0, tookOver);
    } catch (e) {
      // Nothing was changed yet: a journal that cannot record the run refuses it.
      if (e instanceof JournalFileError) return this.refused(spec.op, [unwritable(e)], run, plan);
      throw e;
    }
    const rc = this.runState(run, signal, resuming, state0.leader);
    const end = await this.runBody(spec, rc, plan, resuming);
    const given = await this.giveBack(spec, rc, end.outcome);
    return this.report(spec, rc, plan, end, given);
  }

  /** A new run id, or the journal's run when resuming it; refused while another run is unfinished. */
  private openRun(spec: OperationSpec, ro: RunOptions): { run: string; resuming: boolean } | OperationResult {
    const crashed = this.d.journal.unfinishedRun();
    const resumable = this.d.journal.resumableRun();
    const sameAs = (b: { op: string; params: unknown } | undefined): boolean =>
      !!b && b.op === spec.op && JSON.stringify(b.params) === JSON.stringify(spec);
    if (ro.resume && resumable && sameAs(resumable)) return { run: resumable.run, resuming: true };
    if (crashed && !bringsBack(spec))
      return this.refused(spec.op, [
        { code: 'unfinished-run', op: crashed.op, run: crashed.run, at: crashed.at, who: crashed.who, same: sameAs(crashed) },
      ]);
    if (ro.resume) this.cx.emit({ kind: 'info', note: { code: 'nothing-to-resume' } });
    const run = newRunId();
    if (crashed && spec.op === 'restore-settings')
      this.d.journal.append(
        { t: 'end', outcome: 'cancelled', message: `abandoned: restore-settings ran in run ${run}` },
        this.cx.date(),
        crashed.run,
      );
    return { run, resuming: false };
  }

  /** Pre-flight and plan (nothing changed yet: a failure here is reported, not thrown). */
  private async checkBeforeRun(
    spec: OperationSpec,
    run: string,
    resuming: boolean,
    signal: AbortSignal,
  ): Promise<{ plan: ScalePlan | undefined; state0: ClusterState } | OperationResult> {
    let plan: ScalePlan | undefined;
    try {
      if (!bringsBack(spec)) {
        const refusals = await preflight(this.cx, spec, signal, resuming ? run : undefined);
        if (refusals.length > 0) {
          if (resuming) this.d.journal.append({ t: 'event', kind: 'refused', message: refusals.map((r) => r.code).join(', ') });
          return this.refused(spec.op, refusals, run);
        }
      }
      if (spec.op === 'scale-in' || spec.op === 'scale-out' || spec.op === 'migrate') {
        plan = await this.plan(spec, signal);
        if (plan.problems.length > 0 && !resuming) return this.refused(spec.op, plan.problems, run, plan);
      }
      return { plan, state0: await this.d.cluster.readState(signal) };
    } catch (e) {
      const cancelled = isAbortError(e) || signal.aborted;
      return {
        ...this.refused(spec.op, [], run, plan),
        outcome: cancelled ? 'cancelled' : 'failed',
        error: e instanceof Error ? e.message : String(e),
        beforeAnyChange: true,
      };
    }
  }

  private journalBegin(
    spec: OperationSpec,
    run: string,
    resuming: boolean,
    plan: ScalePlan | undefined,
    state0: ClusterState,
    tookOver: Note | undefined,
  ): void {
    const j = this.d.journal;
    if (!resuming) {
      j.append(
        {
          t: 'begin',
          op: spec.op,
          params: spec,
          who: this.d.who ?? currentUser(),
          cluster: this.d.clusterName,
          leader: state0.leader,
          before: [...nodeLoads(state0).values()],
        },
        this.cx.date(),
      );
      if (plan) j.append({ t: 'event', kind: 'plan', message: describePlan(plan) }, this.cx.date());
    } else {
      j.append({ t: 'event', kind: 'resume', message: `resuming ${spec.op}; finished steps are skipped` }, this.cx.date());
      this.cx.emit({ kind: 'info', note: { code: 'resuming', op: spec.op, run } });
    }
    if (tookOver) j.append({ t: 'event', kind: 'lock', message: JSON.stringify(tookOver) }, this.cx.date());
  }

  /** The run's state, with what a resumed run already did read back from the journal. */
  private runState(run: string, signal: AbortSignal, resuming: boolean, leader: string): RunCtx {
    const rc: RunCtx = {
      run,
      signal,
      finished: this.d.journal.finishedSteps(run),
      leaderChanged: resuming, // on resume, re-apply what the journal says should be in force
      leader,
      primariesMoved: 0,
      copiesProposed: 0,
      bytesCopied: 0,
      bytesEstimated: 0,
      startedAt: this.cx.clock.now(),
      excluded: new Set(),
      added: [],
      stopIssued: new Set(),
      foreign: new Map(),
      ...(this.lease ? { lease: this.lease } : {}),
    };
    for (const s of this.d.journal.all()) {
      if (s.t !== 'step' || s.run !== run) continue;
      // What earlier sessions of this run moved: the totals are the whole operation's.
      if (s.totals) {
        rc.primariesMoved += s.totals.primariesMoved;
        rc.copiesProposed += s.totals.copiesProposed;
        rc.bytesCopied += s.totals.bytesCopied;
        rc.bytesEstimated += s.totals.bytesEstimated;
      }
      if (s.step.startsWith('add:') && s.status === 'done' && s.detail) rc.added.push(s.detail);
      // A stop the crashed run issued (or attempted) and never saw through: that node may still go down.
      if (s.step.endsWith(':stop') && s.status !== 'skipped') rc.stopIssued.add(s.step.slice(0, -':stop'.length));
      if (s.step.endsWith(':gone') && s.status === 'done') rc.stopIssued.delete(s.step.slice(0, -':gone'.length));
    }
    loadTargets(this.cx, run);
    return rc;
  }

  /** The operation itself, with the leader watched; its failure or cancel becomes the outcome. */
  private async runBody(spec: OperationSpec, rc: RunCtx, plan: ScalePlan | undefined, resuming: boolean): Promise<BodyEnd> {
    // A restart of the same leader loses its runtime settings just like a fail-over does.
    const offChange = this.d.cluster.onLeaderChange((leader, change) => {
      if (leader !== rc.leader || change?.restarted) {
        rc.leaderChanged = true;
        rc.leader = leader;
      }
    });
    // Without it a fail-over while the engine sleeps is only seen at its next call, and a restart of the same leader not at all.
    const stopWatch =
      this.d.cluster.watchLeader?.({ intervalMs: this.cx.options.leaderWatchMs, signal: rc.signal }) ?? ((): void => undefined);
    try {
      if (resuming) await reapply(this.cx, rc);
      await this.throttleRun(spec, rc);
      const data = await body(this.cx, spec, rc, plan);
      const added = (data as { added?: string[] } | undefined)?.added;
      return { outcome: 'done', ...(added?.length ? { added } : {}) };
    } catch (e) {
      if (isAbortError(e) || rc.signal.aborted) {
        // Before the settings go back: the black list keeps cure off the leaving nodes while the copies finish.
        const followed = await followInFlight(this.cx);
        if (!followed) return { outcome: 'cancelled' };
        this.countLanded(rc, followed.bytesLanded);
        return { outcome: 'cancelled', inFlight: followed.note };
      }
      if (e instanceof RefusedError) return { outcome: 'failed', refusals: e.refusals };
      // The run stopped before its next change: say what to do, not only what failed.
      if (e instanceof JournalFileError) return { outcome: 'failed', error: `${e.message}; ${e.fix}` };
      return {
        outcome: 'failed',
        error: e instanceof Error ? e.message : String(e),
        ...(e instanceof EngineError && e.diagnosis ? { diagnosis: e.diagnosis } : {}),
      };
    } finally {
      stopWatch();
      offChange();
    }
  }

  /** `--copy-rate-mb`: the throttle on every alive node before the first copy; nodes seen alive later get it as the run polls. */
  private async throttleRun(spec: OperationSpec, rc: RunCtx): Promise<void> {
    const mb = this.cx.options.copyThrottleMb;
    if (mb === undefined || !copies(spec)) return;
    const s = await this.cx.readState(rc);
    const alive = s.nodes.filter((n) => n.alive).map((n) => n.address);
    rc.throttled = new Set(alive);
    await applyThrottles(this.cx, rc, alive, mb);
  }

  /** Copies that landed after the cancel are the run's too: counted and journaled (a resume adds them up). */
  private countLanded(rc: RunCtx, bytes: number): void {
    if (bytes <= 0) return;
    rc.bytesCopied += bytes;
    rc.bytesEstimated += bytes;
    const totals = { primariesMoved: 0, copiesProposed: 0, bytesCopied: bytes, bytesEstimated: bytes };
    try {
      this.d.journal.append(
        { t: 'step', step: 'in-flight-at-cancel', status: 'done', detail: 'copies landed after the cancel', totals },
        this.cx.date(),
      );
    } catch (e) {
      if (!(e instanceof JournalFileError)) throw e;
    }
  }

  /**
   * Restore from the journal on every outcome, with a fresh signal: a cancel must still restore.
   * A meta that is away (fail-over, restart) is waited for up to the leader timeout.
   */
  private async giveBack(
    spec: OperationSpec,
    rc: RunCtx,
    outcome: BodyEnd['outcome'],
  ): Promise<{ settingsLeft: SettingLeft[]; restoreError?: string; throttleNotes: Note[] }> {
    // The replica servers' throttles first: they do not depend on the meta, and a meta away must not keep them.
    const throttleNotes = await restoreThrottles(
      this.cx,
      spec.op === 'restore-settings' ? undefined : rc.run,
      AbortSignal.timeout(60_000),
    ).catch((e: unknown): Note[] => [{ code: 'restore-failed', error: e instanceof Error ? e.message : String(e) }]);
    try {
      // Each run gives back what it changed; restore-settings gives back everything open (also an abandoned run's).
      // A drain that did not finish keeps the level at steady: lively would let the balancer move
      // replicas back onto the nodes being drained, and a resume would copy them a second time.
      const leavingNodes = leaving(spec);
      // Only nodes still up and not being stopped can be refilled; unreadable state: assume they can.
      const refillable = outcome !== 'done' && leavingNodes.length > 0 ? await stillUp(this.cx, leavingNodes, rc) : [];
      const keepSteady = refillable.length > 0 ? { op: spec.op, nodes: refillable, outcome } : undefined;
      // A finished drain-node keeps its node black-listed (and the level steady) until that node's
      // stop-node (seen gone) or start-node, or restore-settings: else cure refills the empty node first.
      const base: RestoreExtra =
        outcome === 'done' && spec.op === 'drain-node'
          ? { hold: { node: spec.node, names: DRAIN_HELD } }
          : outcome === 'done' && (spec.op === 'stop-node' || spec.op === 'start-node')
            ? { giveBackHeldFor: spec.node }
            : {};
      const extra: RestoreExtra = rc.foreign.size > 0 ? { ...base, foreign: rc.foreign } : base;
      const settingsLeft =
        spec.op === 'restart-meta'
          ? leftOpen(this.cx)
          : await restoreRetrying(this.cx, spec.op === 'restore-settings' ? undefined : rc.run, rc.stopIssued, keepSteady, extra);
      if (spec.op !== 'restore-settings' && spec.op !== 'restart-meta') {
        const mine = new Set(settingsLeft.map((x) => x.name));
        for (const o of leftOpen(this.cx)) if (!mine.has(o.name)) settingsLeft.push(o);
      }
      return { settingsLeft, throttleNotes };
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      return {
        settingsLeft: leftOpen(this.cx).map((s) => ({ ...s, reason: { code: 'restore-failed', error } })),
        restoreError: error,
        throttleNotes,
      };
    }
  }

  /** The final state, what is worth saying about it, the journal's end record and the result. */
  private async report(
    spec: OperationSpec,
    rc: RunCtx,
    plan: ScalePlan | undefined,
    end: BodyEnd,
    given: { settingsLeft: SettingLeft[]; restoreError?: string; throttleNotes: Note[] },
  ): Promise<OperationResult> {
    const outcome = end.outcome === 'done' && given.restoreError !== undefined ? 'failed' : end.outcome;
    const notes: ResultNote[] = [...given.throttleNotes];
    if (end.inFlight) notes.push(end.inFlight);
    if (given.restoreError !== undefined) notes.push({ code: 'restore-failed', error: given.restoreError });
    let finalState: ClusterState | undefined;
    try {
      finalState = await this.d.cluster.readState(AbortSignal.timeout(30_000));
    } catch {
      // Said by the missing `cluster`.
    }
    if (finalState && outcome === 'done' && (spec.op === 'scale-in' || spec.op === 'drain-node')) {
      const uneven = balanceReport(finalState).tables.filter((t) => !t.balanced);
      if (uneven.length)
        notes.push({
          code: 'uneven',
          op: spec.op,
          tables: uneven.map((t) => ({ table: t.table, primaries: t.primarySpread, even: t.bounds, replicas: t.replicaSpread })),
        });
    }
    if (spec.op === 'restore-settings' && given.settingsLeft.length === 0 && !this.restoredAny(rc.run))
      notes.push(await this.nothingToRestore(rc.run));
    this.appendEnd(
      {
        t: 'end',
        outcome,
        message: `${spec.op} ${outcome}${end.error ? `: ${end.error}` : ''}${notes.length ? ` (${notes.map((n) => n.code).join(', ')})` : ''}`,
      },
      this.cx.date(),
    );
    return {
      op: spec.op,
      run: rc.run,
      outcome,
      ...(end.error !== undefined ? { error: end.error } : {}),
      ...(end.diagnosis ? { diagnosis: end.diagnosis } : {}),
      ...(end.added ? { added: end.added } : {}),
      notes,
      ...(finalState ? { cluster: summarizeState(finalState, rc.excluded) } : {}),
      refusals: end.refusals ?? [],
      settingsLeft: given.settingsLeft,
      ...(plan ? { plan } : {}),
      ...this.beforeOf(rc.run),
      stats: {
        primariesMoved: rc.primariesMoved,
        copiesProposed: rc.copiesProposed,
        bytesCopied: rc.bytesCopied,
        bytesEstimated: rc.bytesEstimated,
        elapsedMs: this.cx.clock.now() - rc.startedAt,
      },
    };
  }

  /** The end record; a journal that cannot take it leaves the run unfinished there, which the next run is refused on (safe). */
  private appendEnd(rec: Extract<JournalInput, { t: 'end' }>, at: Date): void {
    try {
      this.d.journal.append(rec, at);
    } catch (e) {
      if (!(e instanceof JournalFileError)) throw e;
    }
  }

  /** The loads journaled when the run first began (a resumed run's "before" is its first start's). */
  private beforeOf(run: string): { before?: readonly NodeLoad[] } {
    const b = this.d.journal.all().find((r) => r.t === 'begin' && r.run === run);
    return b?.t === 'begin' && b.before ? { before: b.before } : {};
  }

  /** Did this restore-settings run give anything back? */
  private restoredAny(run: string): boolean {
    return this.d.journal.all().some((r) => r.run === run && r.t === 'restored');
  }

  /**
   * restore-settings that found nothing open: with earlier runs in the journal, they gave everything
   * back (`nothing-to-restore`); without any, nothing is known, so say what looks changed.
   */
  private async nothingToRestore(run: string): Promise<ResultNote> {
    if (this.d.journal.all().some((r) => r.t === 'begin' && r.run !== run)) return { code: 'nothing-to-restore' };
    const looks = await looksChanged(this.cx).catch((e: unknown) => [
      { code: 'unreadable' as const, error: e instanceof Error ? e.message : String(e) },
    ]);
    return { code: 'no-journal', journal: this.d.journal.path ?? 'in-memory journal', looksChanged: looks };
  }

  private refused(op: string, refusals: readonly Refusal[], run = '', plan?: ScalePlan): OperationResult {
    return {
      op,
      run,
      outcome: 'refused',
      notes: [],
      refusals,
      settingsLeft: leftOpen(this.cx),
      ...(plan ? { plan } : {}),
      stats: { primariesMoved: 0, copiesProposed: 0, bytesCopied: 0, bytesEstimated: 0, elapsedMs: 0 },
    };
  }
}

/** Operations that bring the cluster back (they run even while another run is unfinished, and need no pre-flight). */
function bringsBack(spec: OperationSpec): boolean {
  return spec.op === 'restore-settings' || spec.op === 'restart-meta' || spec.op === 'wait-healthy';
}

/** Operations that copy replicas: the ones a copy throttle is for. */
function copies(spec: OperationSpec): boolean {
  return spec.op === 'scale-in' || spec.op === 'scale-out' || spec.op === 'migrate' || spec.op === 'drain-node' || spec.op === 'rebalance';
}

function leaving(spec: OperationSpec): readonly string[] {
  return spec.op === 'scale-in' ? spec.nodes : spec.op === 'migrate' ? spec.from : spec.op === 'drain-node' ? [spec.node] : [];
}

function unwritable(e: JournalFileError): Refusal {
  return { code: 'journal-unwritable', reason: e.reason, path: e.path, message: e.message, fix: e.fix };
}
