/**
 * Which runbooks a config's freeze warnings count: only those whose scale-in is still ahead. The
 * run log next to the runbook tells (src/runbook/runLog.ts, findResumePoint and its records).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isPlanPending } from '../../../src/config/runbookPlans';
import { RunLog, type CellEntry } from '../../../src/runbook/runLog';
import type { RunbookPlan } from '../../../src/config/settings';

const cell = (index: number, status: CellEntry['status'], extra: Partial<CellEntry> = {}): CellEntry => ({
  runbook: 'r.runbook.md',
  index,
  command: `c${index}`,
  status,
  who: 'w@h',
  cluster: 'sim',
  host: 'vscode',
  ...extra,
});

function records(id: string, entries: CellEntry[]) {
  const log = new RunLog(undefined, id);
  entries.forEach((e, i) => log.append(e, new Date(Date.UTC(2026, 10, 26, 9, 0, i))));
  return log.records;
}

// The scale-in that reaches the most removals is in cell 2.
const plan: RunbookPlan = { uri: 'file:///w/r.runbook.md', removals: 3, line: 12, cell: 2, label: 'Runbook r.runbook.md (line 13)' };

test('a runbook never run is pending', () => {
  assert.equal(isPlanPending(plan, []), true);
});

test('a run that stopped part-way (interrupted, cancelled, timed out) is pending: it will be resumed', () => {
  assert.equal(isPlanPending(plan, records('s1', [cell(0, 'started'), cell(0, 'succeeded'), cell(2, 'started')])), true);
  assert.equal(isPlanPending(plan, records('s1', [cell(2, 'started'), cell(2, 'cancelled')])), true);
  assert.equal(isPlanPending(plan, records('s1', [cell(2, 'started'), cell(2, 'failed', { error: 'timed out after 600 s' })])), true);
});

test('a finished or abandoned run is not pending', () => {
  const done = records('s1', [cell(0, 'started'), cell(0, 'succeeded'), cell(2, 'started'), cell(2, 'succeeded')]);
  assert.equal(isPlanPending(plan, done), false);
  const failed = records('s1', [cell(2, 'started'), cell(2, 'failed', { error: 'ERR_INVALID_STATE' })]);
  assert.equal(isPlanPending(plan, failed), false);
  // A declined resume after a cancel: the session only skipped cells, so the run is over.
  const declined = [
    ...records('s1', [cell(2, 'started'), cell(2, 'cancelled')]),
    ...records('s2', [cell(2, 'skipped'), cell(3, 'skipped')]),
  ];
  assert.equal(isPlanPending(plan, declined), false);
});

test('a run that ended before the scale-in cell leaves the scale-in pending', () => {
  assert.equal(isPlanPending(plan, records('s1', [cell(0, 'started'), cell(0, 'succeeded')])), true);
  // Without the cell index (an older sender), a completed run counts as done.
  const { cell: _drop, ...noCell } = plan;
  void _drop;
  assert.equal(isPlanPending(noCell, records('s1', [cell(0, 'started'), cell(0, 'succeeded')])), false);
});
