import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRegistry, parseScript } from '../../../src/commands';
import { parseRunbook, serializeRunbook } from '../../../src/runbook/format';
import { runbookTemplate, templateFileName, type TemplateKind } from '../../../src/runbook/templates';
import { findResumePoint, readCellRecords, RunLog, runLogPath, type CellEntry } from '../../../src/runbook/runLog';

const registry = createRegistry();

for (const kind of ['scale-in', 'scale-out', 'migrate'] as TemplateKind[]) {
  test(`${kind} template: valid runbook, every cell parses, nodes and cluster filled in`, () => {
    const text = runbookTemplate(
      kind,
      kind === 'migrate'
        ? { cluster: 'prod-bj', from: ['10.0.0.1:34801'], to: ['10.0.0.9:34801'], production: true }
        : { cluster: 'prod-bj', nodes: ['10.0.0.1:34801', '10.0.0.2:34801'] },
    );
    const doc = parseRunbook(text);
    assert.deepEqual(doc.problems, []);
    assert.equal(doc.frontMatter.cluster, 'prod-bj');
    assert.equal(serializeRunbook(doc), text);
    const code = doc.cells.filter((c) => c.kind === 'code');
    assert.ok(code.length >= 6);
    for (const c of code) {
      const p = parseScript(registry, c.value);
      assert.ok(p.ok, `line ${c.line}: ${c.value}: ${p.ok ? '' : p.errors.map((e) => e.format()).join('; ')}`);
    }
    assert.match(
      text,
      kind === 'migrate'
        ? /migrate --from 10\.0\.0\.1:34801 --to 10\.0\.0\.9:34801/
        : new RegExp(`${kind} --nodes 10\\.0\\.0\\.1:34801,10\\.0\\.0\\.2:34801`),
    );
    // The reasoning of the procedure is in the prose.
    const prose = doc.cells
      .filter((c) => c.kind === 'markup')
      .map((c) => c.value)
      .join('\n');
    assert.match(prose, kind === 'scale-out' ? /lively/ : /node_live_percentage_threshold_for_update/);
    if (kind === 'migrate') assert.equal(doc.frontMatter.production, true);
    // The mutating step asks, whatever the settings.
    assert.ok(code.some((c) => c.options?.confirm === true));
  });
}

test('templates without nodes use visible placeholders; odd cluster names are quoted', () => {
  const t = runbookTemplate('scale-in', { cluster: 'true' });
  assert.match(t, /cluster: "true"/);
  assert.equal(parseRunbook(t).frontMatter.cluster, 'true');
  assert.match(t, /HOST:PORT/);
  assert.match(templateFileName('scale-in', 'prod/bj 1', new Date('2026-11-26T10:00:00Z')), /^scale-in-prod-bj-1-2026-11-26\.runbook\.md$/);
});

test('run log: path next to the runbook, records appended, interrupted cell found', () => {
  const dir = mkdtempSync(join(tmpdir(), 'runlog-'));
  try {
    const rb = join(dir, 'x.runbook.md');
    assert.equal(runLogPath(rb), join(dir, 'x.runbook.journal.jsonl'));
    const base: CellEntry = { runbook: rb, index: 1, command: 'nodes -d', status: 'started', who: 'a@h', cluster: 'c', host: 'cli' };
    const a = new RunLog(runLogPath(rb), 'S1');
    a.append(base);
    a.append({ ...base, status: 'succeeded', durationMs: 1200, summary: '5 nodes' });
    a.append({ ...base, index: 3, command: 'scale-in --nodes a:1', status: 'started' });
    const recs = readCellRecords(runLogPath(rb));
    assert.equal(recs.length, 3);
    assert.match(recs[1]!.message, /cell 2 `nodes -d` succeeded after 1\.2s: 5 nodes/);
    const i = findResumePoint(recs);
    assert.equal(i?.how, 'interrupted');
    assert.equal(i?.session, 'S1');
    assert.equal(i?.cell.index, 3);
    // A later session that did not finish its own cells is what counts; one that did closes the matter.
    const b = new RunLog(runLogPath(rb), 'S2');
    b.append({ ...base, index: 3, status: 'skipped', error: 'resume declined' });
    assert.equal(findResumePoint(readCellRecords(runLogPath(rb))), undefined);
    // Torn last line and foreign records are passed over.
    const text = readFileSync(runLogPath(rb), 'utf8');
    writeFileSync(runLogPath(rb), text + '{"t":"begin","run":"x"}\n{"t":"eve');
    assert.equal(readCellRecords(runLogPath(rb)).length, 4);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
