/**
 * A second stop signal while the engine is still restoring: `pegasus-ops run` quits at once, but
 * first lists the settings its journal still holds as changed and the command that restores them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulatedCluster } from '../../../src/simulator';

const RUNBOOK = '```pegasus {"name":"scale-in"}\nscale-in --nodes 127.0.0.1:34804,127.0.0.1:34805\n```\n';

test('a second SIGTERM during the restore lists the settings still changed and how to restore them, then exits 143', async () => {
  const s = await startSimulatedCluster({
    nodes: 5,
    seed: 3,
    timeScale: 20,
    replicaSizeMb: 1024,
    copyRateMb: 100,
    tables: [{ name: 'temp', partitions: 8, replicas: 3 }],
  });
  const dir = mkdtempSync(join(tmpdir(), 'runbook-second-signal-'));
  try {
    const file = join(dir, 's.runbook.md');
    writeFileSync(file, RUNBOOK);
    const cluster = JSON.stringify({ name: 'sim', metaServers: s.metaServers, nodeControl: { kind: 'simulator', control: s.controlUrl } });
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'run', file, '--cluster', cluster, '--yes'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let childErr = '';
    let sent = false;
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`the child did not quit on the second signal:\n${childErr}`));
      }, 90_000);
      child.stderr!.on('data', (d: Buffer) => {
        childErr += d.toString();
        if (!sent && /copy replicas/.test(childErr)) {
          sent = true;
          // A slow meta keeps the restore going long enough for the second signal to land in it.
          void fetch(`${s.controlUrl}/faults`, { method: 'POST', body: JSON.stringify({ delayMs: 3000 }) }).then(() => {
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGTERM'), 300);
          });
        }
      });
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    assert.ok(sent, `the drain was reached:\n${childErr}`);
    assert.equal(code, 143, childErr);
    assert.match(
      childErr,
      /SIGTERM again: quitting now, with (this setting|these \d settings) still changed \(journal .*s\.runbook\.journal\.jsonl\):\n/,
    );
    assert.match(childErr, /\n {2}meta\.lb\.assign_secondary_black_list = 127\.0\.0\.1:34804,127\.0\.0\.1:34805 \(was ''\)\n/);
    assert.match(
      childErr,
      /Restore (it|them) with: pegasus-ops exec --cluster '.*' --journal .*s\.runbook\.journal\.jsonl restore-settings, or run a `restore-settings` cell in /,
    );
  } finally {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
