/** `pegasus-ops run` as a child process on input that is not a runbook it can run. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

test('pegasus-ops run: a UTF-16 runbook is refused as not UTF-8 before any cluster is looked up (exit 2)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'run-utf16-'));
  try {
    const file = join(dir, 'x.runbook.md');
    writeFileSync(
      file,
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('---\ncluster: a\n---\n```pegasus\nnodes\n```\n', 'utf16le')]),
    );
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'run', file], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /x\.runbook\.md is UTF-16 \(byte-order mark FF FE\), not UTF-8: save it as UTF-8.*; nothing was run/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
