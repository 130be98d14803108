/** Read-only checks before an operation: the plan, pre-flight refusals and warnings, the freeze check. */
import { pctAllowingRemoval, removalSchedule, type RemovalStep } from '../cluster/freeze';
import { decideRemoval, snapshotOf, zeroMarginWarning } from './freezeGuard';
import { aliveDead, nodeLoads, unhealthyPartitions } from './model';
import { planMigration, planScaleIn, planScaleOut, type PlanOptions, type ScalePlan } from './plan';
import { unknownNodes } from './addresses';
import { META_LEVEL_VALUE, type MetaLevel } from '../pegasus/types';
import type { ClusterState } from './ports';
import { describeState } from './describe';
import type { MinLive, Refusal, OperationResult, OperationSpec } from './types';
import type { ScaleEngine } from './engine';

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

/** Reasons to refuse, each with its fix; empty when the operation may start. */
export async function preflight(eng: ScaleEngine, spec: OperationSpec, signal?: AbortSignal, resumingRun?: string): Promise<Refusal[]> {
  return (await preflightReport(eng, spec, signal, resumingRun)).refusals;
}

/** Pre-flight with what it assumed (the min-live source); `preflight` emits the assumption as an event too. */
export async function preflightReport(
  eng: ScaleEngine,
  spec: OperationSpec,
  signal?: AbortSignal,
  resumingRun?: string,
): Promise<{ refusals: Refusal[]; minLive: MinLive; warnings: string[] }> {
  const state = await eng.d.cluster.readState(signal);
  const ml = await eng.minLive(state.leader, signal);
  if (!ml.read) eng.emit({ kind: 'warning', message: `preflight: ${ml.note}` });
  const out: Refusal[] = [];
  const warnings: string[] = [];
  const stored = (await eng.d.cluster.getSetting('meta_level', signal)) as MetaLevel;
  if (state.effectiveLevel === 'freezed' && META_LEVEL_VALUE[stored] > META_LEVEL_VALUE.freezed) {
    const { alive, dead } = aliveDead(state);
    out.push({
      reason: `the meta is frozen now (alive ${alive}, dead ${dead}): no reconfiguration can run`,
      fix: 'bring the dead nodes back, or lower meta.live_percentage (freeze-check shows how far), or restart the metas to forget removed nodes',
    });
  } else if (META_LEVEL_VALUE[stored] < META_LEVEL_VALUE.steady) {
    out.push({
      reason: `the meta level is ${stored}, below steady: proposals and cure do not run`,
      fix: 'set_meta_level steady, once you know why it was lowered',
    });
  }
  const mutatingScale =
    spec.op === 'scale-in' || spec.op === 'migrate' || spec.op === 'drain-node' || spec.op === 'scale-out' || spec.op === 'rebalance';
  if (mutatingScale && !resumingRun) {
    const unhealthy = unhealthyPartitions(state);
    if (unhealthy.length > 0) {
      out.push({
        reason: `${unhealthy.length} partition(s) are not fully healthy: ${unhealthy
          .slice(0, 5)
          .map((u) => `${u.gpid} (${u.table}) ${u.health}`)
          .join(', ')}${unhealthy.length > 5 ? ', …' : ''}`,
        fix: 'wait until every partition is healthy (wait-healthy) and find out why they were not',
      });
    }
  }
  const leaving = spec.op === 'scale-in' ? spec.nodes : spec.op === 'migrate' ? spec.from : spec.op === 'drain-node' ? [spec.node] : [];
  const joining = spec.op === 'migrate' ? (spec.to ?? []) : [];
  const listed = new Map(state.nodes.map((n) => [n.address, n]));
  for (const n of leaving) {
    const l = listed.get(n);
    if (!l)
      out.push({
        reason: unknownNodes(state, [n])[0]!,
        fix: `use an address as nodes -d prints it, e.g. ${state.nodes[0]?.address ?? 'host:port'}`,
      });
    else if (!l.alive && (nodeLoads(state).get(n)?.replicas ?? 0) > 0 && !resumingRun)
      out.push({
        reason: `${n} is UNALIVE but still referenced by partitions: its data cannot be moved away from a dead process`,
        fix: `start ${n} again (start-node) or wait until every partition is healthy without it`,
      });
  }
  if (new Set(leaving).size !== leaving.length) out.push({ reason: 'a leaving node is listed twice', fix: 'list each node once' });
  if (leaving.length > 0) {
    const left =
      state.nodes.filter((n) => n.alive && !leaving.includes(n.address)).length +
      joining.filter((j) => !listed.get(j)?.alive).length +
      (spec.op === 'migrate' ? (spec.count ?? 0) : 0);
    for (const t of state.tables) {
      if (t.maxReplicaCount > left)
        out.push({
          reason: `table ${t.name} keeps ${t.maxReplicaCount} replicas but only ${left} node(s) would be left`,
          fix: `remove fewer nodes (at most ${Math.max(0, state.nodes.filter((n) => n.alive).length - t.maxReplicaCount)}), add nodes first, or lower ${t.name}'s replica count`,
        });
    }
    const { alive, dead } = aliveDead(state);
    const leavingAlive = leaving.filter((n) => listed.get(n)?.alive).length;
    // Only operations that stop nodes; a drain kills nothing. (The threshold itself is the guard's job.)
    if (spec.op !== 'drain-node' && pctAllowingRemoval(alive + joining.length, dead, ml.value, leavingAlive) === null) {
      // The source of min_live goes in the fix, not nested in the reason.
      out.push({
        reason: `removing ${leavingAlive} node(s) from ${alive} alive would leave fewer than min_live_node_count_for_unfreeze = ${ml.value}: the meta would freeze whatever meta.live_percentage is`,
        fix: `remove fewer nodes, or add nodes first (${ml.note})`,
      });
    } else if (spec.op !== 'drain-node') {
      // Walk the guard's decisions: a stop that leaves no spare is allowed, but said.
      let a = alive + joining.length;
      let dd = dead;
      let p = await eng.readPct(signal);
      const zero: string[] = [];
      for (const n of leaving.filter((x) => listed.get(x)?.alive)) {
        const dec = decideRemoval({ alive: a, dead: dd, pct: p, minLive: ml.value }, eng.o.keepMargin);
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
    // What a finished drain-node keeps for its node (B14) does not block a stop: stop-node of that node gives it back.
    const all = eng.d.journal.openSettings().filter((x) => !(x.name === 'meta.live_percentage' && x.keptReason));
    const open = spec.op === 'stop-node' ? all.filter((x) => x.heldFor === undefined) : all;
    const held = [...new Set(open.map((x) => x.heldFor).filter((x): x is string => x !== undefined))];
    if (held.length > 0) {
      out.push({
        reason: `drain-node of ${held.join(', ')} keeps settings so no replica is placed there: ${open
          .filter((s) => s.heldFor !== undefined)
          .map((s) => `${s.name}=${s.current} (was ${s.original})`)
          .join(', ')}`,
        fix: `stop-node ${held[0]} (or start-node ${held[0]} to keep it), or restore-settings, first`,
      });
    }
    const other = open.filter((x) => x.heldFor === undefined);
    if (other.length > 0) {
      out.push({
        reason: `an earlier run left settings changed: ${other.map((s) => `${s.name}=${s.current} (was ${s.original})`).join(', ')}${other.some((s) => s.keptReason) ? ' — kept on purpose until a meta restart' : ''}`,
        fix: 'resume that run, or restore-settings (or restart-meta when the threshold must wait for it) first',
      });
    }
    const bl = await eng.d.cluster.getSetting('meta.lb.assign_secondary_black_list', signal);
    if (bl.trim() && held.length === 0 && (spec.op === 'scale-in' || spec.op === 'migrate' || spec.op === 'drain-node')) {
      out.push({
        reason: `a secondary black list is already in place (${bl}), probably from an earlier run`,
        fix: 'resume that run, or clear it: remote_command -t meta-server meta.lb.assign_secondary_black_list clear',
      });
    }
    const delay = Number(await eng.d.cluster.getSetting('meta.lb.assign_delay_ms', signal));
    if (
      Number.isFinite(delay) &&
      delay < eng.o.lowDelayThresholdMs &&
      (spec.op === 'scale-in' || spec.op === 'migrate' || spec.op === 'drain-node')
    ) {
      out.push({
        reason: `meta.lb.assign_delay_ms is ${delay} ms, lowered, probably by an earlier scale-in`,
        fix: 'resume that run, or reset it: remote_command -t meta-server meta.lb.assign_delay_ms DEFAULT',
      });
    }
  }
  for (const w of warnings) eng.emit({ kind: 'warning', message: `preflight: ${w}` });
  return { refusals: out, minLive: ml, warnings };
}

/** The freeze arithmetic for removing these nodes (or this many) one after another. */
export async function freezeCheck(eng: ScaleEngine, remove: readonly string[] | number, signal?: AbortSignal): Promise<OperationResult> {
  const started = eng.clock.now();
  const state = await eng.d.cluster.readState(signal);
  const pct = await eng.readPct(signal);
  const { alive, dead } = aliveDead(state);
  const ml = await eng.minLive(state.leader, signal);
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
      stats: { primariesMoved: 0, copiesProposed: 0, bytesCopied: 0, elapsedMs: eng.clock.now() - started },
      data: { now: snapshotOf({ alive, dead, pct, minLive: ml.value }), schedule: [], pctAllowingRemoval: null, minLive: ml, problems },
    };
  }
  const schedule: RemovalStep[] = removalSchedule({ alive, dead, pct, minLive: ml.value }, k);
  const allow = pctAllowingRemoval(alive, dead, ml.value, k);
  const now = snapshotOf({ alive, dead, pct, minLive: ml.value });
  const lines = [
    ml.note,
    `now: alive ${alive}, dead ${dead}, meta.live_percentage ${pct}, min_live ${ml.value}: ${now.frozen ? 'FROZEN' : `not frozen, margin ${now.margin}`}`,
    ...schedule.map(
      (s, i) =>
        `after removing ${typeof remove === 'number' ? s.removed : remove[i]}: alive ${s.alive}, dead ${s.dead} (${s.aliveShare.toFixed(1)}% alive) ${s.frozen ? `FREEZES (${s.reasons.join(', ')})` : 'ok'}; largest safe pct ${s.largestSafePct ?? 'none (min_live)'}`,
    ),
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
    stats: { primariesMoved: 0, copiesProposed: 0, bytesCopied: 0, elapsedMs: eng.clock.now() - started },
    data: { now, schedule, pctAllowingRemoval: allow, minLive: ml },
  };
}
