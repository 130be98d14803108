/**
 * Runs a whole runbook without an editor (`pegasus-ops run`, `npm start`, CI): every code cell in
 * order through the same queue, cell runner, engine and run log as the notebook. Progress goes to
 * `err` (stderr), results to `out` (stdout); the exit code says whether every cell succeeded.
 */
import { readFileSync, statSync } from 'node:fs';
import type { MetaClientLike } from '../cluster/client';
import { currentUser } from '../cluster/operator';
import type { ClusterProfile } from '../cluster/profile';
import { createRegistry, type CommandRegistry } from '../commands';
import { describeError } from '../commands/errors';
import { confirmExtras } from '../commands/confirm';
import { parseScript } from '../commands/parser';
import { terminalSafe } from '../commands/safeText';
import type { CommandResult, ConfirmRequest } from '../commands/types';
import type { StepServices } from '../commands/steps';
import { summarizeState } from '../engine/engine';
import { stateWords } from '../commands/steps/words';
import { simulatorTwin } from '../simulator/twin';
import type { EngineOptions } from '../engine/engine';
import { metaClusterPort } from '../engine/metaPort';
import { timeoutMs, type CellOptions } from './cellOptions';
import { formatProblem, type RunbookProblem } from './diagnostics';
import { isProgressUpdate, runCell, throttle } from './execute';
import { CELL_LANGUAGE, parseRunbook, type RunbookCell, type RunbookDocument } from './format';
import { CellTimeoutError, formatMs, RunQueue, type QueueTask, type TaskOutcome } from './queue';
import {
  checkRunLogWritable,
  describeCellRecord,
  findResumePoint,
  readCellRecords,
  RunLog,
  runLogPath,
  type CellEntry,
  type ResumePoint,
} from './runLog';
import { JournalFileError } from '../engine/journalFiles';

export interface HeadlessOptions {
  readonly file: string;
  readonly profile: ClusterProfile;
  readonly client: MetaClientLike;
  /** Answer yes to every confirmation on a cluster that is not production. */
  readonly yes?: boolean;
  /** Answer yes on a production cluster too (`--yes-production`); `--yes` alone never does. */
  readonly yesProduction?: boolean;
  /** Continue the run the journal says was interrupted or cancelled. */
  readonly resume?: boolean;
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
  /** Interactive question (a TTY); absent in CI, where changes need --yes. */
  readonly ask?: (question: string) => Promise<boolean>;
  /** Interactive free-text answer (a TTY): a production change asks for the cluster's name. */
  readonly askText?: (question: string) => Promise<string>;
  /** Cancels the running cell and everything after it (Ctrl+C, SIGTERM, SIGHUP). */
  readonly signal?: AbortSignal;
  readonly engineOptions?: EngineOptions;
  /** The commands cells may use; the built-in ones (`createRegistry()`) when absent. */
  readonly registry?: CommandRegistry;
  /** Progress lines at most this often (ms); default 1000. */
  readonly progressIntervalMs?: number;
}

export interface HeadlessOutcome extends TaskOutcome {
  /** 0-based index among all cells of the file (the run log's `index`). */
  readonly cell: number;
  /** The label every headless message uses: `[k/N] line L`. */
  readonly label: string;
  readonly summary?: string;
  /** Each command's result, in order (for recaps such as the demo's). */
  readonly results?: readonly CommandResult[];
}

export interface HeadlessResult {
  readonly exitCode: number;
  readonly outcomes: readonly HeadlessOutcome[];
  readonly journal: string;
}

/** Effective options of a cell: its own over the front matter's defaults. */
export function effectiveOptions(cell: RunbookCell, defaults: Partial<CellOptions> | undefined): CellOptions {
  return { ...(defaults ?? {}), ...(cell.options ?? {}) };
}

/**
 * Command syntax errors of every code cell, at their line and column in the file (a cell's line 1
 * is the line after its opening fence), so a typo in the last cell refuses the run before the
 * first cell changes anything.
 */
export function commandProblems(doc: RunbookDocument, registry: CommandRegistry): RunbookProblem[] {
  const out: RunbookProblem[] = [];
  for (const c of doc.cells) {
    if (c.kind !== 'code') continue;
    const parsed = parseScript(registry, c.value);
    if (parsed.ok) continue;
    const indent = c.code?.indent.length ?? 0;
    for (const e of parsed.errors) {
      out.push({ line: (c.line ?? 0) + e.line, column: e.column + indent, severity: 'error', message: e.message });
    }
  }
  return out;
}

/**
 * Numbering shared by every headless message: code cells that run-all runs, counted 1..N, plus the
 * file line of the cell's fence (`[3/10] line 42`). Markdown cells are never counted.
 */
