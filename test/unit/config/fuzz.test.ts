import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { actionsFor } from '../../../src/config/actions';
import { analyzeConfig } from '../../../src/config/analysis';
import { completionsAt } from '../../../src/config/completion';
import { hoverAt } from '../../../src/config/hover';
import { DEFAULT_SETTINGS } from '../../../src/config/settings';
import { seededRandom } from '../../../src/simulator/model/rng';

const fixture = readFileSync(join(__dirname, '..', '..', 'support', 'server.ini'), 'utf8');
const PIECES = [
  '[',
  ']',
  '=',
  '#',
  ';',
  '^',
  '^#',
  '%',
  '%{',
  '}',
  '\n',
  '\r\n',
  '\r',
  ' ',
  '\t',
  'meta_server',
  'replication',
  'node_live_percentage_threshold_for_update',
  'min_live_node_count_for_unfreeze',
  'fd_lease_seconds',
  'fd_grace_seconds',
  '50',
  '-1',
  '999999999999999999999',
  'true',
  'pegasus-ops:',
  'nodes=',
  'disable=',
  '\u0000',
  '\ud800',
  '😀',
  '[meta_server]',
  '[replication]',
  'k = v',
];

function mutate(r: () => number, base: string): string {
  let s = base;
  const edits = 1 + Math.floor(r() * 8);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(r() * (s.length + 1));
    const op = r();
    if (op < 0.4) s = s.slice(0, at) + PIECES[Math.floor(r() * PIECES.length)] + s.slice(at);
    else if (op < 0.7) s = s.slice(0, at) + s.slice(at + Math.floor(r() * 40));
    else if (op < 0.85) s = s.slice(0, at) + String.fromCharCode(Math.floor(r() * 0xffff)) + s.slice(at);
    else s = s.slice(at) + s.slice(0, at);
  }
  return s;
}

function randomDoc(r: () => number): string {
  const n = Math.floor(r() * 30);
  let s = '';
  for (let i = 0; i < n; i++) s += PIECES[Math.floor(r() * PIECES.length)];
  return s;
}

test('10,000 fuzzed documents: analysis, hovers, completions and actions never throw and stay in bounds', () => {
  const r = seededRandom(20261126);
  const ctx = {
    settings: { ...DEFAULT_SETTINGS, nodeCount: 10 },
    clusters: [{ name: 'c', alive: 5, dead: 2 }],
    runbookPlans: [{ uri: 'u', removals: 4, line: 0, label: 'x' }],
  };
  for (let i = 0; i < 10_000; i++) {
    const text = i % 3 === 0 ? randomDoc(r) : mutate(r, fixture.slice(0, Math.floor(r() * fixture.length)));
    const a = analyzeConfig(text, ctx);
    const lineCount = text.split(/\r\n|\r|\n/).length;
    for (const f of a.findings) {
      assert.ok(f.range.start.line >= 0 && f.range.start.line <= a.doc.lineCount, `finding line in doc ${i}`);
      assert.ok(f.range.start.character <= f.range.end.character || f.range.start.line < f.range.end.line, `ordered range in doc ${i}`);
      assert.ok(f.message.length > 0);
    }
    assert.equal(a.doc.lineCount, lineCount, `line count in doc ${i}`);
    const line = Math.floor(r() * (a.doc.lineCount + 1));
    const lineText = text.split('\n')[line] ?? '';
    const pos = { line, character: Math.floor(r() * (lineText.length + 2)) };
    hoverAt(a, pos);
    completionsAt(a, pos, lineText);
    actionsFor(a, { start: pos, end: pos }, (l) => (text.split('\n')[l] ?? '').length);
  }
});

test('pathological inputs: huge line, only brackets, only equals, deep placeholders', () => {
  const ctx = { settings: DEFAULT_SETTINGS, clusters: [], runbookPlans: [] };
  for (const text of [
    'x'.repeat(1_000_000),
    '['.repeat(10_000),
    '='.repeat(10_000),
    '%{'.repeat(10_000),
    '^'.repeat(10_001) + '#',
    '\n'.repeat(50_000),
    '',
  ]) {
    const a = analyzeConfig(text, ctx);
    assert.ok(Array.isArray(a.findings));
  }
});
