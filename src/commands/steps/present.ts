/**
 * Engine results as command results: key/value and grid tables (markdown and shell text), the
 * structured data for `--json` (the engine's codes and values as they are), and a picture (plan,
 * before/after distribution) for the renderer. Words come from words.ts, each said once per output.
 */
import { fmtBytes, fmtDuration } from '../../cluster/units';
import { formatDiagnosis } from '../../engine/diagnose';
import type { EngineEvent, FreezeCheckData, OperationResult, Progress, Refusal, Rehearsal } from '../../engine/engine';
import { nodeLoads, type NodeLoad } from '../../engine/model';
import type { ScalePlan } from '../../engine/plan';
import { fillPct } from '../../engine/capacity';
import type { ClusterState } from '../../engine/ports';
import { distributionOf, type DistributionVisual, type LoadLike, type PlanVisual, type ProgressVisual } from '../../runbook/visual';
import { keyValueTable } from '../format';
import { result } from '../result';
import type { CommandResult, TableData } from '../types';
import { Narrator, progressWords, refusalWords, stateWords, whyWords } from './words';

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

function refusedCell(r: { aliveAfter: number; minLive: number }): string {
  return `min_live: ${r.aliveAfter} alive < ${r.minLive}`;
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

/** The replica picture with each node's data and disk fill before/after, where its replica server reported them. */
function withFill(d: DistributionVisual, plan: ScalePlan): DistributionVisual {
  if (!plan.disks?.length) return d;
  const byNode = new Map(plan.disks.map((x) => [x.node, x]));
  return {
    ...d,
    title: 'Replicas, data and disk fill per node: now and after the plan',
    ...(plan.fillLevels ? { fillLimitPct: plan.fillLevels.limit, fillWarnPct: plan.fillLevels.warn } : {}),
    nodes: d.nodes.map((n) => {
      const f = byNode.get(n.address);
      return f
        ? {
            ...n,
            fill: {
              dataBefore: f.dataBefore,
              dataAfter: f.dataAfter,
              totalBytes: f.totalBytes,
              usedBefore: f.usedBefore,
              usedAfter: f.usedAfter,
            },
          }
        : n;
    }),
  };
}

export function planVisual(plan: ScalePlan, state: ClusterState): PlanVisual {
  const distribution = withFill(
    distributionOf(
      'Replicas per node: now and after the plan',
      nodeLoads(state).values(),
      predictedLoads(state, plan),
      { leaving: plan.leaving, joining: plan.joining },
      { before: 'now', after: 'planned' },
    ),
    plan,
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
      ...(s.refused ? { refused: refusedCell(s.refused) } : {}),
      ...(s.fill?.length
        ? {
            fill: s.fill.map((f) => ({
              node: f.node,
              pctBefore: fillPct(f.usedBefore, f.totalBytes),
              pctAfter: fillPct(f.usedAfter, f.totalBytes),
            })),
          }
        : {}),
    })),
    distribution,
    problems: plan.problems.map((p) => refusalWords(p).reason),
  };
}

export function planTables(plan: ScalePlan, say: Narrator = new Narrator()): TableData[] {
  const said = (xs: readonly (string | undefined)[], label: string): (readonly [string, string])[] =>
    xs.filter((x): x is string => x !== undefined).map((x) => [label, x] as const);
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
    ...said(
      plan.notes.map((n) => say.note(n)),
      'assumption',
    ),
    ...plan.problems.map((p) => {
      const w = refusalWords(p);
      return ['PROBLEM', `${w.reason}; fix: ${w.fix}`] as const;
    }),
    ...said(
      plan.warnings.map((w) => say.note(w)),
      'WARNING',
    ),
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
      s.refused ? `REFUSED: ${refusedCell(s.refused)}` : s.freezeAfter.frozen ? 'FROZEN' : s.freezeAfter.margin,
      s.lowerPctTo !== undefined ? `lower to ${s.lowerPctTo}` : s.freezeAfter.pct,
    ]),
  };
  return [summary, steps];
}

export function refusalTable(refusals: readonly Refusal[]): TableData {
  return {
    title: 'refused',
    columns: ['code', 'reason', 'fix'],
    rows: refusals.map((r) => {
      const w = refusalWords(r);
      return [r.code, w.reason, w.fix];
    }),
  };
}