export function cellLabels(doc: RunbookDocument): Map<number, string> {
  const runnable = doc.cells
    .map((c, index) => ({ c, index }))
    .filter(({ c }) => c.kind === 'code' && !effectiveOptions(c, doc.frontMatter.defaults).excludeFromRunAll);
  const labels = new Map<number, string>();
  runnable.forEach(({ c, index }, k) => labels.set(index, `[${k + 1}/${runnable.length}] line ${c.line ?? '?'}`));
  doc.cells.forEach((c, index) => {
    if (c.kind === 'code' && !labels.has(index)) labels.set(index, `[not in run-all] line ${c.line ?? '?'}`);
  });
  return labels;
}

/**
 * The runbook as text, or why it is not one: a FIFO or device would block or never end the read,
 * and UTF-16 or binary bytes parse into zero cells and a silent success.
 */
export function readRunbookText(file: string): { text: string } | { problem: string } {
  const st = statSync(file);
  if (!st.isFile()) return { problem: `${file} is not a regular file: give the path of a .runbook.md file` };
  const bytes = readFileSync(file);
  const save = 'save it as UTF-8 (e.g. iconv -f UTF-16 -t UTF-8, or "Save with Encoding" in the editor)';
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))
    return { problem: `${file} is UTF-16 (byte-order mark ${bytes[0] === 0xff ? 'FF FE' : 'FE FF'}), not UTF-8: ${save}` };
  const nul = bytes.indexOf(0);
  if (nul >= 0)
    return {
      problem: `${file} is not UTF-8 text: it has a NUL byte at offset ${nul} (binary, or UTF-16 without a byte-order mark): ${save}`,
    };
  try {
    return { text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes) };
  } catch {
    return { problem: `${file} is not valid UTF-8: ${save}` };
  }
}

function firstCommand(text: string): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .join(' ⏎ ');
}

