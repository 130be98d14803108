/**
 * The file-system checks the journal and its lock share. A journal must be a regular file in a
 * real folder: a FIFO blocks the engine in open(2) (deaf to SIGTERM, which Node only sees between
 * calls), `/dev/zero` reads forever, and Node's recursive mkdir spins under `/proc`. A write that
 * fails for lack of space, quota or a read-only mount is not a transient meta problem: retrying
 * cannot help, so it is its own error and stops the run.
 */
import { mkdirSync, statfsSync, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';

export type JournalFileReason = 'no-space' | 'quota' | 'read-only' | 'not-regular' | 'kernel-fs' | 'not-writable' | 'io';

export class JournalFileError extends Error {
  constructor(
    readonly reason: JournalFileReason,
    /** The file or folder at fault. */
    readonly path: string,
    message: string,
    readonly fix: string,
  ) {
    super(message);
    this.name = 'JournalFileError';
  }
}

/** Kernel file systems that look like folders but hold no files of ours (statfs f_type). */
const KERNEL_FS = new Map<number, string>([
  [0x9fa0, 'procfs'],
  [0x62656572, 'sysfs'],
  [0x1cd1, 'devpts'],
  [0x64626720, 'debugfs'],
]);

function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isDirectory()) return 'a folder';
  return 'not a regular file';
}

/** Throws unless `path` is absent or a regular file (symlinks are followed: a link to a file is fine). */
export function checkRegularFile(path: string, what = 'journal'): void {
  let st: Stats;
  try {
    st = statSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw fileError(e, path, what);
  }
  if (!st.isFile())
    throw new JournalFileError(
      'not-regular',
      path,
      `the ${what} ${path} is ${kindOf(st)}, not a regular file: the engine would block or read forever on it`,
      `give the ${what} a regular file path`,
    );
}

/**
 * Creates `dir` one level at a time below its nearest existing ancestor, refusing kernel file
 * systems first (Node's recursive mkdir never returns under /proc).
 */
export function ensureFolder(dir: string, what = 'journal'): void {
  const missing: string[] = [];
  let at = resolve(dir);
  for (;;) {
    try {
      const st = statSync(at);
      if (!st.isDirectory())
        throw new JournalFileError(
          'not-regular',
          at,
          `the ${what} folder ${at} is ${kindOf(st)}, not a folder`,
          `put the ${what} in a folder you can write to`,
        );
      break;
    } catch (e) {
      if (e instanceof JournalFileError) throw e;
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(at) === at) throw fileError(e, at, what);
      missing.unshift(at);
      at = dirname(at);
    }
  }
  const fsType = KERNEL_FS.get(Number(safeStatfsType(at)));
  if (fsType)
    throw new JournalFileError(
      'kernel-fs',
      at,
      `the ${what} folder ${resolve(dir)} is on ${fsType} (${at}), a kernel file system that cannot hold a ${what}`,
      `set XDG_STATE_HOME (or --journal) to a folder on a real disk, e.g. ~/.local/state`,
    );
  for (const d of missing) {
    try {
      mkdirSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw fileError(e, d, what);
    }
  }
}

function safeStatfsType(path: string): number | undefined {
  try {
    return statfsSync(path).type;
  } catch {
    return undefined; // not every platform has statfs: the mkdir below reports what goes wrong
  }
}

/** A failed write, open or mkdir of the journal (or its lock) as a `JournalFileError` naming the path and the fix. */
export function fileError(e: unknown, path: string, what = 'journal'): JournalFileError {
  if (e instanceof JournalFileError) return e;
  const code = (e as NodeJS.ErrnoException).code ?? '';
  const detail = e instanceof Error ? e.message : String(e);
  const where = dirname(resolve(path));
  switch (code) {
    case 'ENOSPC':
      return new JournalFileError(
        'no-space',
        path,
        `the ${what} ${path} cannot be written: the disk is full (ENOSPC)`,
        `free space at ${where}, then resume (what is on disk still lists every setting to restore)`,
      );
    case 'EDQUOT':
      return new JournalFileError(
        'quota',
        path,
        `the ${what} ${path} cannot be written: the disk quota is exceeded (EDQUOT)`,
        `free space at ${where} (or raise the quota), then resume`,
      );
    case 'EROFS':
      return new JournalFileError(
        'read-only',
        path,
        `the ${what} ${path} cannot be written: the file system is read-only (EROFS)`,
        `put the ${what} on a writable disk, or remount ${where} read-write`,
      );
    case 'EACCES':
    case 'EPERM':
      return new JournalFileError(
        'not-writable',
        path,
        `the ${what} ${path} cannot be written: permission denied (${code})`,
        `make ${where} writable for this user, or put the ${what} elsewhere`,
      );
    default:
      return new JournalFileError(
        'io',
        path,
        `the ${what} ${path} cannot be written: ${detail}`,
        `check ${where} (it must be a writable folder on a local disk), or put the ${what} elsewhere`,
      );
  }
}
