/**
 * Engine results as command results: key/value and grid tables (markdown and shell text), the
 * structured data for `--json`, and a picture (plan, before/after distribution) for the renderer.
 */
import { fmtBytes, fmtDuration } from '../../cluster/units';
import type { OperationResult, Progress, Refusal } from '../../engine/engine';
import { nodeLoads, type NodeLoad } from '../../engine/model';
import type { ScalePlan } from '../../engine/plan';
import type { ClusterState } from '../../engine/ports';
import { distributionOf, type DistributionVisual, type PlanVisual, type ProgressVisual } from '../../runbook/visual';
import { keyValueTable } from '../format';
import { result } from '../result';
import type { CommandResult, TableData } from '../types';

/** Per-node counts after the plan's moves, predicted from the counts now. */
export function predictedLoads(state: ClusterState, plan: ScalePlan): NodeLoad[] {
  type Load = { -readonly [K in keyof NodeLoad]: NodeLoad[K] };
  const loads = new Map<string, Load>([...nodeLoads(state)].map(([k, v]) => [k, { ...v }]));
  const get = (a: string): Load => {
    let l = loads.get(a);
    if (!l) loads.set(a, (l = { address: a, alive: true, primaries: 0, secondaries: 0, replicas: 0 }));
    return l;
  };
  for (const m of plan.moves) {
    const from = get(m.from);
    const to = get(m.to);
    if (m.type === 'move_pri') {
      from.primaries--;
      from.secondaries++;
      to.secondaries--;
      to.primaries++;
    } else if (m.type === 'copy_pri') {
      from.primaries--;
      from.replicas--;
      to.primaries++;
      to.replicas++;
    } else {
      from.secondaries--;
      from.replicas--;
      to.secondaries++;
      to.replicas++;
    }
  }
  for (const a of plan.leaving) {
    const l = get(a);
    l.alive = false;
  }
  for (const a of plan.joining) get(a).alive = true;
  return [...loads.values()].map((l) => ({ ...l, primaries: Math.max(0, l.primaries), secondaries: Math.max(0, l.secondaries) }));
}

function stepLabel(s: ScalePlan['steps'][number]): string {
  return s.kind === 'drain'
    ? `drain ${s.node}`
    : s.kind === 'stop'
      ? `stop ${s.node}`
      : s.kind === 'start'
        ? `start ${s.node}`
        : 'rebalance';
}

export function planVisual(plan: ScalePlan, state: ClusterState): PlanVisual {
  const distribution = distributionOf(
    'Replicas per node: now and after the plan',
    nodeLoads(state).values(),
    predictedLoads(state, plan),
    { leaving: plan.leaving, joining: plan.joining },
    { before: 'now', after: 'planned' },
  );
  return {
    view: 'plan',
    title: `Plan: ${plan.kind} ${plan.kind === 'scale-out' ? plan.joining.join(', ') : plan.leaving.join(', ')}${plan.kind === 'migration' ? ` → ${plan.joining.join(', ')}` : ''}`,
    summary: [
      { label: 'primaries moved', value: String(plan.primariesMoved) },
      { label: 'replicas copied', value: String(plan.copies) },
      { label: 'bytes', value: fmtBytes(plan.bytes) },
      { label: 'estimated time', value: fmtDuration(plan.seconds) },
      {
        label: 'live percentage',
        value: plan.pctLowest !== plan.pctBefore ? `${plan.pctBefore} → ${plan.pctLowest}` : String(plan.pctBefore),
      },
    ],
    steps: plan.steps.map((s) => ({
      label: stepLabel(s),
      kind: s.kind,
      ...(s.node ? { node: s.node } : {}),
      copies: s.copies,
      primariesMoved: s.primariesMoved,
      bytes: s.bytes,
      seconds: s.seconds,
      alive: s.freezeAfter.alive,
      dead: s.freezeAfter.dead,
      pct: s.freezeAfter.pct,
      frozen: s.freezeAfter.frozen,
      margin: s.freezeAfter.margin,
      ...(s.lowerPctTo !== undefined ? { lowerPctTo: s.lowerPctTo } : {}),
      ...(s.refused ? { refused: s.refused } : {}),
    })),
    distribution,
    problems: [...plan.problems],
  };
}

export function planTables(plan: ScalePlan): TableData[] {
  const summary = keyValueTable('plan', [
    ['operation', plan.kind],
    ...(plan.leaving.length ? ([['leaving', plan.leaving.join(', ')]] as const) : []),
    ...(plan.joining.length ? ([['joining', plan.joining.join(', ')]] as const) : []),
    ['primaries moved (no copy)', plan.primariesMoved],
    ['replicas copied', plan.copies],
    ...(plan.kind !== 'scale-out' ? ([['replicas on leaving nodes', plan.replicasOnLeaving]] as const) : []),
    ['bytes to copy', fmtBytes(plan.bytes)],
    ['estimated duration', `${fmtDuration(plan.seconds)} at ${plan.copyRateMBps} MB/s`],
    [
      'meta.live_percentage',
      plan.pctLowest !== plan.pctBefore ? `${plan.pctBefore} → ${plan.pctLowest} (back after the meta restart)` : String(plan.pctBefore),
    ],
    ...plan.assumptions.map((a) => ['assumption', a] as const),
    ...plan.problems.map((p) => ['PROBLEM', p] as const),
    ...plan.warnings.map((w) => ['WARNING', w] as const),
  ]);
  const steps: TableData = {
    title: 'steps',
    columns: ['#', 'step', 'primaries moved', 'copies', 'bytes', 'time', 'alive/dead after', 'freeze margin', 'threshold'],
    rows: plan.steps.map((s, i) => [
      i + 1,
      stepLabel(s),
      s.primariesMoved,
      s.copies,
      fmtBytes(s.bytes),
      fmtDuration(s.seconds),
      `${s.freezeAfter.alive}/${s.freezeAfter.dead}`,
      s.refused ? `REFUSED: ${s.refused}` : s.freezeAfter.frozen ? 'FROZEN' : s.freezeAfter.margin,
      s.lowerPctTo !== undefined ? `lower to ${s.lowerPctTo}` : s.freezeAfter.pct,
    ]),
  };
  return [summary, steps];
}

