/**
 * Runs a whole runbook without an editor (`pegasus-ops run`, `npm start`, CI): every code cell in
 * order through the same queue, cell runner, engine and run log as the notebook. Progress goes to
 * `err` (stderr), results to `out` (stdout); the exit code says whether every cell succeeded.
 */
import { readFileSync } from 'node:fs';
import type { MetaClientLike } from '../cluster/client';
import type { ClusterProfile } from '../cluster/profile';
import { commandRegistry, type CommandRegistry } from '../commands';
import { describeError } from '../commands/errors';
import type { ConfirmRequest } from '../commands/types';
import { registerSteps, type StepServices } from '../commands/steps';
import { describeState } from '../engine/engine';
import type { EngineOptions } from '../engine/engine';
import { metaClusterPort } from '../engine/metaPort';
import { timeoutMs, type CellOptions } from './cellOptions';
import { formatProblem } from './diagnostics';
import { isProgressUpdate, runCell, throttle } from './execute';
import { parseRunbook, type RunbookCell } from './format';
import { formatMs, RunQueue, type QueueTask, type TaskOutcome } from './queue';
import { currentUser, findInterruptedRun, readCellRecords, RunLog, runLogPath, type CellEntry } from './runLog';

export interface HeadlessOptions {
  readonly file: string;
  readonly profile: ClusterProfile;
  readonly client: MetaClientLike;
  /** Answer yes to every confirmation (production included: the operator said so on the command line). */
  readonly yes?: boolean;
  /** Continue the run the journal says was interrupted. */
  readonly resume?: boolean;
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
  /** Interactive question (a TTY); absent in CI, where changes need --yes. */
  readonly ask?: (question: string) => Promise<boolean>;
  /** Cancels the running cell and everything after it (Ctrl+C). */
  readonly signal?: AbortSignal;
  readonly engineOptions?: EngineOptions;
  readonly registry?: CommandRegistry;
  /** Progress lines at most this often (ms); default 1000. */
  readonly progressIntervalMs?: number;
}

export interface HeadlessResult {
  readonly exitCode: number;
  readonly outcomes: readonly (TaskOutcome & { readonly cell: number; readonly summary?: string })[];
  readonly journal: string;
}

/** Effective options of a cell: its own over the front matter's defaults. */
export function effectiveOptions(cell: RunbookCell, defaults: Partial<CellOptions> | undefined): CellOptions {
  return { ...(defaults ?? {}), ...(cell.options ?? {}) };
}

