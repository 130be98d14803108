/**
 * The run journal: a JSON-lines file (next to the runbook) recording every setting the engine
 * touches with its value before the change, every step with its outcome, and who ran what, when,
 * against which cluster. It is the source of truth for restore (values before, not defaults) and
 * for resume (a finished step is never repeated).
 *
 * Each record is appended with one synchronous write so a crash loses at most the line being
 * written; a torn last line is ignored on reading.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import * as z from 'zod';
import { checkRegularFile, ensureFolder, fileError } from './journalFiles';
import { acquireJournalLock, type HeldLock, type LockOptions } from './journalLock';
import type { SettingName } from './ports';

const settingName = z.enum([
  'meta_level',
  'meta.lb.assign_secondary_black_list',
  'meta.lb.assign_delay_ms',
  'meta.live_percentage',
  'meta.lb.only_move_primary',
]);

/** Per-node settings the engine changes on replica servers (copy throttles), journaled like the meta settings. */
export const nodeSettingName = z.enum(['nfs.max_copy_rate_megabytes_per_disk', 'nfs.max_send_rate_megabytes_per_disk']);
export type NodeSettingName = z.infer<typeof nodeSettingName>;

const base = { run: z.string().min(1), at: z.string() };

/** What a step did, counted while it ran: a resumed run adds these up, so its totals are the whole operation's. */
const stepTotals = z.object({
  primariesMoved: z.number(),
  copiesProposed: z.number(),
  bytesCopied: z.number(),
  bytesEstimated: z.number(),
});
export type StepTotals = z.infer<typeof stepTotals>;

/** A node's load when the run first began: the "before" of the whole operation, across resumes. */
const nodeLoad = z.object({
  address: z.string(),
  alive: z.boolean(),
  primaries: z.number(),
  secondaries: z.number(),
  replicas: z.number(),
});

export const journalRecordSchema = z.discriminatedUnion('t', [
  z.object({
    t: z.literal('begin'),
    ...base,
    op: z.string(),
    params: z.unknown(),
    who: z.string(),
    cluster: z.string(),
    leader: z.string().optional(),
    before: z.array(nodeLoad).optional(),
  }),
  z.object({ t: z.literal('setting'), ...base, name: settingName, before: z.string(), after: z.string(), why: z.string().optional() }),
  z.object({
    t: z.literal('restored'),
    ...base,
    name: settingName,
    value: z.string(),
    how: z.enum(['set', 'meta-restart', 'unchanged', 'foreign']),
  }),
  z.object({ t: z.literal('kept'), ...base, name: settingName, value: z.string(), reason: z.string(), heldFor: z.string().optional() }),
  z.object({ t: z.literal('node-setting'), ...base, node: z.string(), name: nodeSettingName, before: z.string(), after: z.string() }),
  z.object({
    t: z.literal('node-restored'),
    ...base,
    node: z.string(),
    name: nodeSettingName,
    value: z.string(),
    how: z.enum(['set', 'unchanged', 'kept']),
  }),
  z.object({
    t: z.literal('step'),
    ...base,
    step: z.string(),
    status: z.enum(['started', 'done', 'failed', 'skipped']),
    detail: z.string().optional(),
    totals: stepTotals.optional(),
  }),
  z.object({ t: z.literal('event'), ...base, kind: z.string(), message: z.string() }),
  z.object({ t: z.literal('end'), ...base, outcome: z.enum(['done', 'failed', 'cancelled']), message: z.string() }),
]);
export type JournalRecord = z.infer<typeof journalRecordSchema>;
type Without<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;
export type JournalInput = Without<JournalRecord, 'at' | 'run'>;

/** A setting changed and not yet given back: the value to restore and the value meant to be in force now. */
export interface OpenSetting {
  readonly name: SettingName;
  /** The value before the first unrestored change (what restore gives back). */
  readonly original: string;
  /** The value the journal says should be in force now (what a new leader must be given again). */
  readonly current: string;
  /** Present when the last word on it was "kept lowered" with a reason. */
  readonly keptReason?: string;
  /** Kept in force on purpose for this drained node (drain-node): its stop-node or start-node gives it back. */
  readonly heldFor?: string;
}

/** A replica server's setting changed and not yet given back. */
export interface OpenNodeSetting {
  readonly node: string;
  readonly name: NodeSettingName;
  readonly original: string;
  readonly current: string;
}

export class Journal {
  private readonly records: JournalRecord[] = [];
  /** The run id records are appended under. */
  run = '';
  readonly warnings: string[] = [];

  /** Set once the folder exists: later appends only check the file itself. */
  private folderReady = false;

  private constructor(readonly path: string | undefined) {}

  /** Opens (or creates on first write) a journal file and reads what is there. */
  static open(path: string): Journal {
    const j = new Journal(path);
    j.load();
    return j;
  }

