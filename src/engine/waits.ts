/** Polling helpers: throttled progress events and the stuck diagnosis of a wait that stopped moving. */
import { fmtDuration } from '../cluster/units';
import { diagnose, formatDiagnosis } from './diagnose';
import type { ClusterState } from './ports';
import { type Progress, EngineError, type RunCtx } from './types';
import type { ScaleEngine } from './engine';

export async function checkStuck(
  eng: ScaleEngine,
  rc: RunCtx,
  s: ClusterState,
  start: number,
  lastChange: number,
  timeoutMs: number,
  waitingFor: string,
  node: string | undefined,
  reported: boolean,
): Promise<boolean> {
  const now = eng.clock.now();
  const stalled = now - lastChange;
  const timedOut = now - start > timeoutMs;
  if (!timedOut && (reported || stalled < eng.o.stuckAfterMs)) return reported;
  const pct = await eng.readPct(rc.signal).catch(() => NaN);
  const stored = await eng.d.cluster.getSetting('meta_level', rc.signal).catch(() => undefined);
  const ml = await eng.minLive(s.leader, rc.signal);
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
  eng.emit({
    kind: 'stuck',
    diagnosis: dg,
    message: `no progress for ${fmtDuration(stalled / 1000)} waiting for ${waitingFor}\n${formatDiagnosis(dg)}`,
  });
  eng.d.journal.append({ t: 'event', kind: 'stuck', message: `${waitingFor}: ${dg.cause}` }, eng.date());
  return true;
}

export function progress(eng: ScaleEngine, _rc: RunCtx, p: Progress, message: string): void {
  // Throttled: at most one progress event per poll interval is useful to anyone.
  const now = eng.clock.now();
  if (now - eng.lastProgressAt < eng.o.pollIntervalMs * 0.9) return;
  eng.lastProgressAt = now;
  eng.emit({ kind: 'progress', progress: p, message });
}
