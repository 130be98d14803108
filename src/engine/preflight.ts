/** Read-only checks before an operation: the plan, pre-flight refusals and warnings, the freeze check. */
import { pctAllowingRemoval, removalSchedule, type RemovalStep } from '../cluster/freeze';
import { decideRemoval, snapshotOf } from './freezeGuard';
import { aliveDead, nodeLoads, unhealthyPartitions } from './model';
import { planMigration, planScaleIn, planScaleOut, type PlanOptions, type ScalePlan } from './plan';
import { aliveMembers, removedNodes, unknownNodes } from './addresses';
import { META_LEVEL_VALUE, type MetaLevel } from '../pegasus/types';
import type { ClusterState } from './ports';
import { summarizeState } from './describe';
import type { Note, Refusal } from './notes';
import type { MinLive, OperationResult, OperationSpec } from './types';
import type { OpContext } from './context';
import { capacityCheck } from './replicaData';
import { throttleRefusals } from './throttle';

export function planFor(
  state: ClusterState,
  spec: Extract<OperationSpec, { op: 'scale-in' | 'scale-out' | 'migrate' }>,
  o: PlanOptions,
): ScalePlan {
  if (spec.op === 'scale-in') return planScaleIn(state, spec.nodes, o);
  // Nodes added by count get their address when they start (the simulator picks it): a label, not a fake host:port.
  const added = Array.from({ length: spec.count ?? 0 }, (_, i) => `(new node ${i + 1}, address given when it starts)`);
  if (spec.op === 'scale-out') return planScaleOut(state, [...(spec.nodes ?? []), ...added], o);
  return planMigration(state, spec.from, [...(spec.to ?? []), ...added], o);
}

/** Reasons to refuse, each a code with its values; empty when the operation may start. */
export async function preflight(cx: OpContext, spec: OperationSpec, signal?: AbortSignal, resumingRun?: string): Promise<Refusal[]> {
  return (await preflightReport(cx, spec, signal, resumingRun)).refusals;
}

export interface PreflightReport {
  readonly refusals: Refusal[];
  readonly minLive: MinLive;
  readonly warnings: Note[];
}

/** Pre-flight with what it assumed (the min-live source); an assumed min-live and each warning go out as events too. */
export async function preflightReport(
  cx: OpContext,
  spec: OperationSpec,
  signal?: AbortSignal,
  resumingRun?: string,
): Promise<PreflightReport> {
  const state = await cx.deps.cluster.readState(signal);
  const ml = await cx.minLive(state.leader, signal);
  if (!ml.read) cx.emit({ kind: 'warning', note: ml.note });
  const out: Refusal[] = [];
  const warnings: Note[] = [];
  const stored = (await cx.deps.cluster.getSetting('meta_level', signal)) as MetaLevel;
  if (state.effectiveLevel === 'freezed' && META_LEVEL_VALUE[stored] > META_LEVEL_VALUE.freezed) {
    out.push({ code: 'frozen', ...aliveDead(state) });
  } else if (META_LEVEL_VALUE[stored] < META_LEVEL_VALUE.steady) {
    out.push({ code: 'level-below-steady', level: stored });
  }
  const mutatingScale =
    spec.op === 'scale-in' || spec.op === 'migrate' || spec.op === 'drain-node' || spec.op === 'scale-out' || spec.op === 'rebalance';
  if (mutatingScale && !resumingRun) {
    const unhealthy = unhealthyPartitions(state);
    if (unhealthy.length > 0)
      out.push({
        code: 'unhealthy',
        count: unhealthy.length,
        sample: unhealthy.slice(0, 5).map((u) => ({ gpid: u.gpid, table: u.table, health: u.health })),
      });
  }
  const leaving = spec.op === 'scale-in' ? spec.nodes : spec.op === 'migrate' ? spec.from : spec.op === 'drain-node' ? [spec.node] : [];
  const joining = spec.op === 'migrate' ? (spec.to ?? []) : [];
  const listed = new Map(state.nodes.map((n) => [n.address, n]));
  for (const n of leaving) {
    const l = listed.get(n);
    if (!l) out.push(...unknownNodes(state, [n], removedNodes(cx.deps.journal.all())));
    else if (!l.alive && (nodeLoads(state).get(n)?.replicas ?? 0) > 0 && !resumingRun) out.push({ code: 'unalive-with-replicas', node: n });
  }
  if (new Set(leaving).size !== leaving.length) out.push({ code: 'listed-twice' });
  // On resume the joining nodes this run started are alive by now: that is progress, not a mistake.
  if (spec.op === 'scale-out' && !resumingRun) out.push(...aliveMembers(state, spec.nodes ?? []));
  if (leaving.length > 0) {
    const aliveNow = state.nodes.filter((n) => n.alive).length;
    const left =
      state.nodes.filter((n) => n.alive && !leaving.includes(n.address)).length +
      joining.filter((j) => !listed.get(j)?.alive).length +
      (spec.op === 'migrate' ? (spec.count ?? 0) : 0);
    for (const t of state.tables) {
      if (t.maxReplicaCount > left)
        out.push({
          code: 'replica-count',
          table: t.name,
          replicas: t.maxReplicaCount,
          left,
          removable: Math.max(0, aliveNow + joining.length - t.maxReplicaCount),
        });
    }
    const { alive, dead } = aliveDead(state);
    const leavingAlive = leaving.filter((n) => listed.get(n)?.alive);
    // Only operations that stop nodes; a drain kills nothing. (The threshold itself is the guard's job.)
    if (spec.op !== 'drain-node' && pctAllowingRemoval(alive + joining.length, dead, ml.value, leavingAlive.length) === null) {
      out.push({
        code: 'min-live',
        nodes: leavingAlive,
        aliveAfter: alive + joining.length - leavingAlive.length,
        minLive: ml.value,
        source: ml.note,
      });
    } else if (spec.op !== 'drain-node') {
      // Walk the guard's decisions: a stop that leaves no spare is allowed, but said.
      let a = alive + joining.length;
      let dd = dead;
      let p = await cx.readPct(signal);
      const zero: string[] = [];
      for (const n of leavingAlive) {
        const dec = decideRemoval({ alive: a, dead: dd, pct: p, minLive: ml.value }, cx.options.keepMargin);
        if (dec.kind === 'refuse') break;
        if (dec.kind === 'lower') p = dec.pct;
        if (dec.after.margin === 0) zero.push(n);
        a--;
        dd++;
      }
      if (zero.length) warnings.push({ code: 'margin-zero', nodes: zero });
    }
  }
  if ((mutatingScale || spec.op === 'stop-node') && !resumingRun) out.push(...(await leftOvers(cx, spec, signal)));
  if (mutatingScale) out.push(...throttleRefusals(cx.options.copyThrottleMb, cx.deps.cluster.replicaCommand !== undefined));
  if ((spec.op === 'scale-in' || spec.op === 'migrate') && !resumingRun) {
    const cap = await capacityCheck(cx, state, ml.value, (o) => planFor(state, spec, o), signal);
    out.push(...cap.refusals);
    warnings.push(...cap.warnings);
  }
  for (const w of warnings) cx.emit({ kind: 'warning', note: w });
  return { refusals: out, minLive: ml, warnings };
}

