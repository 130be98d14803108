/**
 * The journal on hostile or broken storage: a full disk while the lock or a record is written, a
 * FIFO or a device where the journal should be, a state folder under /proc. Each ends in a
 * `JournalFileError` (or a `journal-unwritable` refusal) naming the path and the fix, at once.
 */
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs, { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OperationResult } from '../../../src/engine/engine';
import { Journal } from '../../../src/engine/journal';
import { ensureFolder, JournalFileError } from '../../../src/engine/journalFiles';
import { acquireJournalLock, lockPathOf } from '../../../src/engine/journalLock';
import { fakeEngine } from '../../support/fakeCluster';

function withDir(fn: (dir: string) => Promise<void> | void): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'journal-files-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

function enospc(): NodeJS.ErrnoException {
  return Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
}

/** Makes `name` of node:fs fail with ENOSPC while `when` holds (named ESM imports included). */
function diskFull<K extends 'writeSync' | 'appendFileSync'>(name: K, when: (...args: unknown[]) => boolean): () => void {
  const real = fs[name] as (...a: unknown[]) => unknown;
  const m = mock.method(fs, name, (...args: unknown[]) => {
    if (when(...args)) throw enospc();
    return real(...args);
  });
  syncBuiltinESMExports();
  return () => {
    m.mock.restore();
    syncBuiltinESMExports();
  };
}

function unwritable(r: OperationResult): { reason: string; path: string; message: string; fix: string } {
  const x = r.refusals[0]!;
  assert.equal(x.code, 'journal-unwritable', JSON.stringify(r));
  return x as never;
}

test(
  'journal lock: a full disk while the lock is written leaves no lock (nor temp file) behind and says to free space',
  withDir((dir) => {
    const path = join(dir, 'j.jsonl');
    const restore = diskFull('writeSync', () => true);
    try {
      assert.throws(
        () => acquireJournalLock(path, { who: 'me', op: 'scale-in' }),
        (e: unknown) =>
          e instanceof JournalFileError &&
          e.reason === 'no-space' &&
          e.path.endsWith('j.jsonl.lock') &&
          /disk is full \(ENOSPC\)/.test(e.message) &&
          e.fix.startsWith(`free space at ${dir}`),
      );
    } finally {
      restore();
    }
    assert.deepEqual(readdirSync(dir), [], 'no 0-byte lock blocks the next run');
    const held = acquireJournalLock(path, { who: 'me', op: 'scale-in' });
    held.release();
  }),
);

test(
  'journal lock: a garbled lock names no holder and is taken over, said with the reason',
  withDir((dir) => {
    const path = join(dir, 'j.jsonl');
    writeFileSync(lockPathOf(path), '{"pid": "half a reco');
    const held = acquireJournalLock(path, { who: 'me', op: 'scale-in' });
    assert.deepEqual(held.tookOver, { unreadable: 'garbled' });
    held.release();
    assert.equal(existsSync(lockPathOf(path)), false);
  }),
);

test(
  'journal: a full disk mid-run is its own error (no "retrying"), the run stops failed saying to free space at the path',
  withDir(async (dir) => {
    const path = join(dir, 'j.jsonl');
    const { engine, events } = fakeEngine({}, { journal: Journal.open(path) });
    let records = 0;
    // The begin and the plan are written; the first setting change is not.
    const restore = diskFull('appendFileSync', (p) => p === path && ++records > 2);
    let r: OperationResult;
    try {
      r = await engine.run({ op: 'scale-in', nodes: ['10.0.0.1:34801'] });
    } finally {
      restore();
    }
    assert.equal(r.outcome, 'failed', JSON.stringify(r));
    assert.match(r.error ?? '', /journal .*j\.jsonl cannot be written: the disk is full \(ENOSPC\); free space at /);
    const codes = events.flatMap((e) => (e.kind === 'warning' || e.kind === 'info' ? [e.note.code] : []));
    assert.ok(!codes.includes('retrying') && !codes.includes('restore-retrying'), codes.join(', '));
    // Nothing was changed on the cluster: the setting whose record could not be written was never set.
    assert.deepEqual(r.settingsLeft, []);
  }),
);

test(
  'journal: a FIFO, a device or a folder as journal is refused at once, naming what it is',
  withDir(async (dir) => {
    const fifo = join(dir, 'fifo.jsonl');
    execFileSync('mkfifo', [fifo]);
    for (const [path, kind] of [
      [fifo, 'a FIFO'],
      ['/dev/zero', 'a character device'],
      [dir, 'a folder'],
    ] as const) {
      const t0 = Date.now();
      assert.throws(
        () => Journal.open(path),
        (e: unknown) =>
          e instanceof JournalFileError && e.reason === 'not-regular' && e.message.includes(`${path} is ${kind}, not a regular file`),
      );
      assert.ok(Date.now() - t0 < 1000);
    }
    // A FIFO in the lock's place: the engine refuses instead of blocking in open(2).
    const path = join(dir, 'j.jsonl');
    execFileSync('mkfifo', [lockPathOf(path)]);
    const r = await fakeEngine({}, { journal: Journal.open(path) }).engine.run({ op: 'restore-settings' });
    assert.equal(unwritable(r).reason, 'not-regular');
    assert.match(unwritable(r).message, /journal lock .*j\.jsonl\.lock is a FIFO/);
  }),
);

test('journal: a state folder under /proc is refused at once (recursive mkdir would spin there)', async () => {
  const t0 = Date.now();
  assert.throws(
    () => ensureFolder('/proc/self/pegasus-ops/deeper'),
    (e: unknown) => e instanceof JournalFileError && e.reason === 'kernel-fs' && /procfs/.test(e.message) && /XDG_STATE_HOME/.test(e.fix),
  );
  const r = await fakeEngine({}, { journal: Journal.open('/proc/self/pegasus-ops/c.journal.jsonl') }).engine.run({
    op: 'restore-settings',
  });
  assert.equal(unwritable(r).reason, 'kernel-fs');
  assert.ok(Date.now() - t0 < 2000);
});

test(
  'journal: a disk that fills after settings were changed stops the run; once space is freed, restore-settings gives back what the journal lists',
  withDir(async (dir) => {
    const path = join(dir, 'j.jsonl');
    const { engine, f } = fakeEngine({}, { journal: Journal.open(path) });
    const before = { ...f.settings, blackList: [...f.settings.blackList] };
    // Full from the second record after the first setting change (the black list is set by then).
    let after = -1;
    const restore = diskFull('appendFileSync', (p, data) => {
      if (p !== path) return false;
      if (after < 0 && String(data).includes('"t":"setting"')) after = 0;
      return after >= 0 && ++after > 2;
    });
    let r: OperationResult;
    try {
      r = await engine.run({ op: 'scale-in', nodes: ['10.0.0.1:34801'] });
    } finally {
      restore();
    }
    assert.equal(r.outcome, 'failed', JSON.stringify(r));
    assert.match(r.error ?? '', /cannot be written: the disk is full \(ENOSPC\); free space at /);
    const onDisk = Journal.open(path).openSettings();
    assert.ok(onDisk.length > 0, 'the journal on disk still lists the settings changed');
    const again = await fakeEngine({}, { cluster: f, journal: Journal.open(path) }).engine.run({ op: 'restore-settings' });
    assert.equal(again.outcome, 'done', JSON.stringify(again));
    assert.deepEqual(f.settings, before);
  }),
);
