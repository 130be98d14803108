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
import { fmtDuration } from '../cluster/units';
import { formatDiagnosis } from './diagnose';
import { newRunId } from './journal';
import { JournalLockedError, type HeldLock } from './journalLock';
import { balanceReport } from './model';
import { rehearse, type Rehearsal } from './rehearse';
import { describePlan, DEFAULT_REPLICA_SIZE_BYTES, type PlanOptions, type ScalePlan } from './plan';
import { readLeaderMinLive } from './metaPort';
import { unknownNodes } from './addresses';
import { isAbortError, realClock, type Clock, type ClusterState, type MinLiveReading } from './ports';
import { planFor, preflight, preflightReport, freezeCheck } from './preflight';
import { body } from './ops/dispatch';
import { reapply, restoreRetrying, looksChanged, leftOpen, DRAIN_HELD, type RestoreExtra } from './settings';
import { loadTargets } from './ops/drain';
import { stillUp } from './ops/nodeSteps';
import { describeState, describeSettingsLeft } from './describe';
import {
  type MinLive,
  type EngineOptions,
  type EngineEvent,
  type Refusal,
  type SettingLeft,
  type Outcome,
  type OperationResult,
  EngineError,
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
  EngineError,
  RefusedError,
  type EngineDeps,
  type RunOptions,
  type OperationSpec,
} from './types';
export { planFor } from './preflight';
export { describeState } from './describe';

/**
 * The public API (plan, preflight, freezeCheck, rehearse, run, resume) and the run orchestration:
 * journal lock, begin/end records, restore on every outcome. The operation bodies live in `ops/*`,
 * `settings.ts` and `waits.ts` as functions taking this engine; the members they use (`d`, `o`, `t`,
 * `clock`, `step`, `retrying`, `readState`, `emit`, `date` and the run bookkeeping maps) are not
 * private for that reason only: they are internal to `src/engine`, not part of the API.
 */
export class ScaleEngine {
  readonly clock: Clock;
  readonly o: Required<Omit<EngineOptions, 'replicaSizeBytes' | 'copyRateMBps' | 'timeouts'>> &
    Pick<EngineOptions, 'replicaSizeBytes' | 'copyRateMBps'>;
  readonly t: Required<NonNullable<EngineOptions['timeouts']>>;

