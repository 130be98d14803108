import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRunbook } from '../../../src/runbook/format';
import { parseCellOptions, parseDuration, timeoutMs } from '../../../src/runbook/cellOptions';

test('front matter: cluster, production, nested defaults, comments, quotes, other keys kept', () => {
  const doc = parseRunbook(
    [
      '---',
      '# which cluster this page runs against',
      'cluster: "prod-bj"   # quoted',
      'production: true',
      "title: 'Scale in: rack 7'",
      'tags: [ops, scale-in]',
      'owners:',
      '  - alice',
      '  - bob',
      'defaults:',
      '  timeout: 45m',
      '  continueOnError: false',
      '---',
      '# T',
    ].join('\n'),
  );
  assert.deepEqual(doc.problems, []);
  assert.equal(doc.frontMatter.cluster, 'prod-bj');
  assert.equal(doc.frontMatter.production, true);
  assert.deepEqual(doc.frontMatter.defaults, { timeout: '45m', continueOnError: false });
  assert.equal((doc.frontMatter as Record<string, unknown>).title, 'Scale in: rack 7');
  assert.deepEqual((doc.frontMatter as Record<string, unknown>).tags, ['ops', 'scale-in']);
  assert.deepEqual((doc.frontMatter as Record<string, unknown>).owners, ['alice', 'bob']);
});

test('front matter: flow mapping for defaults', () => {
  const doc = parseRunbook('---\ncluster: a\ndefaults: {timeout: 10m, confirm: true}\n---\n');
  assert.deepEqual(doc.problems, []);
  assert.deepEqual(doc.frontMatter.defaults, { timeout: '10m', confirm: true });
});

test('front matter errors carry the line and keep the valid cluster', () => {
  const doc = parseRunbook('---\ncluster: staging\ndefaults:\n  timeout: forever\n---\n# T\n');
  assert.equal(doc.frontMatter.cluster, 'staging');
  assert.equal(doc.problems.length, 1);
  assert.equal(doc.problems[0]!.line, 3);
  assert.match(doc.problems[0]!.message, /front matter defaults.timeout: "timeout" must be a duration/);
});

test('front matter syntax errors: bad indentation, tabs, duplicate keys, not a mapping', () => {
  const bad = (fm: string) => parseRunbook(`---\n${fm}\n---\n`).problems;
  const p1 = bad('cluster: a\n   weird: 1');
  assert.equal(p1[0]!.line, 3);
  assert.match(p1[0]!.message, /indentation/);
  const p2 = bad('cluster: a\n\tx: 1');
  assert.match(p2[0]!.message, /tab/);
  assert.equal(p2[0]!.line, 3);
  const p3 = bad('cluster: a\ncluster: b');
  assert.match(p3[0]!.message, /duplicate key "cluster"/);
  assert.equal(p3[0]!.line, 3);
  const p4 = bad('- a\n- b');
  assert.match(p4[0]!.message, /must be a mapping/);
  const p5 = bad('cluster: "unterminated');
  assert.match(p5[0]!.message, /double-quoted/);
  const p6 = bad('cluster: 42');
  assert.match(p6[0]!.message, /"cluster" must be the name of a cluster/);
  const p7 = bad('production: maybe');
  assert.match(p7[0]!.message, /"production" must be true or false/);
});

test('front matter: empty, comment-only, CRLF', () => {
  assert.deepEqual(parseRunbook('---\n---\n').frontMatter, {});
  assert.deepEqual(parseRunbook('---\n# nothing\n---\n').frontMatter, {});
  const crlf = parseRunbook('---\r\ncluster: c\r\n---\r\n');
  assert.equal(crlf.frontMatter.cluster, 'c');
  assert.deepEqual(crlf.problems, []);
});

test('durations', () => {
  assert.equal(parseDuration('30m'), 1_800_000);
  assert.equal(parseDuration('1.5h'), 5_400_000);
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('90'), 90_000);
  assert.equal(parseDuration(5), 5000);
  assert.equal(parseDuration('soon'), undefined);
  assert.equal(parseDuration('5 m'), undefined);
  assert.equal(parseDuration(''), undefined);
  assert.equal(timeoutMs({ timeout: '2h' }), 7_200_000);
  assert.equal(timeoutMs({}), undefined);
});

test('cell options: validation messages name the option, the value and the fix', () => {
  assert.deepEqual(parseCellOptions('{"continueOnError":true,"excludeFromRunAll":false}').value, {
    continueOnError: true,
    excludeFromRunAll: false,
  });
  assert.match(parseCellOptions('{"timeout":"thirty"}').problems[0]!.message, /"timeout" must be a duration such as "90s".*got "thirty"/);
  assert.match(parseCellOptions('confirm').problems[0]!.message, /must be a JSON object/);
  assert.match(parseCellOptions('[1]').problems[0]!.message, /must be a JSON object/);
  assert.match(parseCellOptions('{"name":""}').problems[0]!.message, /"name" must not be empty/);
  const unk = parseCellOptions('{"dangerous":true}', { line: 9, column: 12 }).problems[0]!;
  assert.match(unk.message, /unknown cell option "dangerous"; the options are name, confirm/);
  assert.deepEqual([unk.line, unk.column], [9, 12]);
});

test('front matter keys named like Object.prototype members are plain keys; __proto__ sets no prototype', () => {
  const doc = parseRunbook('---\ncluster: staging\ntoString: a\nconstructor: b\nhasOwnProperty: c\n__proto__: d\n---\n# T\n');
  assert.deepEqual(doc.problems, []);
  assert.equal(doc.frontMatter.cluster, 'staging');
  const flow = parseRunbook('---\ncluster: staging\nextra: {__proto__: x, valueOf: y}\n---\n# T\n');
  assert.deepEqual(flow.problems, []);
  assert.equal(Object.getPrototypeOf(flow.frontMatter) === Object.prototype || Object.getPrototypeOf(flow.frontMatter) === null, true);
  assert.equal(({} as Record<string, unknown>).x, undefined, 'Object.prototype untouched');
  const dup = parseRunbook('---\nextra: {a: 1, a: 2}\n---\n# T\n').problems;
  assert.match(dup[0]!.message, /duplicate key "a" inside \{ \}/);
});
