/**
 * The engine's steps as commands of the cell language: plan, preflight, scale-in, scale-out,
 * migrate, drain-node, stop-node, start-node, wait-healthy, rebalance, restart-meta,
 * restore-settings, freeze-check. Each one runs the scale engine (src/engine) with the context's
 * cluster, journal and cancellation, streams its progress, and returns tables plus a picture.
 */
import { isHostPort } from '../../cluster/address';
import { fmtBytes } from '../../cluster/units';
import { EngineError, type EngineEvent, type FreezeCheckData, type OperationSpec } from '../../engine/engine';
import type { ClusterState } from '../../engine/ports';
import { CommandError, OperationCancelledError } from '../errors';
import { keyValueTable } from '../format';
import { argError } from '../parser';
import { defineCommand, type ArgsOf } from '../define';
import type { CommandRegistry } from '../registry';
import type { CommandContext, CommandResult, CommandSpec, FlagSpec, ParsedArgs, PositionalSpec } from '../types';
import {
  distributionVisual,
  eventLine,
  freezeCheckLines,
  operationResult,
  planTables,
  planVisual,
  progressLine,
  progressVisual,
  refusalTable,
  rehearsalTable,
} from './present';
import { result } from '../result';
import { Narrator, noteWords, previewWords, refusalWords, stateWords } from './words';
import { engineFlagOptions, engineFlags, type EngineFlagOptions } from './engineFlags';
import { engineFor, operationAddresses } from './services';

export type { StepServices } from './services';

const nodesFlag = <const R extends boolean>(required: R, description: string) =>
  ({
    name: 'nodes',
    type: 'list',
    valueName: 'addr,...',
    complete: 'node',
    required,
    description,
  }) as const satisfies FlagSpec;
const fromFlag = {
  name: 'from',
  type: 'list',
  valueName: 'addr,...',
  complete: 'node',
  required: true,
  description: 'the nodes leaving (host:port, comma separated)',
} as const satisfies FlagSpec;
const toFlag = {
  name: 'to',
  type: 'list',
  valueName: 'addr,...',
  complete: 'node',
  description: 'the nodes taking their place (host:port, comma separated)',
} as const satisfies FlagSpec;
const countFlag = {
  name: 'count',
  type: 'integer',
  valueName: 'n',
  description: 'add this many new nodes (node control that can create nodes, e.g. the simulator)',
} as const satisfies FlagSpec;
const nodePos = (what: string) =>
  ({
    name: 'node',
    type: 'string',
    valueName: 'host:port',
    complete: 'node',
    required: true,
    description: what,
  }) as const satisfies PositionalSpec;
const opPos = {
  name: 'operation',
  type: 'enum',
  values: ['scale-in', 'scale-out', 'migrate'],
  required: true,
  description: 'the operation: scale-in, scale-out or migrate',
} as const satisfies PositionalSpec;

const rehearseFlag = {
  name: 'rehearse',
  type: 'boolean',
  description:
    'also run the operation on a simulated twin of the cluster (same nodes, tables, placement and threshold) and report what happened there',
} as const satisfies FlagSpec;

/** The flags an operation is described by; each command declares some of them (the rest read as absent). */
interface OpFlags {
  readonly nodes?: readonly string[] | undefined;
  readonly from?: readonly string[] | undefined;
  readonly to?: readonly string[] | undefined;
  readonly count?: number | undefined;
  readonly 'no-rebalance'?: boolean;
}

type Operation = (typeof opPos.values)[number];

/** The operation a plan/preflight line or an operation step describes. */
function specOf<O extends Operation>(op: O, a: ParsedArgs<OpFlags>): Extract<OperationSpec, { op: O }>;
function specOf(op: Operation, a: ParsedArgs<OpFlags>): OperationSpec {
  const { nodes, from, to, count } = a.values;
  switch (op) {
    case 'scale-in':
      return { op: 'scale-in', nodes: nodes ?? [] };
    case 'scale-out':
      return {
        op: 'scale-out',
        ...(nodes ? { nodes } : {}),
        ...(count !== undefined ? { count } : {}),
        ...(a.values['no-rebalance'] ? { rebalance: false } : {}),
      };
    case 'migrate':
      return { op: 'migrate', from: from ?? [], ...(to ? { to } : {}), ...(count !== undefined ? { count } : {}) };
  }
}