export async function runRunbook(given: HeadlessOptions): Promise<HeadlessResult> {
  // Results, progress and error notes carry server text: every line printed goes through terminalSafe once.
  const o: HeadlessOptions = { ...given, out: (t) => given.out(terminalSafe(t)), err: (t) => given.err(terminalSafe(t)) };
  const registry = o.registry ?? createRegistry();
  const journal = runLogPath(o.file);
  const read = readRunbookText(o.file);
  if ('problem' in read) {
    o.err(`pegasus-ops run: ${read.problem}; nothing was run\n`);
    return { exitCode: 2, outcomes: [], journal };
  }
  const doc = parseRunbook(read.text);
  const problems = [...doc.problems, ...commandProblems(doc, registry)].sort((a, b) => a.line - b.line || a.column - b.column);
  for (const p of problems) o.err(formatProblem(p, o.file) + '\n');
  if (problems.some((p) => p.severity === 'error')) {
    o.err(`pegasus-ops run: ${o.file} has errors (above); nothing was run\n`);
    return { exitCode: 2, outcomes: [], journal };
  }
  if (!doc.cells.some((c) => c.kind === 'code')) {
    o.err(
      `pegasus-ops run: no cells found in ${o.file}: a runbook's commands go in \`\`\`${CELL_LANGUAGE} fenced code blocks; nothing was run\n`,
    );
    return { exitCode: 2, outcomes: [], journal };
  }
  try {
    checkRunLogWritable(journal);
  } catch (e) {
    if (!(e instanceof JournalFileError)) throw e;
    o.err(`pegasus-ops run: ${e.message}; ${e.fix}; nothing was run\n`);
    return { exitCode: 2, outcomes: [], journal };
  }
  const named = doc.frontMatter.cluster;
  if (named && named !== o.profile.name) {
    o.err(`note: the runbook names cluster "${named}"; running against "${o.profile.name}" as given on the command line\n`);
  }
  const production = o.profile.production === true || doc.frontMatter.production === true;
  const who = currentUser();
  const log = new RunLog(journal);
  const labels = cellLabels(doc);
  const labelOf = (index: number) => labels.get(index) ?? `line ${doc.cells[index]?.line ?? '?'}`;
  // The run log's own message counts markdown cells; headless output uses the shared label.
  const append = (e: CellEntry) => log.append(e, new Date(), describeCellRecord(e).replace(/\bcell \d+/, `cell ${labelOf(e.index)}`));

  let start = 0;
  const resumable = findResumePoint(readCellRecords(journal));
  const where = (p: ResumePoint) => `${labelOf(p.cell.index)} (\`${firstCommand(p.cell.command)}\`), ${p.how} at ${p.at}`;
  if (o.resume) {
    if (resumable) {
      start = resumable.cell.index;
      o.err(
        `resuming session ${resumable.session} from ${where(resumable)}; the cells before it are not run again, finished engine steps are not repeated\n`,
      );
    } else {
      o.err('nothing to resume: the run log has no interrupted or cancelled run; running every cell from the start\n');
    }
  } else if (resumable) {
    o.err(`warning: an earlier run stopped in ${where(resumable)}; pass --resume to continue it from there\n`);
  }

  const cells = doc.cells.map((c, index) => ({ c, index })).filter(({ c, index }) => c.kind === 'code' && index >= start);
  const runnable = cells.filter(({ c, index }) =>
    index === start && o.resume && resumable ? true : !effectiveOptions(c, doc.frontMatter.defaults).excludeFromRunAll,
  );
  // Only a real resume continues the engine's unfinished run; a fresh start is a fresh run.
  const resuming = o.resume === true && resumable !== undefined;
  const steps: StepServices = {
    journalPath: journal,
    who,
    ...(resuming ? { resume: true } : {}),
    ...(o.engineOptions ? { engineOptions: o.engineOptions } : {}),
    // plan --rehearse runs on the in-process simulator.
    rehearsalTwin: simulatorTwin(),
  };
  if (o.signal?.aborted) {
    o.err('cancelled before any cell ran; nothing was run\n');
    return { exitCode: 1, outcomes: [], journal };
  }
  const queue = new RunQueue();
  const onAbort = () => queue.cancelAll();
  o.signal?.addEventListener('abort', onAbort);

  const confirm = async (req: ConfirmRequest): Promise<boolean> => {
    const prod = req.production === true || production;
    if (prod) {
      if (o.yesProduction) {
        o.err(`  confirmed by --yes-production on ${req.cluster} (production): ${req.change}\n`);
        return true;
      }
      if (o.askText) {
        const typed = (
          await o.askText(`Cluster "${req.cluster}" is PRODUCTION: ${req.change}${confirmExtras(req)}\nType the cluster name to proceed: `)
        ).trim();
        if (typed === req.cluster) return true;
        o.err(`  not confirmed: typed ${JSON.stringify(typed)}, not "${req.cluster}"\n`);
        return false;
      }
      o.err(
        `  not confirmed: \`${req.command}\` changes ${req.cluster}, a production cluster; --yes does not cover production: ` +
          `pass --yes-production, or run at a terminal and type the cluster name\n`,
      );
      return false;
    }
    if (o.yes) {
      o.err(`  confirmed by --yes on ${req.cluster}: ${req.change}\n`);
      return true;
    }
    if (o.ask) return o.ask(`Cluster "${req.cluster}": ${req.change}${confirmExtras(req)}\nProceed? [y/N] `);
    o.err(`  not confirmed: \`${req.command}\` changes ${req.cluster}; pass --yes to allow changes in a non-interactive run\n`);
    return false;
  };

  const summaries = new Map<string, string>();
  const results = new Map<string, CommandResult[]>();
  const tasks: QueueTask[] = runnable.map(({ c, index }, k) => {
    const opts = effectiveOptions(c, doc.frontMatter.defaults);
    const t = timeoutMs(opts);
    const entry = (status: CellEntry['status'], extra: Partial<CellEntry> = {}): CellEntry => ({
      runbook: o.file,
      index,
      ...(c.line ? { line: c.line } : {}),
      ...(opts.name ? { name: opts.name } : {}),
      command: c.value,
      status,
      who,
      cluster: o.profile.name,
      host: 'cli',
      ...(k === 0 && resuming ? { resumes: resumable!.session } : {}),
      ...extra,
    });
    const label = `${labelOf(index)}${opts.name ? ` "${opts.name}"` : ''}`;
    return {
      id: String(index),
      ...(opts.continueOnError ? { continueOnError: true } : {}),
      ...(t !== undefined ? { timeoutMs: t } : {}),
      run: async ({ signal, order }) => {
        o.err(`▶ ${label}: ${firstCommand(c.value)}\n`);
        // stdout gets a header per cell so each table can be told apart.
        o.out(`## ${label} · ${firstCommand(c.value)}\n\n`);
        append(entry('started', { order }));
        const started = Date.now();
        let lastMsg = '';
        const progress = throttle<string>((m) => o.err(`  … ${m}\n`), o.progressIntervalMs ?? 1000);
        const got: CommandResult[] = [];
        results.set(String(index), got);
        const r = await runCell(
          c.value,
          { ...opts, production },
          {
            registry,
            context: { client: o.client, profile: o.profile, services: { steps } },
            signal,
            progress: (e) => {
              if (!e.message || e.message === lastMsg) return;
              lastMsg = e.message;
              if (isProgressUpdate(e)) progress.push(e.message);
              else {
                progress.flush(); // keep the order: pending progress first, then the message
                o.err(`  … ${e.message}\n`);
              }
            },
            confirm,
            onResult: (res) => {
              progress.flush(); // progress that came before the result is printed before it
              got.push(res);
              o.out(`${res.text}\n\n`);
            },
            describeState: async (sig) => stateWords(summarizeState(await metaClusterPort(o.client).readState(sig))),
          },
        );
        progress.flush();
        const ms = Date.now() - started;
        // Error notes (syntax, cancel, exceptions) go to stderr; a failed command's own table is already on stdout.
        for (const out of r.outputs)
          if (out.kind === 'error' && out.items.every((i) => typeof i.data === 'string'))
            o.err(`  ${errorText(out.items).replace(/\n+/g, '\n  ')}\n`);
        // A timeout is a failure (the queue counts it so): drawn, logged and summed as one.
        const timedOut = r.status === 'cancelled' && signal.reason instanceof CellTimeoutError;
        const status = timedOut ? 'failed' : r.status;
        const mark = status === 'succeeded' ? '✔' : status === 'cancelled' ? '■' : '✘';
        // The cell runner counts lines within the cell; headless output speaks in file lines.
        const multi = c.value.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#')).length > 1;
        const cellSummary = r.summary.replace(/^line (\d+): /, (_, n: string) => (multi && c.line ? `line ${c.line + Number(n)}: ` : ''));
        const summary = timedOut
          ? `${(signal.reason as Error).message}; ${cellSummary.replace(/^timed out after \S+;?\s*/, '')}`
          : cellSummary;
        o.err(`${mark} ${label} ${timedOut ? 'failed (timed out)' : status} in ${formatMs(ms)}: ${summary}\n`);
        summaries.set(String(index), summary);
        append(
          entry(status, {
            order,
            durationMs: ms,
            summary,
            ...(timedOut ? { error: (signal.reason as Error).message } : r.error ? { error: r.error.message } : {}),
          }),
        );
        if (status === 'cancelled') throw Object.assign(new Error(summary), { name: 'AbortError' });
        return status === 'succeeded';
      },
      skipped: (reason) => {
        const why =
          reason.kind === 'cancelled' ? 'cancelled before it started' : `not run: ${labelOf(Number(reason.after))} ${reason.status}`;
        o.err(`· ${label} skipped (${why})\n`);
        append(entry('skipped', { error: why }));
      },
    };
  });

  let outcomes: TaskOutcome[];
  try {
    outcomes = await queue.enqueue(tasks);
  } catch (e) {
    o.err(`pegasus-ops run: ${describeError(e).message}\n`);
    return { exitCode: 1, outcomes: [], journal };
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
  }
  const count = (s: string) => outcomes.filter((x) => x.status === s).length;
  const timeouts = outcomes.filter((x) => x.timedOut).length;
  const failed = count('failed') + count('cancelled');
  const total = runnable.length;
  o.err(
    `\n${total} cell(s)${resuming ? ` (resumed at ${labelOf(start)}; the cells before it were not run again)` : ''}: ${count('succeeded')} succeeded, ${count('failed')} failed${timeouts ? ` (${timeouts} timed out)` : ''}, ${count('cancelled')} cancelled, ${count('skipped')} skipped` +
      `${cells.length > total ? `, ${cells.length - total} excluded from run-all` : ''}. Run log: ${journal}\n`,
  );
  return {
    exitCode: failed > 0 || count('skipped') > 0 ? 1 : 0,
    outcomes: outcomes.map((x) => ({
      ...x,
      cell: Number(x.id),
      label: labelOf(Number(x.id)),
      ...(summaries.has(x.id) ? { summary: summaries.get(x.id)! } : {}),
      ...(results.has(x.id) ? { results: results.get(x.id)! } : {}),
    })),
    journal,
  };
}

/**
 * An error output as terminal text: its markdown rendering (a failed command's output also
 * carries the renderer's picture object, which must not be printed as `[object Object]`).
 */
function errorText(items: readonly { readonly mime: string; readonly data: unknown }[]): string {
  const md = items.find((i) => i.mime === 'text/markdown' || i.mime === 'text/plain');
  if (md && typeof md.data === 'string') return plain(md.data);
  const first = items.find((i) => typeof i.data === 'string');
  return first ? plain(String(first.data)) : '(no text)';
}

/** The markdown of an error output as terminal text. */
function plain(md: string): string {
  return md
    .replace(/\*\*(.*?)\*\*/g, '$1')
    .replace(/_Fix:_/g, 'fix:')
    .replace(/ {2}\n/g, '\n');
}
