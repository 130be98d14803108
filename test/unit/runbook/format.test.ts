import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRunbook, serializeRunbook, type RunbookCell } from '../../../src/runbook/format';

function roundTrip(src: string): void {
  const doc = parseRunbook(src);
  assert.equal(serializeRunbook(doc), src, `round trip changed:\n${JSON.stringify(src)}`);
}

const BASIC = `---
cluster: staging
defaults:
  timeout: 30m
---

# Scale in two nodes

Some prose with \`inline\` code.

\`\`\`pegasus
plan scale-in --nodes 10.0.0.1:34801,10.0.0.2:34801
\`\`\`

More prose.

\`\`\`pegasus {"confirm":true,"timeout":"2h","name":"scale-in"}
scale-in --nodes 10.0.0.1:34801,10.0.0.2:34801
wait-healthy
\`\`\`
`;

test('basic runbook: front matter, markup and code cells', () => {
  const doc = parseRunbook(BASIC);
  assert.deepEqual(doc.problems, []);
  assert.equal(doc.frontMatter.cluster, 'staging');
  assert.deepEqual(doc.frontMatter.defaults, { timeout: '30m' });
  assert.deepEqual(
    doc.cells.map((c) => [c.kind, c.value]),
    [
      ['markup', '# Scale in two nodes\n\nSome prose with `inline` code.'],
      ['code', 'plan scale-in --nodes 10.0.0.1:34801,10.0.0.2:34801'],
      ['markup', 'More prose.'],
      ['code', 'scale-in --nodes 10.0.0.1:34801,10.0.0.2:34801\nwait-healthy'],
    ],
  );
  assert.deepEqual(doc.cells[3]!.options, { confirm: true, timeout: '2h', name: 'scale-in' });
  assert.equal(doc.cells[1]!.line, 11);
  assert.equal(doc.cells[3]!.line, 17);
  assert.equal(doc.cells[0]!.line, 7);
  roundTrip(BASIC);
});

test('round trips byte for byte', async (t) => {
  const cases: Record<string, string> = {
    empty: '',
    'only newline': '\n',
    'only blank lines': '\n\n  \n',
    'no trailing newline': '# T\n\n```pegasus\nnodes -d\n```',
    'several trailing newlines': '# T\n\n```pegasus\nnodes -d\n```\n\n\n',
    'markup only': '# Title\n\ntext\n',
    'code only': '```pegasus\nls -d\n```\n',
    'adjacent code cells': '```pegasus\nls\n```\n```pegasus\nnodes\n```\n',
    'code cells separated by blank lines': '```pegasus\nls\n```\n\n\n\n```pegasus\nnodes\n```\n',
    crlf: '---\r\ncluster: a\r\n---\r\n\r\n# T\r\n\r\n```pegasus\r\nnodes -d\r\nls\r\n```\r\n\r\nEnd.\r\n',
    'mixed line ends': '# T\r\ntext\n\n```pegasus\r\nnodes\n```\r\nend',
    'bom + front matter': '\uFEFF---\ncluster: a\n---\n# x\n',
    'nested fences in a longer fence': '````markdown\n```pegasus\nnot a cell\n```\n````\n\n```pegasus\nls\n```\n',
    'tilde fence holding backticks': '~~~pegasus\n```\nls\n~~~\n',
    'pegasus fence inside other fence': '```sh\n```pegasus\n```\n\ntext\n',
    'indented fence': '  ```pegasus\n  nodes -d\n    ls\n  ```\n',
    'unclosed fence': '# T\n\n```pegasus\nnodes -d\n',
    'unclosed fence, no newline': '```pegasus\nnodes -d',
    'empty code cell': '```pegasus\n```\n',
    'fence in a blockquote is not a cell': '> ```pegasus\n> ls\n> ```\n',
    'info with spaces': '```pegasus   {"name":"x"}   \nls\n```\n',
    'invalid options kept': '```pegasus {"confirm":"yes"}\nls\n```\n',
    'empty front matter': '---\n---\n# T\n',
    'front matter with dots terminator': '---\ncluster: a\n...\ntext\n',
    'unterminated front matter is markdown': '---\ncluster: a\n\n# T\n',
    'hr later is not front matter': '# T\n\n---\ncluster: a\n---\n',
    'trailing spaces and tabs': '# T  \n\t\n```pegasus\nls   \n```  \n \n',
    'front matter only, no newline': '---\ncluster: a\n---',
    'longer closing fence': '```pegasus\nls\n`````\n',
  };
  for (const [name, src] of Object.entries(cases)) {
    await t.test(name, () => roundTrip(src));
  }
});

test('nested fences: only top-level pegasus fences become cells', () => {
  const doc = parseRunbook('````markdown\n```pegasus\nnot a cell\n```\n````\n\n~~~pegasus\n```\nls\n~~~\n');
  const code = doc.cells.filter((c) => c.kind === 'code');
  assert.equal(code.length, 1);
  assert.equal(code[0]!.value, '```\nls');
  assert.equal(doc.cells[0]!.kind, 'markup');
});