  constructor(readonly d: EngineDeps) {
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
      const differs =
        opt !== undefined && opt !== r.value
          ? `; the engine option minLive=${opt} is ignored: the meta's own value decides when it freezes`
          : '';
      return { value: r.value, read: true, note: `min_live=${r.value} (${r.source})${differs}` };
    }
    // Cached for this run and leader like a good read: the next run (or a new leader) asks again.
    const note = `assumed min_live=${this.o.minLive}: the meta's /config could not be read: ${r.reason}. If the meta's min_live_node_count_for_unfreeze differs, pass it as the engine option minLive`;
    return { value: this.o.minLive, read: false, note };
  }

  async readPct(signal?: AbortSignal): Promise<number> {
    const raw = await this.d.cluster.getSetting('meta.live_percentage', signal);
    const v = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(v))
      throw new EngineError(
        `meta.live_percentage read as ${JSON.stringify(raw)}, not a number: check remote_command -t meta-server meta.live_percentage on the meta leader`,
      );
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
  async rehearse(
    spec: Extract<OperationSpec, { op: 'scale-in' | 'scale-out' | 'migrate' }>,
    o: { version?: '2.5' | '2.6'; signal?: AbortSignal } = {},
  ): Promise<Rehearsal> {
    const state = await this.d.cluster.readState(o.signal);
    const pct = await this.readPct(o.signal);
    const ml = await this.minLive(state.leader, o.signal);
    const rs = this.o.replicaSizeBytes;
    const sizeMb =
      typeof rs === 'number' ? rs / (1024 * 1024) : rs ? (rs['default'] ?? DEFAULT_REPLICA_SIZE_BYTES) / (1024 * 1024) : undefined;
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
    return preflight(this, spec, signal, resumingRun);
  }
  /** Pre-flight with what it assumed (the min-live source); `preflight` emits the assumption as an event too. */
  async preflightReport(
    spec: OperationSpec,
    signal?: AbortSignal,
    resumingRun?: string,
  ): Promise<{ refusals: Refusal[]; minLive: MinLive; warnings: string[] }> {
    return preflightReport(this, spec, signal, resumingRun);
  }
  /** The freeze arithmetic for removing these nodes (or this many) one after another. */
  async freezeCheck(remove: readonly string[] | number, signal?: AbortSignal): Promise<OperationResult> {
    return freezeCheck(this, remove, signal);
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
      held = this.d.journal.lock({ who: this.d.who ?? currentUser(), op });
    } catch (e) {
      if (e instanceof JournalLockedError) return this.refused(op, [{ reason: e.message, fix: e.fix }]);
      throw e;
    }
    let tookOver: string | undefined;
    if (held?.tookOver) {
      const h = held.tookOver;
      tookOver =
        h === 'unreadable'
          ? `took over an unreadable stale lock ${held.path}`
          : `took over the stale journal lock of ${h.who} (pid ${h.pid} on ${h.host}, ${h.op} started ${h.started}): that process is gone`;
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
    const sameAs = (b: { op: string; params: unknown } | undefined): boolean =>
      !!b && b.op === spec.op && JSON.stringify(b.params) === JSON.stringify(spec);
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
        this.d.journal.append(
          { t: 'end', outcome: 'cancelled', message: `abandoned: restore-settings ran in run ${run}` },
          this.date(),
          crashed.run,
        );
      }
    }
    this.d.journal.run = run;
    this.minLiveByLeader.clear();
    let plan: ScalePlan | undefined;
    let state0: ClusterState;
    try {
      if (spec.op !== 'restore-settings' && spec.op !== 'restart-meta' && spec.op !== 'wait-healthy') {
        const refusals = await preflight(this, spec, signal, resuming ? run : undefined);
        if (refusals.length > 0) {
          if (resuming) this.d.journal.append({ t: 'event', kind: 'refused', message: refusals.map((r) => r.reason).join('; ') });
          return this.refused(spec.op, refusals, run);
        }
      }
      if (spec.op === 'scale-in' || spec.op === 'scale-out' || spec.op === 'migrate') {
        plan = await this.plan(spec, signal);
        if (plan.problems.length > 0 && !resuming)
          return this.refused(
            spec.op,
            plan.problems.map((p) => ({ reason: p, fix: 'add nodes first or remove fewer' })),
            run,
            plan,
          );
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
      this.d.journal.append(
        { t: 'begin', op: spec.op, params: spec, who: this.d.who ?? currentUser(), cluster: this.d.clusterName, leader: state0.leader },
        this.date(),
      );
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
    loadTargets(this, run);
    this.overFull.clear();
    try {
      if (resuming) await reapply(this, rc);
      data = await body(this, spec, rc, plan);
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
      const leavingNodes =
        spec.op === 'scale-in' ? spec.nodes : spec.op === 'migrate' ? spec.from : spec.op === 'drain-node' ? [spec.node] : [];
      // Only nodes still up and not being stopped can be refilled; unreadable state: assume they can.
      const refillable = outcome !== 'done' && leavingNodes.length > 0 ? await stillUp(this, leavingNodes, rc) : [];
      const keepSteady = refillable.length > 0 ? { op: spec.op, nodes: refillable, outcome } : undefined;
      // B14: a finished drain-node keeps its node black-listed (and the level steady) until that node's
      // stop-node (seen gone) or start-node, or restore-settings: else cure refills the empty node first.
      const extra: RestoreExtra =
        outcome === 'done' && spec.op === 'drain-node'
          ? { hold: { node: spec.node, names: DRAIN_HELD } }
          : outcome === 'done' && (spec.op === 'stop-node' || spec.op === 'start-node')
            ? { giveBackHeldFor: spec.node }
            : {};
      settingsLeft =
        spec.op === 'restart-meta'
          ? leftOpen(this)
          : await restoreRetrying(this, spec.op === 'restore-settings' ? undefined : run, rc.stopIssued, keepSteady, extra);
      if (spec.op !== 'restore-settings' && spec.op !== 'restart-meta') {
        const mine = new Set(settingsLeft.map((x) => x.name));
        for (const o of leftOpen(this)) if (!mine.has(o.name)) settingsLeft.push(o);
      }
    } catch (e) {
      message += `\nrestoring settings failed: ${e instanceof Error ? e.message : String(e)}; once the meta answers again, run restore-settings (the journal keeps the values to restore: ${
        leftOpen(this)
          .map((o) => `${o.name}=${o.original || "''"}`)
          .join(', ') || 'none left'
      })`;
      settingsLeft = leftOpen(this);
      if (outcome === 'done') outcome = 'failed';
    }
    try {
      finalState = await this.d.cluster.readState(AbortSignal.timeout(30_000));
    } catch {
      // Said in clusterState below ("unknown").
    }
    let clusterState =
      (finalState ? describeState(finalState, rc.excluded) : 'unknown (the cluster could not be read)') +
      describeSettingsLeft(settingsLeft);
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
      const looks = await looksChanged(this).catch((e: unknown) => [
        `the settings could not be read: ${e instanceof Error ? e.message : String(e)}`,
      ]);
      const what = `no journal entries for this cluster (${this.d.journal.path ?? 'in-memory journal'}): nothing known to restore`;
      const tail = looks.length
        ? `; what looks changed on the cluster:\n${looks.map((l) => `- ${l}`).join('\n')}`
        : '; nothing on the cluster looks left over from a scale operation';
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
      stats: {
        primariesMoved: rc.primariesMoved,
        copiesProposed: rc.copiesProposed,
        bytesCopied: rc.bytesCopied,
        elapsedMs: this.clock.now() - rc.startedAt,
      },
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
          this.refused(seen.op, [
            {
              reason: `nothing to resume: ${seen.op} run ${seen.run} was ${u ? `superseded by run ${u.run}` : 'finished'} by another engine since this journal was opened`,
              fix: 'read the journal for its outcome; start a new operation if it is still needed',
            },
          ]),
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
      settingsLeft: leftOpen(this),
      ...(plan ? { plan } : {}),
      stats: { primariesMoved: 0, copiesProposed: 0, bytesCopied: 0, elapsedMs: 0 },
    };
  }

  // ---------------------------------------------------------------- steps

  /** Runs a journaled step once; `always` steps (setting a value, idempotent) run again on resume because a cancel restored them. */
  async step(rc: RunCtx, id: string, fn: () => Promise<string>, always = false): Promise<string> {
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
  async retrying<T>(rc: RunCtx, what: string, fn: () => Promise<T>): Promise<T> {
    const start = this.clock.now();
    let warned = false;
    for (;;) {
      try {
        return await fn();
      } catch (e) {
        if (isAbortError(e) || rc.signal.aborted) throw e;
        const msg = e instanceof Error ? e.message : String(e);
        if (this.clock.now() - start > this.t.leaderMs) {
          throw new EngineError(
            `${what} kept failing for ${fmtDuration((this.clock.now() - start) / 1000)}: ${msg}. Check that the meta servers (${this.d.metaServers.join(', ') || 'see the profile'}) are up and reachable (the last leader was ${rc.leader || 'unknown'}), then resume`,
          );
        }
        if (!warned) this.emit({ kind: 'warning', message: `${what} failed (${msg}); retrying (a meta fail-over may be in progress)` });
        warned = true;
        rc.leaderChanged = true;
        await this.clock.sleep(this.o.pollIntervalMs, rc.signal);
      }
    }
  }

  /** Reads the state and, after a leader change, re-applies what the journal says is in force. */
  async readState(rc: RunCtx): Promise<ClusterState> {
    for (;;) {
      const s = await this.retrying(rc, 'reading the cluster state', () => this.d.cluster.readState(rc.signal));
      if (s.leader !== rc.leader) {
        rc.leader = s.leader;
        rc.leaderChanged = true;
      }
      if (!rc.leaderChanged) return s;
      await this.retrying(rc, 're-applying the journal settings', () => reapply(this, rc));
      // Read again: the state seen before the re-apply may predate it.
      if (!rc.leaderChanged) return await this.retrying(rc, 'reading the cluster state', () => this.d.cluster.readState(rc.signal));
    }
  }

  // ---------------------------------------------------------------- run bookkeeping (used by ops/drain and waits)

  /** The last proposal per partition (`appId.pidx`) under this leader: when, at which ballot, what and to whom. */
  readonly proposals = new Map<string, { at: number; ballot: number; type: string; to: string }>();
  /**
   * The node each copy of this run was first sent to, per `appId.pidx from`. Unlike `proposals` it
   * survives a leader change: a re-proposal after a fail-over asks the same node (which may still
   * be learning, or keep the data) instead of a second full copy elsewhere. Journaled, so a resume
   * keeps the choice too.
   */
  readonly targets = new Map<string, string>();
  /** Ballot at which a partition was first seen with more members than its replica count. */
  readonly overFull = new Map<string, number>();

  /** Per drained node: what it hosted, the byte counter and the time when its drain began (one window for bytes and rate). */
  readonly drainStart = new Map<string, { sizes: Map<string, number>; bytesAt0: number | undefined; at: number }>();

  lastProgressAt = -Infinity;
  emit(e: EngineEvent): void {
    try {
      this.d.onEvent?.(e);
    } catch {
      // A listener's failure must never stop an operation half-way.
    }
  }

  /** Journal times are wall-clock times (when it ran), also under a simulated clock. */
  date(): Date {
    return new Date();
  }
}
