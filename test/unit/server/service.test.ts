import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boundedText, ConfigService } from '../../../src/server/service';

const GOOD = '[meta_server]\nnode_live_percentage_threshold_for_update = 50\n';

test('the last good lenses are kept while the file is mid-edit, and dropped on close', () => {
  const s = new ConfigService();
  s.setSettings({ nodeCount: 10 });
  const good = s.lensesOf('u', 1, GOOD);
  assert.ok(good.length > 0);
  // value being retyped: not a number for a moment
  assert.deepEqual(s.lensesOf('u', 2, GOOD.replace('50', '')), good);
  // a half-typed section header elsewhere
  assert.deepEqual(s.lensesOf('u', 3, `${GOOD}[repl`), good);
  // back to a readable file: fresh lenses
  const fresh = s.lensesOf('u', 4, GOOD.replace('50', '60'));
  assert.notDeepEqual(fresh, good);
  assert.equal(fresh[0]!.args.pct, 60);
  s.forget('u');
  assert.deepEqual(s.lensesOf('u', 5, `${GOOD}[repl`).length > 0, true, 'nothing cached after close: computes from the text');
});

test('analyses are cached by version and recomputed when the editor context changes', () => {
  const warnings: string[] = [];
  const s = new ConfigService((m) => warnings.push(m));
  const a1 = s.analysisOf('u', 1, GOOD);
  assert.equal(s.analysisOf('u', 1, GOOD), a1);
  s.setEditorContext({ clusters: [{ name: 'prod', alive: 4, dead: 0 }] });
  const a2 = s.analysisOf('u', 1, GOOD);
  assert.notEqual(a2, a1);
  assert.equal(a2.nodes!.alive, 4);
  s.setEditorContext({ clusters: [{ name: '', alive: -1 }] });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /pegasus\/context ignored: context\.clusters\[0\]/);
  assert.equal(s.analysisOf('u', 1, GOOD).nodes!.alive, 4, 'a bad payload keeps the previous context');
  s.setSettings({ codeLens: false });
  assert.deepEqual(s.lensesOf('u', 1, GOOD), []);
});

test('findings are capped per document, the errors kept first, and the count of the rest is given', () => {
  const s = new ConfigService(undefined, { maxDiagnostics: 5, maxChars: 1_000_000, maxLines: 100_000 });
  // 9 duplicate keys (warnings) and, at the end, an error
  const text = `[replication]\n${'  fd_lease_seconds = 20\n'.repeat(10)}  fd_grace_seconds = 5\n`;
  const all = s.analysisOf('u', 1, text).findings;
  assert.ok(all.length > 5);
  const r = s.findingsOf('u', 1, text);
  assert.equal(r.findings.length, 5);
  assert.equal(r.omitted, all.length - 5);
  assert.equal(r.bounded, undefined);
  assert.ok(
    r.findings.some((f) => f.severity === 'error'),
    'the error is not crowded out by warnings',
  );
  const lines = r.findings.map((f) => f.range.start.line);
  assert.deepEqual(
    lines,
    [...lines].sort((a, b) => a - b),
    'kept in document order',
  );
  assert.deepEqual(new ConfigService().findingsOf('v', 1, GOOD), { findings: s.analysisOf('v', 1, GOOD).findings, omitted: 0 });
});

test('a document over the size limits is checked on its first whole lines only, and says so', () => {
  const limits = { maxDiagnostics: 1000, maxChars: 100, maxLines: 5 };
  assert.deepEqual(boundedText('a\nb\n', limits), { text: 'a\nb\n' });
  const byLines = boundedText('1\n2\n3\n4\n5\n6\n7\n', limits);
  assert.equal(byLines.text, '1\n2\n3\n4\n5\n');
  assert.deepEqual(byLines.bounded, { analyzedLines: 5, totalLines: 8, totalChars: 14 });
  const byChars = boundedText(`${'k = 1\n'.repeat(10)}${'z'.repeat(200)}`, { ...limits, maxLines: 1000 });
  assert.equal(byChars.text, 'k = 1\n'.repeat(10));
  assert.equal(byChars.bounded?.analyzedLines, 10);
  assert.equal(boundedText('x'.repeat(300), limits).text.length, 100, 'one giant line: its beginning');

  const s = new ConfigService(undefined, limits);
  const r = s.findingsOf('u', 1, `[replication]\n${'  fd_lease_seconds = 20\n'.repeat(20)}`);
  assert.deepEqual(r.bounded, { analyzedLines: 4, totalLines: 22, totalChars: 14 + 24 * 20 });
  assert.equal(r.findings.length, 2, 'the duplicates among the 3 keys checked');
});
