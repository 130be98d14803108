/**
 * Runs one code cell: parse every command line (syntax errors with line and column, before
 * anything runs), confirm where needed, run the lines one after another through the shared
 * command layer, and turn the results into outputs (markdown table, JSON alternative, picture).
 * Used by the notebook controller and `pegasus-ops run` alike; hosts only supply the context,
 * the confirmation UI and where progress goes.
 */
import {
  CommandDeclinedError,
  CommandSyntaxError,
  describeError,
  OperationCancelledError,
  type ErrorDescription,
} from '../commands/errors';
import { resultToMarkdown } from '../commands/format';
import { isMutating, parseScript, type ParsedCommand } from '../commands/parser';
import type { CommandRegistry } from '../commands/registry';
import { runParsed } from '../commands/run';
import type { CommandContext, CommandResult, ConfirmRequest, ProgressEvent } from '../commands/types';
import type { CellOptions } from './cellOptions';
import { RUNBOOK_MIME, visualSchema, type ResultVisual, type Visual } from './visual';

export type OutputItem =
  | { readonly mime: 'text/markdown' | 'text/plain'; readonly data: string }
  | { readonly mime: 'application/json' | typeof RUNBOOK_MIME; readonly data: unknown };

/** One output of a cell: alternative renderings of the same thing (the editor picks the richest). */
export interface CellOutput {
  readonly kind: 'result' | 'error' | 'notice';
  readonly items: readonly OutputItem[];
}

export type CellStatusResult = 'succeeded' | 'failed' | 'cancelled';

export interface CellRunResult {
  readonly status: CellStatusResult;
  readonly results: readonly CommandResult[];
  readonly outputs: readonly CellOutput[];
  readonly error?: ErrorDescription & { readonly line?: number; readonly column?: number };
  /** One line for the run log and the CLI. */
  readonly summary: string;
  /** True when any command changed (or asked the meta to change) the cluster. */
  readonly changed: boolean;
}

export interface CellRunEnv {
  readonly registry: CommandRegistry;
  /** The context minus what the run supplies itself. */
  readonly context: Omit<CommandContext, 'signal' | 'progress' | 'confirm'>;
  readonly signal: AbortSignal;
  readonly progress: (e: ProgressEvent) => void;
  /** Asks the operator; hosts without one (CI) answer from `--yes`. */
  readonly confirm: (req: ConfirmRequest) => Promise<boolean>;
  /** Each command's result as it completes (multi-line cells show results as they come). */
  readonly onResult?: (r: CommandResult, index: number, outputs: readonly CellOutput[]) => void;
  /**
   * After a cancel, what the cluster looks like now, in words (the operator must know where it
   * was left). Called with a fresh signal; failures are reported, not thrown.
   */
  readonly describeState?: (signal: AbortSignal) => Promise<string>;
}

/** Outputs for one command result: markdown table + JSON alternative, plus a picture when the data has one. */
export function outputsForResult(r: CommandResult): CellOutput[] {
  const picture = visualOf(r.data);
  const result: ResultVisual = {
    view: 'result',
    command: r.command,
    ok: r.ok,
    ...(r.summary !== undefined ? { summary: r.summary } : {}),
    tables: r.tables.map((t) => ({
      ...(t.title !== undefined ? { title: t.title } : {}),
      columns: [...t.columns],
      rows: t.rows.map((row) => [...row]),
      ...(t.kind ? { kind: t.kind } : {}),
    })),
    ...(r.tables.length === 0 ? { text: r.text } : {}),
    ...(picture ? { picture } : {}),
  };
  const items: OutputItem[] = [
    { mime: RUNBOOK_MIME, data: result },
    { mime: 'text/markdown', data: resultToMarkdown(r) },
    { mime: 'application/json', data: r.data ?? null },
  ];
  return [{ kind: r.ok ? 'result' : 'error', items }];
}

/** A picture embedded in a result's data (`{ visual: … }`), when valid. */
export function visualOf(data: unknown): Exclude<Visual, ResultVisual> | undefined {
  if (!data || typeof data !== 'object' || !('visual' in data)) return undefined;
  const v = visualSchema.safeParse((data as { visual: unknown }).visual);
  return v.success && v.data.view !== 'result' ? v.data : undefined;
}

function errorOutput(title: string, e: ErrorDescription, extra?: string): CellOutput {
  const md = `**${title}**: ${e.message.replace(/\n/g, '  \n')}\n\n_Fix:_ ${e.fix}${extra ? `\n\n${extra}` : ''}`;
  // Markdown only: editors prefer application/json over markdown, and an error must read as prose.
  return { kind: 'error', items: [{ mime: 'text/markdown', data: md }] };
}

