import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CELL_MAX, terminalSafe } from '../../../src/commands/safeText';
import { renderTables, resultToMarkdown, tableToMarkdown } from '../../../src/commands/format';
import { keyValueTable } from '../../../src/commands';
import type { TableData } from '../../../src/commands/types';

const hasControl = (s: string, keepLines: boolean) =>
  [...s].some((ch) => {
    const c = ch.charCodeAt(0);
    if (keepLines && (c === 0x0a || c === 0x09)) return false;
    return c < 0x20 || (c >= 0x7f && c <= 0x9f);
  });

test('terminalSafe escapes C0, DEL and C1 controls, keeping \\n and \\t only in multi-line text', () => {
  assert.equal(terminalSafe('\x1b]0;pwned\x07'), '\\x1b]0;pwned\\x07');
  assert.equal(terminalSafe('a\x00b\x7fc\x9bd\re'), 'a\\x00b\\x7fc\\x9bd\\x0de');
  assert.equal(terminalSafe('one\ntwo\tthree'), 'one\ntwo\tthree');
  assert.equal(terminalSafe('one\r\ntwo'), 'one\ntwo', 'a CRLF is a line break');
  assert.equal(terminalSafe('one\ntwo\tthree', Infinity, false), 'one\\x0atwo\\x09three');
  assert.equal(terminalSafe('plain host-1:34801 ✓'), 'plain host-1:34801 ✓');
  const once = terminalSafe('\x1b[2J\x1b[31mred');
  assert.equal(terminalSafe(once), once, 'escaping twice changes nothing');
});

test('terminalSafe cuts at max and says the full length', () => {
  const big = 'x'.repeat(10 * 1024 * 1024);
  const shown = terminalSafe(big, 100);
  assert.equal(shown, `${'x'.repeat(100)}… (10485760 chars)`);
  assert.equal(terminalSafe('short', 100), 'short');
  // never half a surrogate pair
  assert.equal(terminalSafe('ab😀cd', 3), 'ab… (6 chars)');
});

test('a table cell holding an escape sequence or 10 MB is shown escaped and cut', () => {
  const evil = '\x1b]0;pwned\x07';
  const big = 'y'.repeat(10 * 1024 * 1024);
  const t: TableData = {
    title: `nodes\x1b[2J`,
    columns: ['address', 'status'],
    rows: [
      [`host${evil}`, 'ALIVE'],
      ['host-2', big],
    ],
  };
  const text = renderTables([t]);
  assert.ok(!hasControl(text, true), text.slice(0, 200));
  assert.match(text, /^\[nodes\\x1b\[2J\]/);
  assert.ok(text.includes('host\\x1b]0;pwned\\x07'));
  assert.ok(text.includes(`${'y'.repeat(CELL_MAX)}… (10485760 chars)`));
  assert.ok(text.length < CELL_MAX * 2, `${text.length} chars`);

  const kv = renderTables([
    keyValueTable('cluster_info', [
      ['meta_servers', evil],
      ['balance', big],
    ]),
  ]);
  assert.ok(!hasControl(kv, true));
  assert.ok(kv.includes('\\x1b]0;pwned\\x07') && kv.includes('… (10485760 chars)'));

  const md = tableToMarkdown(t);
  assert.ok(!hasControl(md, true));
  assert.ok(md.includes('\\\\x1b]0;pwned\\\\x07'), 'markdown escapes the backslash of the shown escape');
  assert.ok(md.length < CELL_MAX * 2);
  const free = resultToMarkdown({ command: 'remote_command', ok: true, data: null, tables: [], text: `out${evil}` });
  assert.equal(free, '```\nout\\x1b]0;pwned\\x07\n```');
});
