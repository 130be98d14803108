import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const grammar = JSON.parse(readFileSync(join(ROOT, 'syntaxes', 'pegasus-config.tmLanguage.json'), 'utf8'));
const repo = grammar.repository;

function allRegexes(node: unknown, out: string[] = []): string[] {
  if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if ((k === 'match' || k === 'begin' || k === 'end') && typeof v === 'string') out.push(v);
      else allRegexes(v, out);
    }
  }
  return out;
}

test('grammar: scope name matches package.json, every pattern compiles, includes resolve', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const entry = pkg.contributes.grammars.find((g: { language: string }) => g.language === 'pegasus-config');
  assert.equal(entry.scopeName, grammar.scopeName);
  for (const re of allRegexes(grammar)) assert.doesNotThrow(() => new RegExp(re), re);
  for (const inc of JSON.stringify(grammar).matchAll(/"include":\s*"#([^"]+)"/g)) assert.ok(repo[inc[1]!], `missing #${inc[1]}`);
});

test('grammar: sections, keys, values, comments, escapes and placeholders are recognised', () => {
  const section = new RegExp(repo.section.begin);
  assert.ok(section.test('  [meta_server]'));
  const entry = new RegExp(repo.entry.begin);
  assert.equal(entry.exec('  node_live_percentage_threshold_for_update = 50 # x')![1], 'node_live_percentage_threshold_for_update');
  assert.equal(entry.exec('%{cluster.name} = %{meta.server.list}')![1], '%{cluster.name}');
  assert.equal(entry.exec('# commented = 1'), null);
  assert.equal(entry.exec('[a=b]'), null);
  const comment = new RegExp(repo.comment.begin, 'g');
  assert.deepEqual(
    [...'a = b^#c ; d'.matchAll(comment)].map((m) => m.index),
    [9],
    'escaped # is not a comment',
  );
  assert.ok(new RegExp(repo.escape.match).test('bucket^#1'));
  const [tmpl, cargs] = repo.placeholder.patterns.map((p: { match: string }) => new RegExp(p.match));
  assert.equal(tmpl.exec('/pegasus/%{cluster.name}/lock')![2], 'cluster.name');
  assert.equal(cargs.exec('%white_list%')![2], 'white_list');
  const bare = new RegExp(repo['bare-key'].match);
  assert.equal(bare.exec('  bare_key ; comment')![1], 'bare_key');
});
