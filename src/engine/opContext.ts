/** Builds the operation context from the engine's dependencies: options with defaults, journaled steps, retried reads, min-live cache. */
import { fmtDuration } from '../cluster/units';
import type { OpContext, ResolvedOptions, RunBook, Timeouts } from './context';
import type { StepTotals } from './journal';
import { JournalFileError } from './journalFiles';
import { readLeaderMinLive } from './metaPort';
import { isAbortError, realClock, type ClusterState, type MinLiveReading } from './ports';
import { checkOwned, reapply } from './settings';
import { watchThrottled } from './throttle';
import { EngineError, type EngineDeps, type MinLive, type RunCtx } from './types';

/** The context plus what only the engine itself calls: forgetting the previous run's memory. */
export interface EngineContext extends OpContext {
  startRun(): void;
}

export function resolveOptions(d: EngineDeps): { options: ResolvedOptions; timeouts: Timeouts } {
  const o = d.options ?? {};
  const tick = o.lbIntervalSeconds ?? 10;
  const options: ResolvedOptions = {
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
    fillLimitPct: o.fillLimitPct ?? 85,
    fillWarnPct: o.fillWarnPct ?? 75,
    diskMinAvailableRatio: o.diskMinAvailableRatio ?? 10,
    replicaSizeBytes: o.replicaSizeBytes,
    copyRateMBps: o.copyRateMBps,
    copyThrottleMb: o.copyThrottleMb,
  };
  const t = o.timeouts ?? {};
  // A person doing it by hand (manual control) gets longer than a command.
  const manual = d.control.kind === 'manual';
  const timeouts: Timeouts = {
    primariesMs: t.primariesMs ?? 10 * 60_000,
    secondariesMs: t.secondariesMs ?? 6 * 3600_000,
    nodeGoneMs: t.nodeGoneMs ?? (manual ? 30 : 5) * 60_000,
    nodeAliveMs: t.nodeAliveMs ?? (manual ? 30 : 10) * 60_000,
    healthyMs: t.healthyMs ?? 60 * 60_000,
    balancedMs: t.balancedMs ?? 12 * 3600_000,
    leaderMs: t.leaderMs ?? 5 * 60_000,
    inFlightMs: t.inFlightMs ?? 5 * 60_000,
  };
  return { options, timeouts };
}