function isAbort(err: unknown, signal: AbortSignal): boolean {
  return signal.aborted || (err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError'));
}

/**
 * Runs a cell's text. Never throws for command failures: the result says what happened. The
 * status is `cancelled` when the signal fired (including timeouts; the queue tells them apart).
 */
export async function runCell(text: string, options: CellOptions & { production?: boolean }, env: CellRunEnv): Promise<CellRunResult> {
  const parsed = parseScript(env.registry, text);
  if (!parsed.ok) {
    const first = parsed.errors[0]!;
    const outputs = parsed.errors.map((e) => errorOutput(`Syntax error${e.line > 1 ? '' : ' (line 1)'}`, describeError(e)));
    return {
      status: 'failed',
      results: [],
      outputs,
      error: { ...describeError(first), line: first.line, column: first.column },
      summary: `syntax error at line ${first.line}, column ${first.column}: ${first.message}`,
      changed: false,
    };
  }
  if (parsed.commands.length === 0) {
    return { status: 'succeeded', results: [], outputs: [], summary: 'nothing to run (empty cell)', changed: false };
  }
  const production = options.production === true;
  const anyMutating = parsed.commands.some((c) => isMutating(c.spec, c.args));
  const confirm = (req: ConfirmRequest): Promise<boolean> =>
    // `confirm: false` skips the question, except on production clusters which always ask.
    options.confirm === false && !production && !req.production ? Promise.resolve(true) : env.confirm(req);

  const results: CommandResult[] = [];
  const outputs: CellOutput[] = [];
  let changed = false;
  const ctx: CommandContext = { ...env.context, signal: env.signal, progress: env.progress, confirm };
  try {
    if (options.confirm === true && !anyMutating) {
      // The author asked for a confirmation on a cell that changes nothing by itself.
      const lines = parsed.commands.map((c) => c.args.line.trim()).join('; ');
      const ok = await env.confirm({ cluster: env.context.profile.name, command: lines, change: `run ${lines}`, production });
      if (!ok) throw new CommandDeclinedError(lines);
    }
    for (const [i, cmd] of parsed.commands.entries()) {
      env.signal.throwIfAborted();
      const r = await runParsed(ctx, cmd as ParsedCommand);
      results.push(r);
      changed ||= r.changed === true;
      const o = outputsForResult(r);
      outputs.push(...o);
      env.onResult?.(r, i, o);
      if (!r.ok) {
        return { status: 'failed', results, outputs, summary: `line ${cmd.line}: ${r.summary ?? `${cmd.args.command} failed`}`, changed };
      }
    }
  } catch (err) {
    if (isAbort(err, env.signal)) {
      const reason: unknown = env.signal.reason;
      const why = reason instanceof Error && reason.name === 'TimeoutError' ? reason.message : 'cancelled';
      let state = '';
      if (env.describeState) {
        try {
          state = await env.describeState(AbortSignal.timeout(10_000));
        } catch (e) {
          state = `The cluster's state could not be read after the cancel (${describeError(e).message}); check it with \`nodes -d\` and \`ls -d\`.`;
        }
      }
      const e: ErrorDescription = {
        name: why === 'cancelled' ? 'Cancelled' : 'Timeout',
        message: `${why === 'cancelled' ? 'stopped' : why} while running \`${parsed.commands[results.length]?.args.line.trim() ?? ''}\`.`,
        fix: 'run the cell again to continue; finished steps are not repeated (the journal keeps them)',
      };
      const still = err instanceof OperationCancelledError && err.still ? `**Still moving at the cancel:** ${err.still}` : '';
      const extra = [still, state ? `**Cluster now:** ${state}` : ''].filter(Boolean).join('\n\n');
      outputs.push(errorOutput(why === 'cancelled' ? 'Cancelled' : 'Timed out', e, extra || undefined));
      return { status: 'cancelled', results, outputs, error: e, summary: `${why}${state ? `; ${state}` : ''}`, changed };
    }
    const d = describeError(err);
    if (err instanceof CommandDeclinedError) {
      outputs.push(errorOutput('Not confirmed', d));
      return { status: 'failed', results, outputs, error: d, summary: d.message, changed };
    }
    const line = parsed.commands[results.length]?.line;
    outputs.push(errorOutput(`${d.name}${line ? ` (line ${line})` : ''}`, d));
    return {
      status: 'failed',
      results,
      outputs,
      error: err instanceof CommandSyntaxError ? { ...d, line: err.line, column: err.column } : { ...d, ...(line ? { line } : {}) },
      summary: `${line ? `line ${line}: ` : ''}${d.name}: ${d.message}`,
      changed,
    };
  }
  const last = results[results.length - 1]!;
  const summary =
    results.length === 1 ? (last.summary ?? `${last.command}: ok`) : `${results.length} commands ok; last: ${last.summary ?? last.command}`;
  return { status: 'succeeded', results, outputs, summary, changed };
}

/**
 * Whether an event is a progress update (a moving number, thinned out by hosts) rather than a
 * message worth keeping (step done, setting changed, operator instruction), which is never dropped.
 */
export function isProgressUpdate(e: ProgressEvent): boolean {
  const kind = (e.data as { event?: { kind?: unknown } } | undefined)?.event?.kind;
  return kind === 'progress' || (kind === undefined && e.fraction !== undefined);
}

/** Progress events thinned out so a chatty step cannot flood the editor: at most one per `intervalMs`, the last one always delivered. */
export function throttle<T>(
  fn: (v: T) => void,
  intervalMs: number,
  now: () => number = Date.now,
): { push(v: T): void; flush(): void; cancel(): void } {
  let last = -Infinity;
  let pending: { v: T } | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const fire = () => {
    timer = undefined;
    if (pending) {
      const { v } = pending;
      pending = undefined;
      last = now();
      fn(v);
    }
  };
  return {
    push(v: T) {
      pending = { v };
      const wait = last + intervalMs - now();
      if (wait <= 0) {
        if (timer) clearTimeout(timer);
        fire();
      } else if (!timer) timer = setTimeout(fire, wait);
    },
    flush() {
      if (timer) clearTimeout(timer);
      fire();
    },
    cancel() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      pending = undefined;
    },
  };
}