  private load(): void {
    const path = this.path;
    this.records.length = 0;
    this.warnings.length = 0;
    if (!path) return;
    checkRegularFile(path);
    if (!existsSync(path)) return;
    const lines = readFileSync(path, 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (!line.trim()) return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        // A torn last line after a crash is expected; anything else is reported.
        if (i < lines.length - 1 && lines.slice(i + 1).some((l) => l.trim())) this.warnings.push(`${path}:${i + 1}: not JSON, ignored`);
        return;
      }
      const r = journalRecordSchema.safeParse(parsed);
      if (r.success) this.records.push(r.data);
      else this.warnings.push(`${path}:${i + 1}: not a journal record (${r.error.issues[0]?.message ?? 'invalid'}), ignored`);
    });
  }

  /**
   * Takes the journal's lock (see journalLock.ts) and re-reads the file: another engine may have
   * written to it since it was opened. A journal in memory has nothing to lock.
   */
  lock(o: LockOptions): HeldLock | undefined {
    if (!this.path) return undefined;
    const held = acquireJournalLock(this.path, o);
    try {
      this.load();
    } catch (e) {
      held.release();
      throw e;
    }
    return held;
  }

  /** A journal kept in memory only (rehearsals, tests). */
  static memory(): Journal {
    return new Journal(undefined);
  }

  all(): readonly JournalRecord[] {
    return this.records;
  }

  append(rec: JournalInput, at: Date = new Date(), run?: string): JournalRecord {
    const full = { ...rec, run: run ?? (this.run || 'none'), at: at.toISOString() } as JournalRecord;
    if (this.path) {
      // Throws JournalFileError (disk full, read-only, not a regular file): the record is not
      // kept in memory either, so what the engine believes matches what a resume will read.
      try {
        if (!this.folderReady) ensureFolder(dirname(this.path));
        this.folderReady = true;
        checkRegularFile(this.path);
        appendFileSync(this.path, JSON.stringify(full) + '\n');
      } catch (e) {
        throw fileError(e, this.path);
      }
    }
    this.records.push(full);
    return full;
  }

  /** The last run that began and never ended (crash, reload), if any. */
  unfinishedRun(): Extract<JournalRecord, { t: 'begin' }> | undefined {
    const ended = new Set(this.records.filter((r) => r.t === 'end').map((r) => r.run));
    for (let i = this.records.length - 1; i >= 0; i--) {
      const r = this.records[i]!;
      if (r.t === 'begin') return ended.has(r.run) ? undefined : r;
    }
    return undefined;
  }

  /** The last run, if it did not finish successfully (crashed, failed or cancelled): it can be resumed. */
  resumableRun(): Extract<JournalRecord, { t: 'begin' }> | undefined {
    for (let i = this.records.length - 1; i >= 0; i--) {
      const r = this.records[i]!;
      if (r.t === 'begin') {
        const end = this.records.slice(i).find((x) => x.t === 'end' && x.run === r.run);
        return end && end.t === 'end' && end.outcome === 'done' ? undefined : r;
      }
    }
    return undefined;
  }

  /** Steps of a run that finished (done or skipped): never repeated on resume. */
  finishedSteps(run: string): Set<string> {
    const s = new Set<string>();
    for (const r of this.records) if (r.t === 'step' && r.run === run && (r.status === 'done' || r.status === 'skipped')) s.add(r.step);
    return s;
  }

  stepDetail(run: string, step: string): string | undefined {
    for (let i = this.records.length - 1; i >= 0; i--) {
      const r = this.records[i]!;
      if (r.t === 'step' && r.run === run && r.step === step && r.status === 'done') return r.detail;
    }
    return undefined;
  }

  /**
   * Every setting changed (in any run of this journal) and not given back since: restore-settings
   * works across runs, so a threshold kept lowered by an earlier run is restored later. With `run`,
   * only the open settings that run changed (the original is still the value before the first change).
   */
  /** Replica-server settings changed and not given back (a `kept` one is closed: it could not be set back). */
  openNodeSettings(run?: string): OpenNodeSetting[] {
    const open = new Map<string, OpenNodeSetting & { runs: Set<string> }>();
    for (const r of this.records) {
      const key = r.t === 'node-setting' || r.t === 'node-restored' ? `${r.node} ${r.name}` : '';
      if (r.t === 'node-setting') {
        const o = open.get(key) ?? { node: r.node, name: r.name, original: r.before, current: r.after, runs: new Set<string>() };
        open.set(key, { ...o, current: r.after, runs: o.runs.add(r.run) });
      } else if (r.t === 'node-restored') open.delete(key);
    }
    return [...open.values()]
      .filter((v) => run === undefined || v.runs.has(run))
      .map(({ node, name, original, current }) => ({ node, name, original, current }));
  }

  openSettings(run?: string): OpenSetting[] {
    const open = new Map<SettingName, { original: string; current: string; keptReason?: string; heldFor?: string; runs: Set<string> }>();
    for (const r of this.records) {
      if (r.t === 'setting') {
        const o = open.get(r.name);
        if (o) o.current = r.after;
        else open.set(r.name, { original: r.before, current: r.after, runs: new Set() });
        const o2 = open.get(r.name)!;
        o2.runs.add(r.run);
        delete o2.keptReason;
        delete o2.heldFor;
      } else if (r.t === 'restored') {
        open.delete(r.name);
      } else if (r.t === 'kept') {
        const o = open.get(r.name);
        if (o) {
          o.keptReason = r.reason;
          if (r.heldFor !== undefined) o.heldFor = r.heldFor;
          else delete o.heldFor;
        }
      }
    }
    return [...open.entries()]
      .filter(([, v]) => run === undefined || v.runs.has(run))
      .map(([name, v]) => ({
        name,
        original: v.original,
        current: v.current,
        ...(v.keptReason !== undefined ? { keptReason: v.keptReason } : {}),
        ...(v.heldFor !== undefined ? { heldFor: v.heldFor } : {}),
      }));
  }

  /** The value recorded before the first open change of `name`, if it is open. */
  originalOf(name: SettingName): string | undefined {
    return this.openSettings().find((s) => s.name === name)?.original;
  }
}

export function newRunId(now: Date = new Date()): string {
  return `${now.toISOString().replace(/[-:.]/g, '').slice(0, 15)}-${Math.random().toString(36).slice(2, 8)}`;
}