/** Cross-flag rules shared by plan/preflight and the operations themselves. */
function validateOp(spec: CommandSpec, op: Operation, a: ParsedArgs<OpFlags>): void {
  if (op === 'scale-in' && !a.given.has('nodes'))
    throw argError(spec, a, 'nodes', 'scale-in needs --nodes <addr,...>: the nodes to remove');
  if (op === 'scale-out' && !a.given.has('nodes') && !a.given.has('count'))
    throw argError(spec, a, 'nodes', 'scale-out needs --nodes <addr,...> (the new nodes) or --count <n>');
  if (op === 'migrate') {
    if (!a.given.has('from')) throw argError(spec, a, 'from', 'migrate needs --from <addr,...>: the nodes leaving');
    if (!a.given.has('to') && !a.given.has('count'))
      throw argError(spec, a, 'to', 'migrate needs --to <addr,...> (the new nodes) or --count <n>');
  }
  if (a.values.count !== undefined && a.values.count < 1) throw argError(spec, a, 'count', '--count must be at least 1');
  const nodes = [...(a.values.nodes ?? []), ...(a.values.from ?? []), ...(a.values.to ?? [])];
  const bad = nodes.find((n) => !isHostPort(n));
  if (bad !== undefined)
    throw argError(
      spec,
      a,
      a.given.has('nodes') ? 'nodes' : 'from',
      `'${bad}' is not a node address: expected host:port such as 10.0.0.1:34801`,
    );
  const from = new Set(a.values.from ?? []);
  const both = (a.values.to ?? []).find((n) => from.has(n));
  if (both) throw argError(spec, a, 'to', `${both} is both leaving (--from) and joining (--to)`);
}

function describeOp(s: OperationSpec): string {
  switch (s.op) {
    case 'scale-in':
      return `remove ${s.nodes.join(', ')} one at a time (primaries moved away first, replicas re-created on the other nodes, then each process stopped through node control). During the run: meta level steady, secondary black list = the leaving nodes, assign_delay_ms lowered; restored from the journal at the end.`;
    case 'scale-out':
      return `${s.nodes?.length ? `start ${s.nodes.join(', ')}` : `add ${s.count} new node(s)`} through node control, wait until ALIVE${s.rebalance === false ? '' : ', then set the meta level to lively until balanced and back to steady'}.`;
    case 'migrate':
      return `add ${s.to?.length ? s.to.join(', ') : `${s.count} new node(s)`} without rebalancing, remove ${s.from.join(', ')} one at a time (black list, lowered assign delay), then rebalance; every setting restored from the journal.`;
    case 'drain-node':
      return `move every primary and replica off ${s.node} (the process keeps running)`;
    case 'stop-node':
      return s.force
        ? `stop the replica server ${s.node} through node control at once, whatever it still holds`
        : `hand the primaries of ${s.node} over to secondaries (no copy), then stop the replica server through node control; the meta's cure re-creates its secondaries elsewhere`;
    case 'start-node':
      return `start the replica server ${s.node} through node control`;
    case 'rebalance':
      return `set the meta level to lively until replicas and primaries are balanced, then back to steady`;
    case 'restart-meta':
      return `restart the meta servers one at a time (forgets removed nodes and every runtime setting)`;
    case 'restore-settings':
      return `give back every setting the journal says was changed and not yet restored`;
    case 'wait-healthy':
      return `wait for every partition to be fully healthy`;
  }
}

/**
 * Engine events as progress of the command context (throttling is the host's job). Events with
 * nothing new to say in this output (a step only started, a note already given) print nothing.
 */