test('CRLF: cell values use LF, the document remembers CRLF', () => {
  const doc = parseRunbook('# T\r\n\r\n```pegasus\r\nnodes -d\r\nls\r\n```\r\n');
  assert.equal(doc.eol, '\r\n');
  assert.equal(doc.cells[1]!.value, 'nodes -d\nls');
  assert.equal(doc.cells[0]!.value, '# T');
});

test('indented fence: content indentation removed up to the fence indent', () => {
  const doc = parseRunbook('  ```pegasus\n  nodes -d\n    ls\n ```\n');
  assert.equal(doc.cells[0]!.value, 'nodes -d\n  ls');
});

test('unclosed fence: cell runs to the end with a warning at its line', () => {
  const doc = parseRunbook('# T\n\n```pegasus\nnodes -d\n');
  assert.equal(doc.cells[1]!.value, 'nodes -d');
  assert.equal(doc.problems.length, 1);
  assert.equal(doc.problems[0]!.line, 3);
  assert.match(doc.problems[0]!.message, /never closed/);
});

test('edited cells are regenerated, untouched ones kept verbatim', () => {
  const src = '---\r\ncluster: a\r\n---\r\n\r\n# T\r\n\r\n~~~~pegasus {"name":"x"}\r\nls\r\n~~~~\r\n\r\nEnd.\r\n';
  const doc = parseRunbook(src);
  const cells = doc.cells.map((c): RunbookCell => (c.kind === 'code' ? { ...c, value: 'nodes -d\n```\nls' } : c));
  const out = serializeRunbook({ ...doc, cells });
  assert.equal(out, '---\r\ncluster: a\r\n---\r\n\r\n# T\r\n\r\n~~~~pegasus {"name":"x"}\r\nnodes -d\r\n```\r\nls\r\n~~~~\r\n\r\nEnd.\r\n');
  // And the result parses back to the same cells.
  assert.deepEqual(
    parseRunbook(out).cells.map((c) => c.value),
    cells.map((c) => c.value),
  );
});

test('a body line that would close the fence gets a longer fence', () => {
  const out = serializeRunbook({
    bom: false,
    frontMatterRaw: '',
    trailer: '\n',
    eol: '\n',
    cells: [{ kind: 'code', value: 'ls\n```\nnodes' }],
  });
  assert.equal(out, '````pegasus\nls\n```\nnodes\n````\n');
  assert.equal(parseRunbook(out).cells[0]!.value, 'ls\n```\nnodes');
});

test('changed options are written as JSON after the language', () => {
  const doc = parseRunbook('```pegasus\nls\n```\n');
  const out = serializeRunbook({ ...doc, cells: [{ ...doc.cells[0]!, options: { confirm: true, timeout: '5m' } }] });
  assert.equal(out, '```pegasus {"confirm":true,"timeout":"5m"}\nls\n```\n');
});

test('new cells get blank-line separation and the document line end', () => {
  const doc = parseRunbook('# T\r\n');
  const out = serializeRunbook({ ...doc, cells: [...doc.cells, { kind: 'code', value: 'ls' }, { kind: 'markup', value: 'a\nb' }] });
  assert.equal(out, '# T\r\n\r\n```pegasus\r\nls\r\n```\r\n\r\na\r\nb\r\n');
});

test('a new cell after front matter is separated by one line end', () => {
  const doc = parseRunbook('---\ncluster: a\n---\n');
  const out = serializeRunbook({ ...doc, cells: [{ kind: 'markup', value: '# T' }] });
  assert.equal(out, '---\ncluster: a\n---\n\n# T\n');
});

test('emptied markup cells disappear, deleted cells leave no trace', () => {
  const doc = parseRunbook('# A\n\n```pegasus\nls\n```\n\n# B\n');
  const out = serializeRunbook({ ...doc, cells: [{ ...doc.cells[0]!, value: '' }, doc.cells[1]!] });
  assert.equal(out, '```pegasus\nls\n```\n');
  const out2 = serializeRunbook({ ...doc, cells: [doc.cells[0]!, doc.cells[2]!] });
  assert.equal(out2, '# A\n\n# B\n');
});

test('cell option problems carry line and column of the JSON', () => {
  const doc = parseRunbook(
    '# T\n\n```pegasus {"confirm":"yes"}\nls\n```\n\n```pegasus {"confirm":true,}\nls\n```\n\n```pegasus {"confrim":true}\nls\n```\n',
  );
  assert.equal(doc.problems.length, 3);
  const [a, b, c] = doc.problems;
  assert.deepEqual([a!.line, a!.column], [3, 13]); // at the key
  assert.match(a!.message, /"confirm" must be true or false/);
  assert.equal(b!.line, 7);
  assert.ok(b!.column > 11, `column ${b!.column} should point into the JSON`);
  assert.match(b!.message, /not valid JSON/);
  assert.equal(c!.line, 11);
  assert.match(c!.message, /unknown cell option "confrim"/);
  // Invalid options yield no options rather than half of them.
  assert.deepEqual(doc.cells[1]!.options, {});
});
