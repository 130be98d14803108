/**
 * The run log of a runbook: the engine's journal file next to it (`x.runbook.md` →
 * `x.runbook.journal.jsonl`), to which every cell run adds who ran what, when, against which
 * cluster, and the result. Cell records use the journal's `event` shape (so the engine's reader
 * accepts them) with a structured `cell` member for resume and audit tools.
 */
import { appendFileSync, closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import * as z from 'zod';
import { checkRegularFile, ensureFolder, fileError } from '../engine/journalFiles';

export function runLogPath(runbookPath: string): string {
  return runbookPath.replace(/(\.runbook)?\.md$/i, '') + '.runbook.journal.jsonl';
}

export const cellRunStatusSchema = z.enum(['started', 'succeeded', 'failed', 'cancelled', 'skipped']);
export type CellRunStatus = z.infer<typeof cellRunStatusSchema>;

export const cellRecordSchema = z.object({
  t: z.literal('event'),
  kind: z.literal('cell'),
  /** The session (one notebook window or one `pegasus-ops run`). */
  run: z.string(),
  at: z.string(),
  message: z.string(),
  cell: z.object({
    runbook: z.string(),
    /** 0-based index among all cells of the notebook, and 1-based line in the file. */
    index: z.number().int().nonnegative(),
    line: z.number().int().positive().optional(),
    name: z.string().optional(),
    command: z.string(),
    status: cellRunStatusSchema,
    who: z.string(),
    cluster: z.string(),
    host: z.enum(['vscode', 'cli']),
    order: z.number().int().optional(),
    durationMs: z.number().nonnegative().optional(),
    summary: z.string().optional(),
    error: z.string().optional(),
    /** Set on the first cell of a resumed session: the session it continues. */
    resumes: z.string().optional(),
  }),
});
export type CellRecord = z.infer<typeof cellRecordSchema>;
export type CellEntry = CellRecord['cell'];

export function newSessionId(now: Date = new Date()): string {
  return `rb-${now.toISOString().replace(/[-:.]/g, '').slice(0, 15)}-${Math.random().toString(36).slice(2, 8)}`;
}

function firstLine(command: string): string {
  const lines = command
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  return lines.length <= 1 ? (lines[0] ?? '') : `${lines[0]} (+${lines.length - 1} more)`;
}

export function describeCellRecord(c: CellEntry): string {
  const what = `cell ${c.index + 1}${c.name ? ` "${c.name}"` : ''} \`${firstLine(c.command)}\``;
  switch (c.status) {
    case 'started':
      return `${c.who} started ${what} against ${c.cluster}`;
    case 'skipped':
      return `${what} skipped${c.error ? `: ${c.error}` : ''}`;
    default:
      return `${what} ${c.status}${c.durationMs !== undefined ? ` after ${Math.round(c.durationMs / 100) / 10}s` : ''}${c.summary ? `: ${c.summary}` : ''}${c.error && c.status !== 'succeeded' ? ` (${c.error})` : ''}`;
  }
}

/** Appends cell records to a runbook's run log; `path` undefined keeps them in memory only. */
export class RunLog {
  readonly records: CellRecord[] = [];

  constructor(
    readonly path: string | undefined,
    readonly session: string = newSessionId(),
  ) {}

  /** `message` lets a host word the record its own way (headless numbers code cells, not all cells). */
  append(cell: CellEntry, at: Date = new Date(), message: string = describeCellRecord(cell)): CellRecord {
    const rec: CellRecord = { t: 'event', kind: 'cell', run: this.session, at: at.toISOString(), message, cell };
    this.records.push(rec);
    if (this.path) {
      try {
        ensureFolder(dirname(this.path), 'run log');
        checkRegularFile(this.path, 'run log');
        // One write per record: a crash tears at most the last line, which readers skip.
        appendFileSync(this.path, JSON.stringify(rec) + '\n');
      } catch (e) {
        throw fileError(e, this.path, 'run log');
      }
    }
    return rec;
  }
}

/** Reads the cell records of a run log (other journal records and torn lines are passed over). */
export function readCellRecords(path: string): CellRecord[] {
  checkRegularFile(path, 'run log');
  if (!existsSync(path)) return [];
  const out: CellRecord[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      continue;
    }
    const r = cellRecordSchema.safeParse(json);
    if (r.success) out.push(r.data);
  }
  return out;
}

export interface ResumePoint {
  /** The session that stopped. */
  readonly session: string;
  /** The cell it stopped in: the one to continue from. */
  readonly cell: CellEntry;
  /** When that cell started (interrupted) or ended (cancelled, timed out). */
  readonly at: string;
  /** Why that cell did not finish. */
  readonly how: 'interrupted' | 'cancelled' | 'timed out';
}

/**
 * Where a run can be resumed, for the editor and `pegasus-ops run --resume` alike: the last
 * session's cell that started and never ended (editor closed, crash, kill -9), or the cell that
 * session ended on when it was cancelled (Ctrl+C, SIGTERM, the editor's stop) or timed out. Both
 * leave the engine's operation unfinished in the journal. A session whose last ended cell
 * succeeded or plainly failed is complete, and so is one that only skipped cells (a declined
 * resume), whatever came before it.
 */
export function findResumePoint(records: readonly CellRecord[]): ResumePoint | undefined {
  const last = records[records.length - 1];
  if (!last) return undefined;
  const session = last.run;
  const mine = records.filter((r) => r.run === session);
  const open = new Map<number, CellRecord>();
  for (const r of mine) {
    if (r.cell.status === 'started') open.set(r.cell.index, r);
    else open.delete(r.cell.index);
  }
  const interrupted = [...open.values()].pop();
  if (interrupted) return { session, cell: interrupted.cell, at: interrupted.at, how: 'interrupted' };
  const ended = mine.filter((r) => r.cell.status !== 'started' && r.cell.status !== 'skipped').pop();
  if (!ended) return undefined;
  if (ended.cell.status === 'cancelled') return { session, cell: ended.cell, at: ended.at, how: 'cancelled' };
  // Timeouts end as failures whose error starts "timed out" (the queue's CellTimeoutError).
  if (ended.cell.status === 'failed' && /^timed out/.test(ended.cell.error ?? ''))
    return { session, cell: ended.cell, at: ended.at, how: 'timed out' };
  return undefined;
}

/**
 * Throws `JournalFileError` unless the run log can be appended to (its folder exists or can be
 * made, it is a regular file or absent, and this user may write there): checked before the first
 * cell, so an unwritable folder says why instead of failing in the middle.
 */
export function checkRunLogWritable(path: string): void {
  try {
    ensureFolder(dirname(path), 'run log');
    checkRegularFile(path, 'run log');
    closeSync(openSync(path, 'a'));
  } catch (e) {
    throw fileError(e, path, 'run log');
  }
}