export function distributionVisual(
  title: string,
  /** The state read before, or the loads the engine journaled when the run first began (a resumed run's whole before). */
  before: ClusterState | readonly LoadLike[] | undefined,
  after: ClusterState,
  marks: { leaving?: readonly string[]; joining?: readonly string[] },
): DistributionVisual {
  const b =
    before === undefined ? undefined : Array.isArray(before) ? (before as readonly LoadLike[]) : nodeLoads(before as ClusterState).values();
  return distributionOf(title, b ?? nodeLoads(after).values(), b ? nodeLoads(after).values() : undefined, marks);
}

/** An operation's result: outcome, what happened, the cluster now, settings left, stats; each thing said once in this output. */
export function operationResult(
  command: string,
  r: OperationResult,
  visual: DistributionVisual | undefined,
  say: Narrator = new Narrator(),
): CommandResult {
  const ok = r.outcome === 'done';
  const pairs: [string, string | number][] = [['outcome', r.outcome]];
  if (r.error !== undefined)
    pairs.push([
      'what happened',
      `${r.beforeAnyChange ? 'before it changed anything: ' : ''}${r.error}${r.diagnosis ? `\n${formatDiagnosis(r.diagnosis)}` : ''}`,
    ]);
  if (r.added?.length) pairs.push(['added', r.added.join(', ')]);
  for (const n of r.notes) {
    const w = say.note(n);
    if (w !== undefined) pairs.push(['note', w]);
  }
  pairs.push(['cluster now', r.outcome === 'refused' ? 'unchanged (nothing was done)' : stateWords(r.cluster)]);
  if (r.run) pairs.push(['journal run', r.run]);
  if (r.stats.primariesMoved || r.stats.copiesProposed || r.stats.bytesCopied) {
    pairs.push(
      ['primaries moved', r.stats.primariesMoved],
      ['copies proposed', r.stats.copiesProposed],
      ['bytes copied', bytesCopiedWords(r.stats)],
    );
  }
  pairs.push(['elapsed', fmtDuration(r.stats.elapsedMs / 1000)]);
  for (const s of r.settingsLeft) {
    const why = say.note(s.reason);
    pairs.push([`left changed: ${s.name}`, `${s.value} (was ${s.original})${why ? `: ${why}` : ''}`]);
  }
  if (r.outcome !== 'refused' && r.settingsLeft.length === 0 && r.op !== 'freeze-check')
    pairs.push(['settings', 'every setting the run changed is restored']);
  const tables: TableData[] = [keyValueTable(command, pairs)];
  if (r.refusals.length) tables.push(refusalTable(r.refusals));
  return result(command, { ...r, ...(visual ? { visual } : {}) }, tables, {
    ok,
    summary: operationSummary(command, r),
    changed: r.outcome !== 'refused',
  });
}

/** One line that adds to the tables instead of repeating them: outcome, time, what is left. */
function operationSummary(command: string, r: OperationResult): string {
  const codes = r.refusals.map((x) => x.code).join(', ');
  if (r.outcome === 'refused') return `${command} refused (${codes})`;
  const left = r.settingsLeft.length ? `; ${r.settingsLeft.length} setting(s) left changed` : '';
  const notes = r.notes.length ? ` (${r.notes.map((n) => n.code).join(', ')})` : '';
  const why = r.outcome === 'failed' && codes ? ` (${codes})` : '';
  return `${command} ${r.outcome} after ${fmtDuration(r.stats.elapsedMs / 1000)}${why}${notes}${left}`;
}

/** Bytes copied as measured, or, for the part no learning counter was read for, labelled as an estimate. */
function bytesCopiedWords(s: OperationResult['stats']): string {
  if (s.bytesEstimated <= 0) return fmtBytes(s.bytesCopied);
  if (s.bytesEstimated >= s.bytesCopied)
    return `~${fmtBytes(s.bytesCopied)} (estimated from replica sizes: the replica servers' learning counters were not read)`;
  return `${fmtBytes(s.bytesCopied)} (${fmtBytes(s.bytesEstimated)} of it estimated from replica sizes)`;
}

/**
 * One engine event as a progress line, or undefined when it has nothing new to say (a step that
 * only started, a note this output already gave).
 */
export function eventLine(e: EngineEvent, say: Narrator): string | undefined {
  switch (e.kind) {
    case 'progress':
      return progressWords(e.progress);
    case 'step':
      if (e.status === 'started') return undefined;
      if (e.status === 'skipped') return `${e.step}: already done (journal)`;
      if (e.status === 'failed') return `${e.step}: failed`;
      return e.detail ? say.once(`${e.step}: ${e.detail}`) : undefined;
    case 'setting':
      return `${e.name}: ${e.from || "''"} -> ${e.to || "''"} (${whyWords(e.why)})`;
    case 'leader':
      return e.reapplied.length
        ? `meta leader ${e.leader}: re-applied ${e.reapplied.map((x) => `${x.name}=${x.value} (found ${x.found})`).join(', ')}`
        : `meta leader ${e.leader}: the settings in force match the journal`;
    case 'stuck':
      return `no progress for ${fmtDuration(e.stalledSeconds)} waiting for ${e.waitingFor}\n${formatDiagnosis(e.diagnosis)}`;
    case 'operator':
      return e.message;
    case 'info':
    case 'warning':
      return say.note(e.note);
  }
}