function bridge(ctx: CommandContext, title: string, say: Narrator): (e: EngineEvent) => void {
  let lastCounts = '';
  return (e) => {
    if (e.kind === 'progress') {
      // A poll that moved nothing (only the rate or ETA changed) is not news.
      const { rate: _rate, etaSeconds: _eta, elapsedSeconds: _el, ...counts } = e.progress;
      const key = JSON.stringify(counts);
      if (key === lastCounts) return;
      lastCounts = key;
      const line = progressLine(e.progress);
      const fraction = e.progress.bytesPlanned > 0 ? Math.min(1, e.progress.bytesCopied / e.progress.bytesPlanned) : undefined;
      ctx.progress({
        message: line,
        ...(fraction !== undefined ? { fraction } : {}),
        data: { visual: progressVisual(title, e.progress, line), event: e },
      });
      return;
    }
    const line = eventLine(e, say);
    if (line !== undefined) ctx.progress({ message: line, data: { event: e } });
  };
}

async function readState(
  ctx: CommandContext,
  port: { readState(s?: AbortSignal): Promise<ClusterState> },
): Promise<ClusterState | undefined> {
  try {
    return await port.readState(ctx.signal);
  } catch {
    return undefined;
  }
}

function operationStep<const F extends readonly FlagSpec[], const P extends readonly PositionalSpec[]>(
  name: OperationSpec['op'],
  summary: string,
  flags: F,
  positionals: P,
  toSpec: (a: ArgsOf<NoInfer<F>, NoInfer<P>>) => OperationSpec,
  opts: {
    mutating?: boolean;
    description?: string;
    examples?: string[];
    validate?: (spec: CommandSpec, a: ArgsOf<NoInfer<F>, NoInfer<P>>) => void;
    /** For steps whose flags include `engineFlags`: their engine options (`engineFlagOptions`). */
    tuning?: (spec: CommandSpec, a: ArgsOf<NoInfer<F>, NoInfer<P>>) => EngineFlagOptions;
    step?: CommandSpec['step'];
  } = {},
): CommandSpec {
  const spec: CommandSpec = defineCommand({
    name,
    category: 'step',
    summary,
    ...(opts.description ? { description: opts.description } : {}),
    flags,
    positionals,
    ...(opts.examples ? { examples: opts.examples } : {}),
    ...(opts.step ? { step: opts.step } : {}),
    mutating: opts.mutating ?? true,
    describeChange: (a) => describeOp(toSpec(a)),
    async previewChange(ctx, a) {
      const op = toSpec(a);
      // Read only: its events would repeat what the run itself says.
      const { engine } = engineFor(
        ctx,
        () => undefined,
        operationAddresses(op as { nodes?: readonly string[] }),
        opts.tuning?.(spec, a) ?? {},
      );
      const p = await engine.previewChange(op, { resume: ctx.services?.steps?.resume === true, signal: ctx.signal });
      return previewWords(p, describeOp(op));
    },
    validate: (a) => {
      opts.validate?.(spec, a);
      opts.tuning?.(spec, a);
    },
    async execute(ctx, a): Promise<CommandResult> {
      const op = toSpec(a);
      const title = `${name} on ${ctx.profile.name}`;
      const say = new Narrator();
      const { engine, port } = engineFor(
        ctx,
        bridge(ctx, title, say),
        operationAddresses(op as { nodes?: readonly string[] }),
        opts.tuning?.(spec, a) ?? {},
      );
      const before = await readState(ctx, port);
      let r;
      try {
        r = await engine.run(op, { signal: ctx.signal, resume: ctx.services?.steps?.resume === true });
      } catch (e) {
        if (e instanceof EngineError)
          throw new CommandError(
            e.message,
            'EngineError',
            'see the diagnosis; fix the cause and run the cell again (finished steps are not repeated)',
          );
        throw e;
      }
      const after = await readState({ ...ctx, signal: AbortSignal.timeout(15_000) }, port);
      const leaving =
        op.op === 'scale-in' ? op.nodes : op.op === 'migrate' ? op.from : op.op === 'drain-node' || op.op === 'stop-node' ? [op.node] : [];
      const joining =
        op.op === 'scale-out' ? (op.nodes ?? []) : op.op === 'migrate' ? (op.to ?? []) : op.op === 'start-node' ? [op.node] : [];
      const visual = after
        ? distributionVisual(`Replicas per node: before and after ${name}`, r.before ?? before, after, { leaving, joining })
        : undefined;
      const res = operationResult(name, r, visual, say);
      if (r.outcome === 'cancelled') {
        // The queue classifies by the signal; this makes the cell's own error say where the cluster is.
        // What the meta was still moving is part of "where the cluster is": said before the summary.
        const moving = r.notes.find((n) => n.code === 'in-flight-at-cancel');
        const still = moving ? noteWords(moving) : undefined;
        throw new OperationCancelledError(`${name} cancelled. ${still ? `${still}. ` : ''}Cluster now: ${stateWords(r.cluster)}`, still);
      }
      return res;
    },
  });
  return spec;
}

