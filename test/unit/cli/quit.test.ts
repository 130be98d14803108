/** A second Ctrl-C: before quitting, the settings the journal holds as changed and how to restore them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from '../../../src/engine/journal';
import { clusterFlags, quitWords } from '../../../src/cli/quit';

test('second signal: lists each setting still changed with its value before, and the restore command with the same cluster flags', () => {
  const dir = mkdtempSync(join(tmpdir(), 'quit-'));
  try {
    const path = join(dir, 'ops.runbook.journal.jsonl');
    const j = Journal.open(path);
    j.run = 'r1';
    j.append({ t: 'begin', op: 'scale-in', params: {}, who: 'me', cluster: 'staging' });
    j.append({ t: 'setting', name: 'meta.lb.assign_secondary_black_list', before: '', after: '10.0.0.1:34801' });
    j.append({ t: 'setting', name: 'meta.lb.assign_delay_ms', before: '300000', after: '10' });
    j.append({ t: 'restored', name: 'meta.lb.assign_delay_ms', value: '300000', how: 'set' });
    j.append({ t: 'setting', name: 'meta_level', before: 'lively', after: 'steady' });
    const text = quitWords('SIGINT', path, { meta: '10.0.0.9:34601' }, 'ops.runbook.md');
    assert.match(text, /^SIGINT again: quitting now, with these 2 settings still changed \(journal .*ops\.runbook\.journal\.jsonl\):\n/);
    assert.match(text, /\n {2}meta\.lb\.assign_secondary_black_list = 10\.0\.0\.1:34801 \(was ''\)\n/);
    assert.match(text, /\n {2}meta_level = steady \(was lively\)\n/);
    assert.doesNotMatch(text, /assign_delay_ms/, 'a restored setting is not listed');
    assert.match(
      text,
      /Restore them with: pegasus-ops exec --meta 10\.0\.0\.9:34601 --journal .*ops\.runbook\.journal\.jsonl restore-settings, or run a `restore-settings` cell in ops\.runbook\.md\n$/,
    );
    assert.match(quitWords('SIGTERM', join(dir, 'none.jsonl'), { cluster: 'c.json' }), /holds no setting as changed/);
    assert.match(quitWords('SIGINT', dir, { cluster: 'c.json' }), /could not be read, so the settings still changed are unknown/);
    assert.equal(clusterFlags({ cluster: '{"name":"a b"}', clusterName: 'a b' }), `--cluster '{"name":"a b"}' --cluster-name 'a b'`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
