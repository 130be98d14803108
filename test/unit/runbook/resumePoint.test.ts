/**
 * The one resume point the editor's offer and `pegasus-ops run --resume` share: a crash, a cancel
 * and a timeout are resumable at their cell; a finished run, a plain failure and a declined resume
 * are not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findResumePoint, RunLog, type CellEntry } from '../../../src/runbook/runLog';

const cell = (index: number, status: CellEntry['status'], extra: Partial<CellEntry> = {}): CellEntry => ({
  runbook: 'r.runbook.md',
  index,
  line: 10 * index,
  command: `c${index}`,
  status,
  who: 'w@h',
  cluster: 'sim',
  host: 'vscode',
  ...extra,
});

/** One session's records, at one second apart from a fixed clock. */
function session(id: string, entries: CellEntry[], startSec = 0): RunLog {
  const log = new RunLog(undefined, id);
  entries.forEach((e, i) => log.append(e, new Date(Date.UTC(2026, 10, 26, 9, 0, startSec + i))));
  return log;
}

test('crash: the cell that started and never ended, at its start', () => {
  const log = session('s1', [cell(1, 'started'), cell(1, 'succeeded'), cell(3, 'started', { name: 'scale-in' })]);
  assert.deepEqual(findResumePoint(log.records), {
    session: 's1',
    cell: log.records[2]!.cell,
    at: '2026-11-26T09:00:02.000Z',
    how: 'interrupted',
  });
});

test('cancel: the cancelled cell, at the cancel, past the cells skipped after it', () => {
  const log = session('s1', [
    cell(1, 'started'),
    cell(1, 'succeeded'),
    cell(3, 'started'),
    cell(3, 'cancelled', { durationMs: 900 }),
    cell(5, 'skipped', { error: 'cancelled' }),
  ]);
  const p = findResumePoint(log.records);
  assert.equal(p?.how, 'cancelled');
  assert.equal(p.cell.index, 3);
  assert.equal(p.at, '2026-11-26T09:00:03.000Z');
  assert.equal(p.session, 's1');
});

test('timeout: a failure that timed out is resumable; any other failure is not', () => {
  const timedOut = session('s1', [cell(2, 'started'), cell(2, 'failed', { error: 'timed out after 50ms' }), cell(4, 'skipped')]);
  assert.equal(findResumePoint(timedOut.records)?.how, 'timed out');
  assert.equal(findResumePoint(timedOut.records)?.cell.index, 2);
  const failed = session('s1', [cell(2, 'started'), cell(2, 'failed', { error: 'boom' }), cell(4, 'skipped')]);
  assert.equal(findResumePoint(failed.records), undefined);
});

test('finished: a run whose cells all ended is nothing to resume, nor is an empty log', () => {
  assert.equal(findResumePoint([]), undefined);
  const log = session('s1', [cell(1, 'started'), cell(1, 'succeeded'), cell(3, 'started'), cell(3, 'succeeded')]);
  assert.equal(findResumePoint(log.records), undefined);
});

test('only the last session counts: a later finished run or a declined resume closes an earlier cancel', () => {
  const cancelled = session('s1', [cell(3, 'started'), cell(3, 'cancelled')]);
  const later = session('s2', [cell(1, 'started'), cell(1, 'succeeded')], 10);
  assert.equal(findResumePoint([...cancelled.records, ...later.records]), undefined);
  const declined = session('s3', [cell(3, 'skipped', { error: 'resume declined', resumes: 's1' })], 10);
  assert.equal(findResumePoint([...cancelled.records, ...declined.records]), undefined);
  // …while a crash after an earlier cancel is the point to resume.
  const crashed = session('s4', [cell(3, 'started', { resumes: 's1' })], 20);
  assert.equal(findResumePoint([...cancelled.records, ...crashed.records])?.session, 's4');
});
