/**
 * `pegasus-ops exec` running an engine step as a child process against the simulated cluster:
 * SIGTERM mid scale-in cancels through the engine (settings given back, exit 143), the journal is
 * a file that outlives the process, and restore-settings / --resume work from it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulatedCluster } from '../../../src/simulator';

interface SimState {
  settings: { assignSecondaryBlackList: string[]; assignDelayMs: number };
  level: { stored: string };
}

function cli(
  args: string[],
  env: NodeJS.ProcessEnv,
  onStderr?: (all: string, kill: (sig: NodeJS.Signals) => void) => void,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'exec', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      onStderr?.(stderr, (sig) => child.kill(sig));
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

test('exec: SIGTERM mid scale-in restores settings, exits 143 and leaves a journal that restore-settings reads', async () => {
  // Big replicas at a slow clock: the drain takes long enough to be interrupted.
  const sim = await startSimulatedCluster({
    nodes: 5,
    seed: 3,
    timeScale: 10,
    replicaSizeMb: 4096,
    copyRateMb: 100,
    tables: [{ name: 'temp', partitions: 8, replicas: 3 }],
  });
  const dir = mkdtempSync(join(tmpdir(), 'pegasus-exec-journal-'));
  try {
    const cluster = JSON.stringify([
      { name: 'sim', metaServers: sim.metaServers, nodeControl: { kind: 'simulator', control: sim.controlUrl } },
    ]);
    const env = { XDG_STATE_HOME: dir };
    const journal = join(dir, 'pegasus-ops', 'sim.journal.jsonl');
    let sent = false;
    const r = await cli(['--cluster', cluster, '--yes', 'scale-in --nodes 127.0.0.1:34804'], env, (err, kill) => {
      // Once the black list is in force, the run has changed settings: interrupt it like a CI timeout.
      if (!sent && /copy replicas|replicas left/.test(err)) {
        sent = true;
        kill('SIGTERM');
      }
    });
    assert.ok(sent, r.stderr);
    assert.equal(r.code, 143, r.stderr);
    assert.match(r.stderr, new RegExp(`journal: ${journal.replace(/[.]/g, '\\.')}`));
    assert.match(r.stderr, /SIGTERM: cancelling/);
    assert.match(r.stderr, /--resume/);
    // Setting changes were printed, not thinned out with the progress.
    assert.match(r.stderr, /black/i);
    assert.ok(existsSync(journal), 'the journal outlives the process');
    const records = readFileSync(journal, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { t: string; name?: string });
    assert.ok(
      records.some((x) => x.t === 'setting' && x.name === 'meta.lb.assign_secondary_black_list'),
      'the black list change is journaled',
    );
    assert.ok(
      records.some((x) => x.t === 'end'),
      'the cancelled run ended in the journal',
    );
    const st = sim.state({ partitions: false }) as unknown as SimState;
    assert.deepEqual(st.settings.assignSecondaryBlackList, [], 'black list given back on SIGTERM');
    assert.equal(st.level.stored, 'steady');
    // The same journal, found again from the cluster name: restore-settings has nothing left open.
    const restore = await cli(['--cluster', cluster, '--yes', 'restore-settings'], env);
    assert.equal(restore.code, 0, restore.stderr);
    assert.match(restore.stderr, /journal: .*sim\.journal\.jsonl\n/);
    assert.doesNotMatch(restore.stderr, /no journal for this cluster/);
  } finally {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
