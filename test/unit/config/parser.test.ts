import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { escapeValue, firstEntry, parseConfig, placeholdersIn, unescapeValue } from '../../../src/config/parser';

const fixture = readFileSync(join(__dirname, '..', '..', 'support', 'server.ini'), 'utf8');

test('the shipped config shape parses without problems, with sections in order', () => {
  const doc = parseConfig(fixture);
  assert.deepEqual(doc.problems, []);
  assert.deepEqual(
    doc.sections.map((s) => s.name),
    ['apps..default', 'apps.meta', 'core', 'meta_server', 'replication', 'uri-resolver.dsn://%{cluster.name}', 'task.RPC_RRDB_RRDB_PUT'],
  );
  assert.equal(doc.lineCount, fixture.split('\n').length);
});

test('inline comments are cut off, positions point at key and value', () => {
  const doc = parseConfig(fixture);
  const e = firstEntry(doc, 'meta_server', 'node_live_percentage_threshold_for_update')!;
  assert.equal(e.value, '50');
  const line = fixture.split('\n')[e.line]!;
  assert.equal(line.slice(e.keyStart, e.keyEnd), 'node_live_percentage_threshold_for_update');
  assert.equal(line.slice(e.valueStart, e.valueEnd), '50');
  assert.equal(line[e.eqColumn], '=');
});

test('^# and ^; escapes keep a literal marker; the comment after them is still cut', () => {
  const doc = parseConfig(fixture);
  const e = firstEntry(doc, 'replication', 'cold_backup_root')!;
  assert.equal(e.rawValue, 'bucket^#1');
  assert.equal(e.value, 'bucket#1');
  assert.equal(unescapeValue('a^;b^#c^x'), 'a;b#c^x');
  assert.equal(escapeValue('a;b#c'), 'a^;b^#c');
  const c = doc.comments.find((x) => x.line === e.line)!;
  assert.equal(c.trailing, true);
  assert.match(c.text, /keeps a literal hash/);
});

test('empty values, keys without "=", long lists and placeholders', () => {
  const doc = parseConfig(
    '[s]\n  arguments =\n  bare_key\n  pools = A,B,C, D\n  %{cluster.name} = %{meta.server.list}\n  p = %white_list%\n',
  );
  const [args, bare, pools, tmpl, cargs] = doc.sections[0]!.entries;
  assert.equal(args!.value, '');
  assert.equal(args!.valueStart, args!.valueEnd);
  assert.equal(bare!.key, 'bare_key');
  assert.equal(bare!.eqColumn, -1);
  assert.equal(bare!.value, '');
  assert.equal(pools!.value, 'A,B,C, D');
  assert.equal(tmpl!.key, '%{cluster.name}');
  assert.deepEqual(
    placeholdersIn(tmpl!.value).map((p) => [p.name, p.kind]),
    [['meta.server.list', 'template']],
  );
  assert.deepEqual(
    placeholdersIn(cargs!.value).map((p) => [p.name, p.kind, p.start, p.end]),
    [['white_list', 'cargs', 0, 12]],
  );
  assert.deepEqual(placeholdersIn('50% of 60%'), []);
});

test('duplicate keys: the first definition wins; duplicate sections are marked', () => {
  const doc = parseConfig('[a]\nk = 1\nk = 2\n[b]\nk = 3\n[a]\nk = 4\nj = 5\n');
  assert.equal(firstEntry(doc, 'a', 'k')!.value, '1');
  assert.equal(firstEntry(doc, 'a', 'j')!.value, '5', 'a key first set in the repeated section');
  assert.equal(firstEntry(doc, 'b', 'j'), undefined);
  assert.deepEqual(
    doc.duplicateEntries.map((e) => [e.line, e.value]),
    [
      [2, '2'],
      [6, '4'],
    ],
  );
  const [, second] = doc.sections[0]!.entries;
  assert.equal(second!.duplicateOf!.value, '1');
  assert.equal(doc.sections[1]!.entries[0]!.duplicateOf, undefined, 'same key in another section is fine');
  const again = doc.sections[2]!;
  assert.equal(again.duplicateOf, doc.sections[0]);
  assert.equal(again.entries[0]!.duplicateOf!.value, '1', 'a repeated section still checks keys against the first');
  assert.equal(again.entries[1]!.duplicateOf, undefined);
});

test('syntax problems: key before any section, "[" with "=", unclosed header, text after "]"', () => {
  const doc = parseConfig('orphan = 1\n[a = b]\n[open\n[ok] trailing\n[]\n');
  assert.deepEqual(
    doc.problems.map((p) => [p.kind, p.line]),
    [
      ['key-before-section', 0],
      ['section-with-equals', 1],
      ['unclosed-section', 2],
      ['text-after-section', 3],
      ['empty-section-name', 4],
    ],
  );
  assert.equal(doc.entries[0]!.section, undefined);
});

test('CRLF line endings, tabs and a BOM', () => {
  const doc = parseConfig('\ufeff[meta_server]\r\n\tmin_live_node_count_for_unfreeze\t=\t3 ; c\r\n');
  assert.deepEqual(doc.problems, []);
  const e = firstEntry(doc, 'meta_server', 'min_live_node_count_for_unfreeze')!;
  assert.equal(e.value, '3');
  assert.equal(e.keyStart, 1);
  assert.equal(doc.comments[0]!.text, ' c');
});

test('a lone CR ends a line, as in the editor', () => {
  const doc = parseConfig('[a]\rk = 1\r\nj = 2\n');
  assert.deepEqual(
    doc.entries.map((e) => [e.key, e.line]),
    [
      ['k', 1],
      ['j', 2],
    ],
  );
  assert.equal(doc.lineCount, 4);
});

test('comments and blank lines alone produce no entries', () => {
  const doc = parseConfig('# only\n; comments\n\n   \n');
  assert.equal(doc.entries.length, 0);
  assert.equal(doc.comments.length, 2);
  assert.equal(doc.comments[0]!.trailing, false);
});