// What help says each step changes; every sentence is checked against src/engine/ops/*.ts
// (scaleIn prepare, scaleOut startNodes, rebalance, nodeSteps freeze guard, metaRestart).
const SCALE_IN_SETTINGS = [
  'meta level steady (cure only, no balancing)',
  'meta.lb.assign_secondary_black_list = the leaving nodes',
  'meta.lb.assign_delay_ms lowered to 10',
  'meta.live_percentage lowered when a removal would freeze the meta (kept until the meta restart)',
];
const REBALANCE_SETTINGS = [
  'meta.lb.only_move_primary = true (new nodes take secondaries first)',
  'meta level lively until balanced, then steady',
];
const STEP_INFO = {
  scaleIn: { nodeControl: true, settings: SCALE_IN_SETTINGS },
  migrate: { nodeControl: true, settings: [...SCALE_IN_SETTINGS, ...REBALANCE_SETTINGS.map((x) => `${x} (the final rebalance)`)] },
  scaleOut: {
    nodeControl: true,
    settings: ['meta level steady while the nodes start', ...REBALANCE_SETTINGS.map((x) => `${x} (unless --no-rebalance)`)],
  },
  stopNode: {
    nodeControl: true,
    settings: ['meta.live_percentage lowered when the stop would freeze the meta (kept until the meta restart)'],
  },
  startNode: { nodeControl: true },
  restartMeta: { nodeControl: true, settings: ['every runtime setting is reset by the restart'] },
  drain: {
    settings: [
      'meta level steady',
      'meta.lb.assign_secondary_black_list = the node (both kept when it finishes, so no replica is placed on the drained node; stop-node or start-node of it, or restore-settings, gives them back)',
      'meta.lb.assign_delay_ms lowered to 10 (given back at the end)',
    ],
  },
  rebalance: { settings: REBALANCE_SETTINGS },
} as const satisfies Record<string, NonNullable<CommandSpec['step']>>;