export function createOpContext(deps: EngineDeps): EngineContext {
  const { options, timeouts } = resolveOptions(deps);
  const clock = deps.clock ?? realClock;
  const book: RunBook = { proposals: new Map(), targets: new Map(), overFull: new Map(), drainStart: new Map(), lastProgressAt: -Infinity };
  const minLiveByLeader = new Map<string, Promise<MinLive>>();

  const readMinLive = async (leader: string, signal?: AbortSignal): Promise<MinLive> => {
    let r: MinLiveReading;
    try {
      r = deps.cluster.readMinLive ? await deps.cluster.readMinLive(leader, signal) : await readLeaderMinLive(leader, signal);
    } catch (e) {
      r = { reason: e instanceof Error ? e.message : String(e) };
    }
    const opt = deps.options?.minLive;
    if (r.value !== undefined) {
      const note = {
        code: 'min-live-read' as const,
        value: r.value,
        source: r.source ?? 'the meta',
        ...(opt !== undefined && opt !== r.value ? { optionIgnored: opt } : {}),
      };
      return { value: r.value, read: true, note };
    }
    // Cached for this run and leader like a good read: the next run (or a new leader) asks again.
    return {
      value: options.minLive,
      read: false,
      note: { code: 'min-live-assumed', value: options.minLive, error: r.reason ?? 'unknown' },
    };
  };

  const cx: EngineContext = {
    deps,
    options,
    timeouts,
    clock,
    book,
    startRun() {
      minLiveByLeader.clear();
      book.proposals.clear();
      book.drainStart.clear();
      book.overFull.clear();
    },
    emit(e) {
      try {
        deps.onEvent?.(e);
      } catch {
        // A listener's failure must never stop an operation half-way.
      }
    },
    date: () => new Date(),
    async minLive(leader, signal) {
      let p = minLiveByLeader.get(leader);
      if (!p) {
        p = readMinLive(leader, signal);
        minLiveByLeader.set(leader, p);
        // A read cut short by a cancel says nothing about the meta: ask again next time.
        void p.then(() => signal?.aborted && minLiveByLeader.delete(leader));
      }
      return p;
    },
    async readPct(signal) {
      const raw = await deps.cluster.getSetting('meta.live_percentage', signal);
      const v = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(v))
        throw new EngineError(
          `meta.live_percentage read as ${JSON.stringify(raw)}, not a number: check remote_command -t meta-server meta.live_percentage on the meta leader`,
        );
      return v;
    },
    async step(rc, id, fn, o = {}) {
      if (rc.finished.has(id) && !o.always) {
        cx.emit({ kind: 'step', step: id, status: 'skipped', detail: deps.journal.stepDetail(rc.run, id) ?? '' });
        return deps.journal.stepDetail(rc.run, id) ?? '';
      }
      rc.signal.throwIfAborted();
      deps.journal.append({ t: 'step', step: id, status: 'started' }, cx.date());
      cx.emit({ kind: 'step', step: id, status: 'started', detail: '' });
      const at0 = countsOf(rc);
      try {
        const detail = await fn();
        const totals = totalsSince(rc, at0);
        deps.journal.append({ t: 'step', step: id, status: 'done', detail, ...(totals ? { totals } : {}) }, cx.date());
        rc.finished.add(id);
        cx.emit({ kind: 'step', step: id, status: 'done', detail });
        return detail;
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        // A drain stopped midway still copied what it copied: counted once, here.
        if (rc.partialBytes) {
          rc.bytesCopied += rc.partialBytes.bytes;
          if (rc.partialBytes.estimated) rc.bytesEstimated += rc.partialBytes.bytes;
        }
        rc.partialBytes = undefined;
        const totals = totalsSince(rc, at0);
        deps.journal.append({ t: 'step', step: id, status: 'failed', detail: msg, ...(totals ? { totals } : {}) }, cx.date());
        cx.emit({ kind: 'step', step: id, status: 'failed', detail: msg });
        throw e;
      }
    },
    async retrying(rc, what, fn) {
      const start = clock.now();
      let warned = false;
      for (;;) {
        try {
          return await fn();
        } catch (e) {
          if (isAbortError(e) || rc.signal.aborted) throw e;
          // A journal that cannot be written is not a meta fail-over: waiting cannot fix it.
          if (e instanceof JournalFileError) throw e;
          const msg = e instanceof Error ? e.message : String(e);
          if (clock.now() - start > timeouts.leaderMs) {
            throw new EngineError(
              `${what} kept failing for ${fmtDuration((clock.now() - start) / 1000)}: ${msg}. Check that the meta servers (${deps.metaServers.join(', ') || 'see the profile'}) are up and reachable (the last leader was ${rc.leader || 'unknown'}), then resume`,
            );
          }
          if (!warned) cx.emit({ kind: 'warning', note: { code: 'retrying', what, error: msg } });
          warned = true;
          rc.leaderChanged = true;
          await clock.sleep(options.pollIntervalMs, rc.signal);
        }
      }
    },
    async readState(rc: RunCtx): Promise<ClusterState> {
      for (;;) {
        const s = await cx.retrying(rc, 'reading the cluster state', () => deps.cluster.readState(rc.signal));
        if (s.leader !== rc.leader) {
          rc.leader = s.leader;
          rc.leaderChanged = true;
        }
        if (rc.throttled) await watchThrottled(cx, rc, s);
        if (!rc.leaderChanged) {
          await checkOwned(cx, rc);
          return s;
        }
        await cx.retrying(rc, 're-applying the journal settings', () => reapply(cx, rc));
        // Read again: the state seen before the re-apply may predate it.
        if (!rc.leaderChanged) return await cx.retrying(rc, 'reading the cluster state', () => deps.cluster.readState(rc.signal));
      }
    },
  };
  return cx;
}

/** The run's counters, to journal what one step added. */
function countsOf(rc: RunCtx): StepTotals {
  return {
    primariesMoved: rc.primariesMoved,
    copiesProposed: rc.copiesProposed,
    bytesCopied: rc.bytesCopied,
    bytesEstimated: rc.bytesEstimated,
  };
}

/** What the step added to the counters, or undefined when nothing (most steps move nothing). */
function totalsSince(rc: RunCtx, at0: StepTotals): StepTotals | undefined {
  const now = countsOf(rc);
  const d: StepTotals = {
    primariesMoved: now.primariesMoved - at0.primariesMoved,
    copiesProposed: now.copiesProposed - at0.copiesProposed,
    bytesCopied: now.bytesCopied - at0.bytesCopied,
    bytesEstimated: now.bytesEstimated - at0.bytesEstimated,
  };
  return Object.values(d).some((v) => v !== 0) ? d : undefined;
}