export async function runRunbook(o: HeadlessOptions): Promise<HeadlessResult> {
  const registry = o.registry ?? commandRegistry;
  registerSteps(registry);
  const journal = runLogPath(o.file);
  const doc = parseRunbook(readFileSync(o.file, 'utf8'));
  for (const p of doc.problems) o.err(formatProblem(p, o.file) + '\n');
  if (doc.problems.some((p) => p.severity === 'error')) {
    o.err(`pegasus-ops run: ${o.file} has errors (above); nothing was run\n`);
    return { exitCode: 2, outcomes: [], journal };
  }
  const named = doc.frontMatter.cluster;
  if (named && named !== o.profile.name) {
    o.err(`note: the runbook names cluster "${named}"; running against "${o.profile.name}" as given on the command line\n`);
  }
  const production = o.profile.production === true || doc.frontMatter.production === true;
  const who = currentUser();
  const log = new RunLog(journal);

  let start = 0;
  const interrupted = findInterruptedRun(readCellRecords(journal));
  if (o.resume) {
    if (interrupted) {
      start = interrupted.cell.index;
      o.err(`resuming session ${interrupted.session}: it stopped in cell ${start + 1} (\`${interrupted.cell.command.split('\n')[0]}\`) at ${interrupted.at}; cells before it are not run again\n`);
    } else {
      o.err('nothing to resume: the run log has no interrupted run; running from the start\n');
    }
  } else if (interrupted) {
    o.err(`warning: an earlier run stopped in cell ${interrupted.cell.index + 1} at ${interrupted.at} without finishing; pass --resume to continue it from there\n`);
  }

  const cells = doc.cells.map((c, index) => ({ c, index })).filter(({ c, index }) => c.kind === 'code' && index >= start);
  const runnable = cells.filter(({ c }) => !effectiveOptions(c, doc.frontMatter.defaults).excludeFromRunAll);
  const steps: StepServices = { journalPath: journal, who, ...(o.resume ? { resume: true } : {}), ...(o.engineOptions ? { engineOptions: o.engineOptions } : {}) };
  const queue = new RunQueue();
  const onAbort = () => queue.cancelAll();
  o.signal?.addEventListener('abort', onAbort);

  const confirm = async (req: ConfirmRequest): Promise<boolean> => {
    if (o.yes) {
      o.err(`  confirmed by --yes on ${req.cluster}${req.production || production ? ' (production)' : ''}: ${req.change}\n`);
      return true;
    }
    if (o.ask) return o.ask(`Cluster "${req.cluster}"${req.production || production ? ' (PRODUCTION)' : ''}: ${req.change}\nProceed? [y/N] `);
    o.err(`  not confirmed: \`${req.command}\` changes ${req.cluster}; pass --yes to allow changes in a non-interactive run\n`);
    return false;
  };

  const summaries = new Map<string, string>();
  const total = runnable.length;
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
      ...(k === 0 && o.resume && interrupted ? { resumes: interrupted.session } : {}),
      ...extra,
    });
    const label = `[${k + 1}/${total}] line ${c.line ?? '?'}${opts.name ? ` "${opts.name}"` : ''}`;
    return {
      id: String(index),
      ...(opts.continueOnError ? { continueOnError: true } : {}),
      ...(t !== undefined ? { timeoutMs: t } : {}),
      run: async ({ signal, order }) => {
        o.err(`▶ ${label}: ${c.value.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#')).join(' ⏎ ')}\n`);
        log.append(entry('started', { order }));
        const started = Date.now();
        let lastMsg = '';
        const progress = throttle<string>((m) => o.err(`  … ${m}\n`), o.progressIntervalMs ?? 1000);
        const r = await runCell(c.value, { ...opts, production }, {
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
            o.out(`${res.text}\n\n`);
          },
          describeState: async (sig) => describeState(await metaClusterPort(o.client).readState(sig)),
        });
        progress.flush();
        const ms = Date.now() - started;
        for (const out of r.outputs) if (out.kind === 'error') o.err(`  ${plain(String(out.items[0]?.data ?? '')).replace(/\n+/g, '\n  ')}\n`);
        const mark = r.status === 'succeeded' ? '✔' : r.status === 'cancelled' ? '■' : '✘';
        o.err(`${mark} ${label} ${r.status} in ${formatMs(ms)}: ${r.summary}\n`);
        summaries.set(String(index), r.summary);
        log.append(entry(r.status, { order, durationMs: ms, summary: r.summary, ...(r.error ? { error: r.error.message } : {}) }));
        if (r.status === 'cancelled') throw Object.assign(new Error(r.summary), { name: 'AbortError' });
        return r.status === 'succeeded';
      },
      skipped: (reason) => {
        const why = reason.kind === 'cancelled' ? 'cancelled before it started' : `not run: cell ${Number(reason.after) + 1} ${reason.status}`;
        o.err(`· ${label} skipped (${why})\n`);
        log.append(entry('skipped', { error: why }));
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
  const failed = count('failed') + count('cancelled');
  o.err(
    `\n${total} cell(s): ${count('succeeded')} succeeded, ${count('failed')} failed, ${count('cancelled')} cancelled, ${count('skipped')} skipped` +
      `${cells.length > total ? `, ${cells.length - total} excluded from run-all` : ''}. Run log: ${journal}\n`,
  );
  return {
    exitCode: failed > 0 || count('skipped') > 0 ? 1 : 0,
    outcomes: outcomes.map((x) => ({ ...x, cell: Number(x.id), ...(summaries.has(x.id) ? { summary: summaries.get(x.id)! } : {}) })),
    journal,
  };
}

/** The markdown of an error output as terminal text. */
function plain(md: string): string {
  return md.replace(/\*\*(.*?)\*\*/g, '$1').replace(/_Fix:_/g, 'fix:').replace(/ {2}\n/g, '\n');
}
