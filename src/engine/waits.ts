/** Polling helpers: throttled progress events and the stuck diagnosis of a wait that stopped moving. */
import { fmtDuration } from '../cluster/units';
import { diagnose } from './diagnose';
import type { ClusterState } from './ports';
import { type Progress, EngineError, type RunCtx } from './types';
import type { OpContext } from './context';

/** One wait's position: since when it waits, when the cluster last changed, whether "stuck" was already reported. */
export interface WaitPoint {
  readonly state: ClusterState;
  readonly start: number;
  readonly lastChange: number;
  readonly timeoutMs: number;
  /** What the wait is for, in the words of the stuck diagnosis ("X to hold no replica"). */
  readonly waitingFor: string;
  readonly node?: string;
  readonly reported: boolean;
}

/** Reports a wait that stopped moving (once per stall) and fails one past its timeout, both with a diagnosis; returns `reported`. */
export async function checkStuck(cx: OpContext, rc: RunCtx, w: WaitPoint): Promise<boolean> {
  const { state: s, start, lastChange, timeoutMs, waitingFor, node, reported } = w;
  const now = cx.clock.now();
  const stalled = now - lastChange;
  const timedOut = now - start > timeoutMs;
  if (!timedOut && (reported || stalled < cx.options.stuckAfterMs)) return reported;
  const pct = await cx.readPct(rc.signal).catch(() => NaN);
  const stored = await cx.deps.cluster.getSetting('meta_level', rc.signal).catch(() => undefined);
  const ml = await cx.minLive(s.leader, rc.signal);
  const dg = diagnose(s, {
    waitingFor,
    excluded: rc.excluded,
    ...(node ? { node } : {}),
    pct,
    minLive: ml.value,
    ...(stored ? { storedLevel: stored } : {}),
    stalledSeconds: stalled / 1000,
  });
  if (timedOut) throw new EngineError(`timed out after ${fmtDuration(timeoutMs / 1000)} waiting for ${waitingFor}`, dg);
  cx.emit({ kind: 'stuck', diagnosis: dg, waitingFor, stalledSeconds: stalled / 1000 });
  cx.deps.journal.append({ t: 'event', kind: 'stuck', message: `${waitingFor}: ${dg.cause}` }, cx.date());
  return true;
}

export function progress(cx: OpContext, p: Progress): void {
  // Throttled: at most one progress event per poll interval is useful to anyone.
  const now = cx.clock.now();
  if (now - cx.book.lastProgressAt < cx.options.pollIntervalMs * 0.9) return;
  cx.book.lastProgressAt = now;
  cx.emit({ kind: 'progress', progress: p });
}
