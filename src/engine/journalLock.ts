/**
 * One engine per journal: a lock file next to it (`<journal>.lock`) holding who took it (pid, host,
 * user, start time, operation). It is written whole to a temporary file first and then linked into
 * place (link(2) fails if the lock exists), so a full disk never leaves an empty lock behind; an
 * empty or unparseable lock (an older version, a hand edit) holds no one and is taken over, said. Two engines writing one journal
 * (the editor and the CLI on the same runbook) would interleave runs and restore each other's
 * settings. A lock whose pid is gone on this host is stale (a crash or a kill -9) and is taken over,
 * so resume after a crash still works; a lock from another host cannot be checked and is reported
 * with how to clear it.
 */
import { closeSync, fsyncSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { hostname } from 'node:os';
import * as z from 'zod';
import { checkRegularFile, ensureFolder, fileError } from './journalFiles';

const lockSchema = z.object({
  pid: z.number().int().positive(),
  host: z.string(),
  who: z.string(),
  started: z.string(),
  op: z.string(),
  token: z.string(),
});
export type LockInfo = z.infer<typeof lockSchema>;

export class JournalLockedError extends Error {
  constructor(
    message: string,
    readonly fix: string,
    readonly holder?: LockInfo,
  ) {
    super(message);
    this.name = 'JournalLockedError';
  }
}

export interface LockOptions {
  readonly who: string;
  readonly op: string;
  /** Overridable for tests: is this pid a running process on this host? */
  readonly isAlive?: (pid: number) => boolean;
  readonly host?: string;
  readonly pid?: number;
  readonly now?: () => Date;
}

export interface HeldLock {
  readonly path: string;
  readonly info: LockInfo;
  /** Set when a stale lock was taken over: whose it was, or why it named no one. */
  readonly tookOver?: LockInfo | Unreadable;
  release(): void;
}

/** Locks this process holds, so a second engine in the same process is refused too. */
const heldHere = new Map<string, string>();
/** Released on any exit that runs 'exit' handlers (normal end, process.exit, uncaught exception). */
let exitHook: (() => void) | undefined;

export function lockPathOf(journalPath: string): string {
  return `${journalPath}.lock`;
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A lock file that names no holder: `empty` (0 bytes) or `garbled` (not a lock record). */
export interface Unreadable {
  readonly unreadable: 'empty' | 'garbled';
}

function readLock(path: string): LockInfo | Unreadable | undefined {
  // A FIFO or device in the lock's place would block or never end the read.
  checkRegularFile(path, 'journal lock');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fileError(e, path, 'journal lock');
  }
  if (text.trim() === '') return { unreadable: 'empty' };
  try {
    const r = lockSchema.safeParse(JSON.parse(text));
    return r.success ? r.data : { unreadable: 'garbled' };
  } catch {
    return { unreadable: 'garbled' };
  }
}

const isUnreadable = (x: LockInfo | Unreadable | undefined): x is Unreadable => x !== undefined && 'unreadable' in x;

/** Writes the whole lock to a temporary file, then links it in: either a complete lock exists or none. */
function createLock(path: string, info: LockInfo): 'created' | 'exists' {
  const tmp = `${path}.${info.token}.tmp`;
  try {
    const fd = openSync(tmp, 'wx', 0o644);
    try {
      writeSync(fd, JSON.stringify(info) + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(tmp, path);
      return 'created';
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return 'exists';
      throw e;
    }
  } catch (e) {
    throw fileError(e, path, 'journal lock');
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // never created
    }
  }
}

function describeHolder(h: LockInfo): string {
  return `${h.who} (pid ${h.pid} on ${h.host}, ${h.op} started ${h.started})`;
}

/**
 * Takes the journal's lock or throws `JournalLockedError` naming the holder and how to clear it.
 * Re-entrant for the same token only (never across two engines of one process).
 */
export function acquireJournalLock(journalPath: string, o: LockOptions): HeldLock {
  // Absolute: two spellings of one journal in one process must meet at one lock.
  const path = resolve(lockPathOf(journalPath));
  const host = o.host ?? hostname();
  const pid = o.pid ?? process.pid;
  const isAlive = o.isAlive ?? pidAlive;
  const info: LockInfo = {
    pid,
    host,
    who: o.who,
    started: (o.now?.() ?? new Date()).toISOString(),
    op: o.op,
    token: `${pid}-${Math.random().toString(36).slice(2, 10)}`,
  };
  let tookOver: LockInfo | Unreadable | undefined;
  // The journal's folder is created on its first write; the lock comes before that.
  // Throws JournalFileError (not a folder, a kernel file system, disk full, read-only).
  ensureFolder(dirname(path));
  checkRegularFile(journalPath);
  for (let attempt = 0; attempt < 3; attempt++) {
    if (createLock(path, info) === 'created') {
      heldHere.set(path, info.token);
      installExitHook();
      return {
        path,
        info,
        ...(tookOver ? { tookOver } : {}),
        release: () => releaseLock(path, info.token),
      };
    }
    const holder = readLock(path);
    if (holder === undefined) continue; // released meanwhile: try again
    // Locks are linked in whole, so an empty or garbled one holds no engine: stale.
    const sameProcessOtherEngine = !isUnreadable(holder) && holder.host === host && holder.pid === pid && heldHere.has(path);
    const stale =
      isUnreadable(holder) ||
      (holder.host === host && !sameProcessOtherEngine && (holder.pid === pid ? !heldHere.has(path) : !isAlive(holder.pid)));
    if (!stale && !isUnreadable(holder)) {
      const where =
        holder.host === host
          ? `pid ${holder.pid} is still running on this host`
          : `it was taken on ${holder.host}, so this host cannot tell whether pid ${holder.pid} still runs`;
      throw new JournalLockedError(
        `the journal ${journalPath} is in use by another engine: ${describeHolder(holder)}; ${where}`,
        holder.host === host
          ? `wait for that ${holder.op} to finish or cancel it where it runs (the editor cell or the CLI); if pid ${holder.pid} is not a Pegasus Ops engine, delete ${path}`
          : `wait for that ${holder.op} to finish or cancel it on ${holder.host}; if no engine runs there any more, delete ${path}`,
        holder,
      );
    }
    // Stale: move it aside, then check it is still the same stale lock (another engine may have
    // taken over between our read and the rename); if not, put it back and look again.
    const aside = `${path}.stale-${info.token}`;
    try {
      renameSync(path, aside);
    } catch {
      continue;
    }
    const moved = readLock(aside);
    const same = isUnreadable(holder) ? isUnreadable(moved) : !isUnreadable(moved) && moved?.token === holder.token;
    if (moved !== undefined && !same) {
      try {
        renameSync(aside, path);
      } catch {
        // nothing to do: the next attempt sees whatever is there
      }
      continue;
    }
    try {
      unlinkSync(aside);
    } catch {
      // already gone
    }
    tookOver = holder;
  }
  throw new JournalLockedError(
    `could not take the journal lock ${path}: other engines keep taking it`,
    `run one engine at a time on ${journalPath}`,
  );
}

function releaseLock(path: string, token: string): void {
  if (heldHere.get(path) !== token) return;
  heldHere.delete(path);
  let cur: LockInfo | Unreadable | undefined;
  try {
    cur = readLock(path);
  } catch {
    return; // replaced by something that is not a lock: not ours to remove
  }
  // Only our own lock is removed (never one another engine took over after a stale check).
  if (cur !== undefined && !isUnreadable(cur) && cur.token === token) {
    try {
      unlinkSync(path);
    } catch {
      // already gone
    }
  }
}

function installExitHook(): void {
  if (exitHook) return;
  exitHook = () => {
    for (const [path, token] of [...heldHere]) releaseLock(path, token);
  };
  process.on('exit', exitHook);
}
