import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRunLog, renderRunLog } from '../../../../src/extension/notebook/runLogView';

const cellRec = (at: string, index: number, status: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    t: 'event',
    kind: 'cell',
    run: 'rb-1',
    at,
    message: 'm',
    cell: {
      runbook: 'x.runbook.md',
      index,
      command: index === 2 ? 'scale-in --nodes 127.0.0.1:34805' : 'nodes -d',
      status,
      who: 'alice@ops',
      cluster: 'simulated',
      host: 'vscode',
      ...extra,
    },
  });

const LOG = [
  cellRec('2026-11-26T08:00:00.000Z', 1, 'started'),
  cellRec('2026-11-26T08:00:01.000Z', 1, 'succeeded', { durationMs: 100, summary: '5 nodes' }),
  cellRec('2026-11-26T08:00:02.000Z', 2, 'started', { name: 'scale-in' }),
  JSON.stringify({
    t: 'begin',
    run: 'op-1',
    at: '2026-11-26T08:00:02.500Z',
    op: 'scale-in',
    params: {},
    who: 'alice@ops',
    cluster: 'simulated',
  }),
  JSON.stringify({
    t: 'setting',
    run: 'op-1',
    at: '2026-11-26T08:00:03.000Z',
    name: 'meta.live_percentage',
    before: '65',
    after: '60',
    why: 'pct-lowered',
  }),
  JSON.stringify({
    t: 'step',
    run: 'op-1',
    at: '2026-11-26T08:00:04.000Z',
    step: '127.0.0.1:34805:primaries',
    status: 'done',
    detail: '3 moved',
  }),
  '{"torn',
].join('\n');

test('the run log reads as sessions of cells and engine operations, not raw JSONL', () => {
  const parsed = parseRunLog(LOG);
  assert.equal(parsed.cells.length, 3);
  assert.equal(parsed.engine.length, 3);
  assert.equal(parsed.skipped, 1);
  const md = renderRunLog(LOG, 'x.runbook.journal.jsonl', '/w/x.runbook.journal.jsonl');
  assert.match(md, /^# Run log: x\.runbook\.journal\.jsonl/);
  assert.doesNotMatch(md, /"t":"event"/, 'no raw records');
  assert.match(md, /\| 2026-11-26 08:00:00 \| 2 \| `nodes -d` \| ✓ succeeded \| 0\.1 s \| 5 nodes \|/);
  // The scale-in cell never ended: said so, not left blank.
  assert.match(md, /\| 3 scale-in \| `scale-in --nodes 127\.0\.0\.1:34805` \| ⚠ interrupted/);
  assert.match(md, /## Operation \*\*scale-in\*\* `op-1`/);
  assert.match(md, /no end recorded/);
  assert.match(md, /`meta\.live_percentage`: 65 → 60 \(pct-lowered\)/);
  assert.match(md, /\| 127\.0\.0\.1:34805:primaries \| done \| 3 moved \|/);
  assert.match(md, /Records as written: `\/w\/x\.runbook\.journal\.jsonl`/);
  assert.match(renderRunLog('', 'empty.jsonl'), /Nothing recorded yet/);
});