export function stepSpecs(): CommandSpec[] {
  const planLike = (name: 'plan' | 'preflight'): CommandSpec => {
    const spec: CommandSpec = defineCommand({
      name,
      category: 'step',
      summary:
        name === 'plan'
          ? 'show what a scale operation would move, copy and take, and the freeze margin after every step'
          : 'check that a scale operation may start; refuses with the reason and the fix',
      flags: [
        nodesFlag(false, 'scale-in: the nodes leaving; scale-out: the nodes joining'),
        { ...fromFlag, required: false },
        toFlag,
        countFlag,
        ...engineFlags,
        ...(name === 'plan' ? [rehearseFlag] : []),
      ],
      positionals: [opPos],
      examples: [
        `${name} scale-in --nodes 10.0.0.1:34801,10.0.0.2:34801${name === 'plan' ? ' --rehearse' : ''}`,
        `${name} scale-out --nodes 10.0.0.9:34801`,
        `${name} migrate --from 10.0.0.1:34801 --to 10.0.0.9:34801`,
      ],
      mutating: false,
      validate: (a) => {
        validateOp(spec, a.values.operation, a);
        engineFlagOptions(spec, a);
      },
      async execute(ctx, a) {
        const op = specOf(a.values.operation, a);
        const say = new Narrator();
        const { engine, port } = engineFor(
          ctx,
          bridge(ctx, `${name} ${op.op}`, say),
          operationAddresses(op as { nodes?: readonly string[] }),
          engineFlagOptions(spec, a),
        );
        if (name === 'preflight') {
          const { refusals, minLive, warnings } = await engine.preflightReport(op, ctx.signal);
          const ok = refusals.length === 0;
          // Where min_live came from (read from the meta, or assumed and why) is shown either way:
          // an assumed value is itself a reason to check before a scale-in.
          const facts: [string, string][] = [['operation', op.op]];
          const ml = say.note(minLive.note);
          if (ml) facts.push(['min_live', ml]);
          for (const w of warnings) {
            const line = say.note(w);
            if (line) facts.push(['warning', line]);
          }
          const tables = ok
            ? [keyValueTable('preflight', [...facts, ['verdict', 'ready: nothing stands in the way']])]
            : [refusalTable(refusals), keyValueTable('checked with', facts)];
          return result(name, { operation: op, refusals, minLive, warnings }, tables, {
            ok,
            summary: ok
              ? `${op.op} may start${minLive.read ? '' : ` (min_live ${minLive.value} assumed)`}${warnings.length ? ` (${warnings.map((w) => w.code).join(', ')})` : ''}`
              : `${op.op} refused (${refusals.map((r) => r.code).join(', ')})`,
            changed: false,
          });
        }
        const state = await port.readState(ctx.signal);
        const plan = await engine.plan(op, ctx.signal);
        const visual = planVisual(plan, state);
        let ok = plan.problems.length === 0;
        const tables = planTables(plan, say);
        let rehearsal: Awaited<ReturnType<typeof engine.rehearse>> | undefined;
        if (a.values.rehearse === true && ok) {
          ctx.progress({ message: 'rehearsing on a simulated twin of the cluster…' });
          rehearsal = await engine.rehearse(op, { signal: ctx.signal });
          ok = rehearsal.outcome === 'done';
          tables.push(rehearsalTable(rehearsal, say));
        }
        const summary = !plan.problems.length
          ? `${plan.kind}: ${plan.primariesMoved} primaries moved, ${plan.copies} replicas copied (${fmtBytes(plan.bytes)})${rehearsal ? `; rehearsal ${rehearsal.outcome}: ${rehearsal.replicasCopied} replicas copied, ${rehearsal.frozenSeconds > 0 ? `FROZEN ${rehearsal.frozenSeconds.toFixed(0)} s` : 'never frozen'}` : ''}`
          : `plan impossible (${plan.problems.map((p) => p.code).join(', ')})`;
        return result(name, { plan, visual, ...(rehearsal ? { rehearsal } : {}) }, tables, { ok, summary, changed: false });
      },
    });
    return spec;
  };

  const freezeCheck: CommandSpec = defineCommand({
    name: 'freeze-check',
    category: 'step',
    summary: 'compute whether removing nodes one after another would freeze the meta server',
    description:
      'The meta freezes when alive*100 < pct*(alive+dead) or alive < min_live_node_count_for_unfreeze; removed nodes stay counted as dead until the meta restarts.',
    flags: [
      {
        name: 'remove',
        type: 'string',
        valueName: 'addr,...|n',
        complete: 'node',
        orCount: true,
        required: true,
        description: 'the nodes to remove (host:port, comma separated) or how many',
      },
    ],
    positionals: [],
    examples: ['freeze-check --remove 10.0.0.1:34801,10.0.0.2:34801', 'freeze-check --remove 3'],
    mutating: false,
    validate: (a) => {
      const v = a.values.remove.trim();
      if (
        !/^\d+$/.test(v) &&
        v
          .split(',')
          .filter(Boolean)
          .some((n) => !isHostPort(n.trim()))
      ) {
        throw argError(freezeCheck, a, 'remove', `--remove takes node addresses (host:port, comma separated) or a count, not '${v}'`);
      }
    },
    async execute(ctx, a) {
      const v = a.values.remove.trim();
      const remove = /^\d+$/.test(v)
        ? Number(v)
        : v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean);
      const say = new Narrator();
      const { engine } = engineFor(ctx, bridge(ctx, 'freeze-check', say));
      const r = await engine.freezeCheck(remove, ctx.signal);
      const d = r.data as FreezeCheckData;
      if (r.outcome === 'refused') {
        // An unknown address or more nodes than are alive: no schedule, the refusals say why.
        const rows: [string, string][] = r.refusals.map((p) => {
          const w = refusalWords(p);
          return ['PROBLEM', `${w.reason}; fix: ${w.fix}`];
        });
        const ml = say.note(d.minLive.note);
        if (ml) rows.push(['min_live', ml]);
        return result('freeze-check', r, [keyValueTable('freeze-check refused', rows)], {
          ok: false,
          summary: `freeze-check refused (${r.refusals.map((p) => p.code).join(', ')})`,
          changed: false,
        });
      }
      const table = {
        title: 'removing one after another',
        columns: ['removed', 'node', 'alive', 'dead', 'alive %', `verdict at pct ${d.now.pct}`, 'largest safe pct'],
        rows: d.schedule.map((s) => [
          s.removed,
          s.node ?? '-',
          s.alive,
          s.dead,
          s.aliveShare.toFixed(1),
          s.frozen ? `FREEZES (${s.reasons.join(', ')})` : 'ok',
          s.largestSafePct ?? 'none (min_live)',
        ]),
      };
      const { lines, verdict } = freezeCheckLines(d, say);
      const now = keyValueTable('now', [
        ['alive / dead', `${d.now.alive} / ${d.now.dead}`],
        ['meta.live_percentage', d.now.pct],
        ['state', d.now.frozen ? 'FROZEN' : `not frozen, margin ${d.now.margin}`],
        ['min_live', noteWords(d.minLive.note)],
        ['verdict', verdict],
      ]);
      // A freeze the engine can avoid is not a failure; one no threshold avoids (min-live) is.
      const ok = d.pctAllowingRemoval !== null;
      const short =
        d.pctAllowingRemoval === null
          ? 'freeze-check: no threshold avoids the freeze (min_live)'
          : d.pctAllowingRemoval >= d.now.pct
            ? `freeze-check: ${d.schedule.length} removal(s) fine at ${d.now.pct}`
            : `freeze-check: the threshold goes ${d.now.pct} -> ${d.pctAllowingRemoval}`;
      return result('freeze-check', r, [now, table], { ok, summary: short, changed: false, text: lines.join('\n') });
    },
  });

  const scaleIn = operationStep(
    'scale-in',
    'remove nodes one at a time: primaries moved first, replicas re-created elsewhere, process stopped, healthy again, next',
    [nodesFlag(true, 'the nodes to remove (host:port, comma separated)'), ...engineFlags],
    [],
    (a) => specOf('scale-in', a),
    {
      examples: [
        'scale-in --nodes 10.0.0.1:34801,10.0.0.2:34801',
        'scale-in --nodes 10.0.0.1:34801 --keep-margin 1 --replica-size 2GiB --copy-rate 80',
      ],
      validate: (s, a) => validateOp(s, 'scale-in', a),
      tuning: engineFlagOptions,
      step: STEP_INFO.scaleIn,
    },
  );
  const scaleOut = operationStep(
    'scale-out',
    'start new nodes, wait until ALIVE, rebalance until even, back to steady',
    [
      nodesFlag(false, 'the new nodes (host:port, comma separated)'),
      countFlag,
      { name: 'no-rebalance', type: 'boolean', description: 'only add the nodes; do not rebalance (node migration does this)' },
    ],
    [],
    (a) => specOf('scale-out', a),
    {
      examples: ['scale-out --nodes 10.0.0.9:34801', 'scale-out --count 2'],
      validate: (s, a) => validateOp(s, 'scale-out', a),
      step: STEP_INFO.scaleOut,
    },
  );
  const migrate = operationStep(
    'migrate',
    'replace nodes: scale out without rebalance, scale in the old ones, then rebalance',
    [fromFlag, toFlag, countFlag, ...engineFlags],
    [],
    (a) => specOf('migrate', a),
    {
      examples: ['migrate --from 10.0.0.1:34801 --to 10.0.0.9:34801'],
      validate: (s, a) => validateOp(s, 'migrate', a),
      tuning: engineFlagOptions,
      step: STEP_INFO.migrate,
    },
  );
  const drain = operationStep(
    'drain-node',
    "move a node's primaries and replicas to the other nodes (the process keeps running)",
    engineFlags,
    [nodePos('the node to drain')],
    (a) => ({ op: 'drain-node', node: a.values.node }),
    {
      tuning: engineFlagOptions,
      step: STEP_INFO.drain,
    },
  );
  const stop = operationStep(
    'stop-node',
    'hand its primaries over (move_pri), stop a replica server through node control and wait until the meta sees it gone',
    [
      {
        name: 'force',
        type: 'boolean',
        description: "stop it at once: no hand-over of its primaries, even when it holds a partition's only alive replica",
      },
    ],
    [nodePos('the node to stop')],
    (a) => ({ op: 'stop-node', node: a.values.node, ...(a.values.force ? { force: true } : {}) }),
    {
      step: STEP_INFO.stopNode,
    },
  );
  const start = operationStep(
    'start-node',
    'start a replica server through node control and wait until the meta lists it ALIVE',
    [],
    [nodePos('the node to start')],
    (a) => ({ op: 'start-node', node: a.values.node }),
    { step: STEP_INFO.startNode },
  );
  const waitHealthy = operationStep(
    'wait-healthy',
    'wait until every partition is fully healthy; says which partitions are stuck and why',
    [
      {
        name: 'timeout',
        type: 'duration',
        valueName: 'duration',
        default: 30 * 60_000,
        description: 'give up after this long (30m by default)',
      },
    ],
    [],
    (a) => ({ op: 'wait-healthy', timeoutMs: a.values.timeout }),
    { mutating: false, examples: ['wait-healthy', 'wait-healthy --timeout 2h'] },
  );
  const rebalance = operationStep(
    'rebalance',
    'set the meta level to lively until balanced, then back to steady',
    [],
    [],
    () => ({ op: 'rebalance' }),
    { step: STEP_INFO.rebalance },
  );
  const restartMeta = operationStep(
    'restart-meta',
    'restart the meta servers one at a time: forgets removed nodes and resets runtime settings',
    [],
    [],
    () => ({ op: 'restart-meta' }),
    { step: STEP_INFO.restartMeta },
  );
  const restore = operationStep(
    'restore-settings',
    'give back every setting the journal says was changed and not yet restored',
    [],
    [],
    () => ({ op: 'restore-settings' }),
  );
  return [
    planLike('plan'),
    planLike('preflight'),
    freezeCheck,
    scaleIn,
    scaleOut,
    migrate,
    drain,
    stop,
    start,
    waitHealthy,
    rebalance,
    restartMeta,
    restore,
  ];
}

/** Registers every step (called by `createRegistry` in src/commands/index.ts). */
export function registerSteps(registry: CommandRegistry): void {
  for (const s of stepSpecs()) registry.register(s);
}