/** The rehearsal on the twin as a table. */
export function rehearsalTable(r: Rehearsal, say: Narrator): TableData {
  const noPri = r.partitionSecondsWithoutPrimary;
  const explained =
    noPri <= 0
      ? 'no partition was ever without a primary'
      : r.primarySwitches > 0 && noPri / r.primarySwitches < 2
        ? `${noPri.toFixed(1)} partition-second(s) without a primary come from the ${r.primarySwitches} move_pri role switch(es) (about ${(noPri / r.primarySwitches).toFixed(2)} s each: the old primary steps down, the secondary takes over); no primary was lost`
        : `${noPri.toFixed(1)} partition-second(s) without a primary, more than ${r.primarySwitches} move_pri role switch(es) explain: check the rehearsal's log for a primary lost with a stopped node`;
  const even = {
    asked: 'asked for',
    dropped: `${r.dropped ?? 0} replica(s) sit on nodes that are not alive`,
    'not-loaded': 'the twin did not load it exactly',
  };
  return keyValueTable('rehearsal on a simulated twin', [
    ['outcome', r.outcome],
    ...(r.error !== undefined ? [['error', r.error] as [string, string]] : []),
    ...r.refusals.map((x) => ['refused', refusalWords(x).reason] as [string, string]),
    ['replicas copied', r.replicasCopied],
    ['bytes copied', fmtBytes(r.bytesCopied)],
    ['simulated duration', `${Math.round(r.simulatedSeconds)} s`],
    ['partition-seconds without a primary', `${Number(noPri.toFixed(1))}: ${explained}`],
    ['seconds frozen', Number(r.frozenSeconds.toFixed(1))],
    [
      'settings left changed',
      r.settingsLeft.length
        ? r.settingsLeft
            .map((l) => {
              const why = say.note(l.reason);
              return `${l.name}=${l.value}${why ? ` (${why})` : ''}`;
            })
            .join('; ')
        : 'none',
    ],
    [
      'twin',
      `${r.shape.nodes} nodes, ${r.shape.tables} table(s), ${r.placement === 'live' ? 'the live placement' : `placed evenly (not the live placement: ${even[r.evenBecause ?? 'not-loaded']})`}; ` +
        `pct ${r.shape.pct}, min_live ${r.shape.minLive}, replica size ${r.shape.replicaSizeMb} MB, copy rate ${r.shape.copyRateMb} MB/s, version ${r.shape.version}`,
    ],
  ]);
}

/** The freeze-check text: the min-live source, the state now, one line per removal, the verdict. */
export function freezeCheckLines(d: FreezeCheckData, say: Narrator): { lines: string[]; verdict: string } {
  const ml = say.note(d.minLive.note);
  const now = d.now;
  const k = d.schedule.length;
  const verdict =
    d.pctAllowingRemoval === null
      ? `no meta.live_percentage avoids the freeze: fewer than ${d.minLive.value} nodes would be alive`
      : d.pctAllowingRemoval >= now.pct
        ? `the current threshold ${now.pct} is fine for all ${k} removal(s)`
        : `the engine lowers meta.live_percentage step by step, to ${d.pctAllowingRemoval} at the lowest; it stays lowered until the metas restart`;
  const lines = [
    ...(ml ? [ml] : []),
    `now: alive ${now.alive}, dead ${now.dead}, meta.live_percentage ${now.pct}, min_live ${d.minLive.value}: ${now.frozen ? 'FROZEN' : `not frozen, margin ${now.margin}`}`,
    ...d.schedule.map(
      (s) =>
        `after removing ${s.node ?? s.removed}: alive ${s.alive}, dead ${s.dead} (${s.aliveShare.toFixed(1)}% alive) ${s.frozen ? `FREEZES (${s.reasons.join(', ')})` : 'ok'}; largest safe pct ${s.largestSafePct ?? 'none (min_live)'}`,
    ),
    verdict,
  ];
  return { lines, verdict };
}

/** A progress picture and line from an engine progress event. */
export function progressVisual(title: string, p: Progress, message: string = progressWords(p)): ProgressVisual {
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
  return progressWords(p);
}
