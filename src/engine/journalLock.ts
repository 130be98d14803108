/**
 * One engine per journal: a lock file next to it (`<journal>.lock`), created exclusively (`wx`),
 * holding who took it (pid, host, user, start time, operation). Two engines writing one journal
 * (the editor and the CLI on the same runbook) would interleave runs and restore each other's
 * settings. A lock whose pid is gone on this host is stale (a crash or a kill -9) and is taken over,
 * so resume after a crash still works; a lock from another host cannot be checked and is reported
 * with how to clear it.
 */
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { hostname } from 'node:os';
import * as z from 'zod';

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
  /** Set when a stale lock was taken over: whose it was. */
  readonly tookOver?: LockInfo | 'unreadable';
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

function readLock(path: string): LockInfo | 'unreadable' | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return 'unreadable';
  }
  try {
    const r = lockSchema.safeParse(JSON.parse(text));
    return r.success ? r.data : 'unreadable';
  } catch {
    return 'unreadable'; // torn write by a process killed between open and write
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
  let tookOver: LockInfo | 'unreadable' | undefined;
  // The journal's folder is created on its first write; the lock comes before that.
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch {
    // reported by the open below, with the path
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      try {
        writeSync(fd, JSON.stringify(info) + '\n');
      } finally {
        closeSync(fd);
      }
      heldHere.set(path, info.token);
      installExitHook();
      return {
        path,
        info,
        ...(tookOver ? { tookOver } : {}),
        release: () => releaseLock(path, info.token),
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new JournalLockedError(
          `cannot create the journal lock ${path}: ${(e as Error).message}`,
          `make ${path}'s folder writable, or put the journal elsewhere`,
        );
      }
    }
    const holder = readLock(path);
    if (holder === undefined) continue; // released meanwhile: try again
    const clear = `if no engine is running there, delete ${path}`;
    if (holder === 'unreadable') {
      throw new JournalLockedError(
        `the journal ${journalPath} is locked by ${path}, which cannot be read (a process killed while writing it, or written by hand)`,
        `wait for the other engine to finish; ${clear}`,
      );
    }
    const sameProcessOtherEngine = holder.host === host && holder.pid === pid && heldHere.has(path);
    const stale = holder.host === host && !sameProcessOtherEngine && (holder.pid === pid ? !heldHere.has(path) : !isAlive(holder.pid));
    if (!stale) {
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
    if (moved !== 'unreadable' && moved !== undefined && moved.token !== holder.token) {
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
  const cur = readLock(path);
  // Only our own lock is removed (never one another engine took over after a stale check).
  if (cur !== undefined && cur !== 'unreadable' && cur.token === token) {
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
