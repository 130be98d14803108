/** Reading the replica servers through the port, where a failed or absent read is "unknown", never an error of the run. */
import { isAbortError, type ClusterState, type ReplicaData } from './ports';
import type { OpContext } from './context';
import { fillLevels, headroom } from './capacity';
import type { Note, Refusal } from './notes';
import type { PlanOptions, ScalePlan } from './plan';
import { readThrottles } from './throttle';

/** The replica servers' answer, or undefined when the port cannot read it or the read failed. */
export async function readReplicaData(cx: OpContext, nodes: readonly string[], signal?: AbortSignal): Promise<ReplicaData | undefined> {
  if (!cx.deps.cluster.readReplicaData) return undefined;
  try {
    return await cx.deps.cluster.readReplicaData(nodes, signal);
  } catch (e) {
    if (isAbortError(e) || signal?.aborted) throw e;
    return undefined;
  }
}

/** What a plan reads: every listed node (a dead one answers "unknown", which the plan names). */
export function readPlanData(cx: OpContext, state: ClusterState, signal?: AbortSignal): Promise<ReplicaData | undefined> {
  return readReplicaData(
    cx,
    state.nodes.map((n) => n.address),
    signal,
  );
}

/** The copy rate an estimate uses and where it comes from (PlanOptions.copyRateSource). */
export interface CopyRate {
  readonly mb?: number;
  readonly source: NonNullable<PlanOptions['copyRateSource']>;
}

/**
 * The run's throttle (`--copy-rate-mb`), else the rate given for estimates, else the throttles in
 * force on the alive replica servers: the lowest limit set (copy or send, 0 = none) bounds the copy.
 */
export async function copyRateOf(cx: OpContext, state: ClusterState, signal?: AbortSignal): Promise<CopyRate> {
  const o = cx.options;
  if (o.copyThrottleMb !== undefined) return { mb: o.copyThrottleMb, source: 'throttle' };
  if (o.copyRateMBps !== undefined) return { mb: o.copyRateMBps, source: 'given' };
  const nodes = state.nodes.filter((n) => n.alive).map((n) => n.address);
  const read = await readThrottles(cx, nodes, signal);
  if (read.size === 0) return { source: 'assumed' };
  const limits = [...read.values()].flatMap((t) => Object.values(t).filter((v): v is number => v !== undefined && v > 0));
  return limits.length ? { mb: Math.min(...limits), source: 'in-force' } : { source: 'unlimited' };
}

/** The plan's inputs from the engine's options, the threshold, min-live and the replica servers' answer. */
export function planOptionsOf(cx: OpContext, pct: number, minLive: number, replicaData?: ReplicaData, rate?: CopyRate): PlanOptions {
  const o = cx.options;
  return {
    pct,
    minLive,
    fdGraceSeconds: o.fdGraceSeconds,
    lbIntervalSeconds: o.lbIntervalSeconds,
    keepMargin: o.keepMargin,
    ...(replicaData ? { replicaData } : {}),
    ...(o.replicaSizeBytes !== undefined ? { replicaSizeBytes: o.replicaSizeBytes } : {}),
    ...(rate
      ? { copyRateSource: rate.source, ...(rate.mb !== undefined ? { copyRateMBps: rate.mb } : {}) }
      : o.copyRateMBps !== undefined
        ? { copyRateMBps: o.copyRateMBps }
        : {}),
  };
}

/**
 * The capacity pre-flight of a scale-in (or migration): refuse when a staying node would pass the
 * fill limit after the planned moves, warn above the warning level. Nothing when no node reported its disks.
 */
export async function capacityCheck(
  cx: OpContext,
  state: ClusterState,
  minLive: number,
  planOf: (o: PlanOptions) => ScalePlan,
  signal?: AbortSignal,
): Promise<{ refusals: Refusal[]; warnings: Note[] }> {
  const data = await readPlanData(cx, state, signal);
  if (!data || data.disks.length === 0) return { refusals: [], warnings: [] };
  const plan = planOf(planOptionsOf(cx, await cx.readPct(signal), minLive, data));
  const levels = fillLevels(cx.options);
  const { over, near } = headroom(plan.disks ?? [], levels);
  const refusals: Refusal[] = over.length
    ? [{ code: 'disk-headroom', nodes: over, limitPct: levels.limit, minRatio: cx.options.diskMinAvailableRatio }]
    : [];
  const warnings: Note[] = near.length
    ? [{ code: 'disk-headroom-warning', nodes: near, warnPct: levels.warn, limitPct: levels.limit }]
    : [];
  return { refusals, warnings };
}