export function refusalTable(refusals: readonly Refusal[]): TableData {
  return { title: 'refused', columns: ['reason', 'fix'], rows: refusals.map((r) => [r.reason, r.fix]) };
}

export function distributionVisual(
  title: string,
  before: ClusterState | undefined,
  after: ClusterState,
  marks: { leaving?: readonly string[]; joining?: readonly string[] },
): DistributionVisual {
  return distributionOf(
    title,
    (before ? nodeLoads(before) : nodeLoads(after)).values(),
    before ? nodeLoads(after).values() : undefined,
    marks,
  );
}

/** An engine message as a command line reads it: the engine names the option `force`, the command spells it `--force`. */
export function commandWording(message: string): string {
  return message.replace(/\bpass force\b/g, 'pass --force');
}

/** An operation's result: outcome, what happened, the cluster now, settings left, stats. */
export function operationResult(command: string, r: OperationResult, visual: DistributionVisual | undefined): CommandResult {
  const ok = r.outcome === 'done';
  const message = commandWording(r.message);
  const pairs: [string, string | number][] = [
    ['outcome', r.outcome],
    ['what happened', message],
    ['cluster now', r.clusterState],
  ];
  if (r.run) pairs.push(['journal run', r.run]);
  if (r.stats.primariesMoved || r.stats.copiesProposed || r.stats.bytesCopied) {
    pairs.push(
      ['primaries moved', r.stats.primariesMoved],
      ['copies proposed', r.stats.copiesProposed],
      ['bytes copied', fmtBytes(r.stats.bytesCopied)],
    );
  }
  pairs.push(['elapsed', fmtDuration(r.stats.elapsedMs / 1000)]);
  for (const s of r.settingsLeft) pairs.push([`left changed: ${s.name}`, `${s.value} (was ${s.original}): ${s.reason}`]);
  const tables: TableData[] = [keyValueTable(command, pairs)];
  if (r.refusals.length) tables.push(refusalTable(r.refusals));
  const summary =
    r.outcome === 'done'
      ? `${command} done: ${firstLine(r.clusterState)}`
      : `${command} ${r.outcome}: ${firstLine(message.replace(/^.*?refused:\s*/s, '').replace(new RegExp(`^${command} ${r.outcome}:\\s*`), ''))}`;
  return result(command, { ...r, ...(visual ? { visual } : {}) }, tables, { ok, summary, changed: r.outcome !== 'refused' });
}

function firstLine(s: string): string {
  const l =
    s
      .split('\n')
      .map((x) => x.replace(/^-\s*/, '').trim())
      .filter(Boolean)[0] ?? '';
  return l.length > 160 ? l.slice(0, 157) + '…' : l;
}

/** A progress picture and line from an engine progress event. */
export function progressVisual(title: string, p: Progress, message: string): ProgressVisual {
  const counters: ProgressVisual['counters'] = [];
  if (p.primariesLeft !== undefined) counters.push({ label: 'primaries left', value: p.primariesLeft });
  if (p.replicasLeft !== undefined) counters.push({ label: 'replicas left', value: p.replicasLeft });
  counters.push({ label: 'unhealthy partitions', value: p.unhealthy });
  if (p.bytesPlanned > 0) counters.push({ label: 'bytes copied', value: p.bytesCopied, total: p.bytesPlanned, unit: 'bytes' });
  return {
    view: 'progress',
    title,
    message,
    ...(p.bytesPlanned > 0 ? { fraction: Math.min(1, p.bytesCopied / p.bytesPlanned) } : {}),
    state: 'running',
    counters,
    elapsedMs: p.elapsedSeconds * 1000,
  };
}

export function progressLine(p: Progress): string {
  const parts = [p.phase + (p.node ? ` ${p.node}` : '')];
  if (p.primariesLeft !== undefined) parts.push(`${p.primariesLeft} primaries left`);
  if (p.replicasLeft !== undefined) parts.push(`${p.replicasLeft} replicas left`);
  parts.push(`${p.unhealthy} unhealthy`);
  if (p.bytesPlanned > 0) parts.push(`${fmtBytes(p.bytesCopied)}/${fmtBytes(p.bytesPlanned)} copied`);
  if (p.rate > 0) parts.push(`${fmtBytes(p.rate)}/s`);
  if (p.etaSeconds !== undefined) parts.push(`ETA ${fmtDuration(p.etaSeconds)}`);
  return parts.join(', ');
}