/** What earlier runs left behind that blocks a new one: held or left settings, a black list, a lowered delay. */
async function leftOvers(cx: OpContext, spec: OperationSpec, signal?: AbortSignal): Promise<Refusal[]> {
  const out: Refusal[] = [];
  // A threshold kept lowered on purpose (dead nodes still counted) does not block the next step:
  // the guard starts from it and the journal still holds the original for after the restart.
  // What a finished drain-node keeps for its node does not block a stop: stop-node of that node gives it back.
  const all = cx.deps.journal.openSettings().filter((x) => !(x.name === 'meta.live_percentage' && x.keptReason));
  const open = spec.op === 'stop-node' ? all.filter((x) => x.heldFor === undefined) : all;
  const held = [...new Set(open.map((x) => x.heldFor).filter((x): x is string => x !== undefined))];
  const value = (s: (typeof open)[number]) => ({ name: s.name, current: s.current, original: s.original });
  if (held.length > 0) out.push({ code: 'drain-held', nodes: held, settings: open.filter((s) => s.heldFor !== undefined).map(value) });
  const other = open.filter((x) => x.heldFor === undefined);
  if (other.length > 0) out.push({ code: 'settings-left', settings: other.map(value), keptOnPurpose: other.some((s) => s.keptReason) });
  const drains = spec.op === 'scale-in' || spec.op === 'migrate' || spec.op === 'drain-node';
  const bl = await cx.deps.cluster.getSetting('meta.lb.assign_secondary_black_list', signal);
  if (bl.trim() && held.length === 0 && drains) out.push({ code: 'black-list-present', value: bl });
  const delay = Number(await cx.deps.cluster.getSetting('meta.lb.assign_delay_ms', signal));
  if (Number.isFinite(delay) && delay < cx.options.lowDelayThresholdMs && drains) out.push({ code: 'delay-lowered', ms: delay });
  return out;
}

/** The freeze-check answer: the state now, one row per removal, and the lowest threshold the guard would set. */
export interface FreezeCheckData {
  readonly now: ReturnType<typeof snapshotOf>;
  readonly schedule: readonly (RemovalStep & { readonly node?: string })[];
  /** The largest threshold that lets every removal through; null: none does (min-live). */
  readonly pctAllowingRemoval: number | null;
  readonly minLive: MinLive;
}

/** The freeze arithmetic for removing these nodes (or this many) one after another. */
export async function freezeCheck(cx: OpContext, remove: readonly string[] | number, signal?: AbortSignal): Promise<OperationResult> {
  const started = cx.clock.now();
  const state = await cx.deps.cluster.readState(signal);
  const pct = await cx.readPct(signal);
  const { alive, dead } = aliveDead(state);
  const ml = await cx.minLive(state.leader, signal);
  const k = typeof remove === 'number' ? remove : remove.length;
  const problems: Refusal[] = typeof remove === 'number' ? [] : unknownNodes(state, remove, removedNodes(cx.deps.journal.all()));
  if (typeof remove !== 'number' && new Set(remove).size !== remove.length) problems.push({ code: 'listed-twice' });
  if (k > alive) problems.push({ code: 'too-many', count: k, alive, listed: state.nodes.length });
  const now = snapshotOf({ alive, dead, pct, minLive: ml.value });
  const base = {
    op: 'freeze-check',
    run: '',
    notes: [],
    cluster: summarizeState(state),
    settingsLeft: [],
    stats: { primariesMoved: 0, copiesProposed: 0, bytesCopied: 0, bytesEstimated: 0, elapsedMs: cx.clock.now() - started },
  };
  if (problems.length > 0) {
    const data: FreezeCheckData = { now, schedule: [], pctAllowingRemoval: null, minLive: ml };
    return { ...base, outcome: 'refused', refusals: problems, data };
  }
  const schedule = removalSchedule({ alive, dead, pct, minLive: ml.value }, k).map((s, i) =>
    typeof remove === 'number' ? s : { ...s, node: remove[i]! },
  );
  const data: FreezeCheckData = { now, schedule, pctAllowingRemoval: pctAllowingRemoval(alive, dead, ml.value, k), minLive: ml };
  return { ...base, outcome: 'done', refusals: [], data };
}
