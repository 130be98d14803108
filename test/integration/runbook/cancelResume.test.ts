/**
 * Cancel and resume against the simulated cluster: a cancelled scale-in stops, restores its
 * settings, says where the cluster is and is a resume point for the editor and `--resume`; a run
 * killed mid-cell (editor crash, kill -9) is found in the run log and `--resume` continues it from
 * that cell without repeating finished steps.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulatedCluster, type SimulatedCluster } from '../../../src/simulator';
import { MetaClient } from '../../../src/pegasus';
import { runRunbook } from '../../../src/runbook/headless';
import { findResumePoint, readCellRecords } from '../../../src/runbook/runLog';

const RUNBOOK = `---
cluster: sim
---

# Scale in

\`\`\`pegasus
nodes -d
\`\`\`

\`\`\`pegasus {"name":"scale-in"}
scale-in --nodes 127.0.0.1:34804,127.0.0.1:34805
\`\`\`

\`\`\`pegasus
nodes -d
\`\`\`
`;

interface SimState {
  nodes: { address: string; replicas: number; running: boolean }[];
  settings: { assignSecondaryBlackList: string[]; assignDelayMs: number };
  level: { stored: string };
}

async function sim(timeScale: number, replicaSizeMb = 4096): Promise<SimulatedCluster> {
  // Big replicas at a slow clock: the drain takes long enough to be interrupted.
  return startSimulatedCluster({
    nodes: 5,
    seed: 3,
    timeScale,
    replicaSizeMb,
    copyRateMb: 100,
    tables: [{ name: 'temp', partitions: 8, replicas: 3 }],
  });
}

test('cancel mid scale-in: the cell ends cancelled, later cells are skipped, settings are restored and the output says where the cluster is', async () => {
  const s = await sim(10);
  const dir = mkdtempSync(join(tmpdir(), 'runbook-cancel-'));
  const client = new MetaClient({ metaServers: s.metaServers });
  try {
    const file = join(dir, 'c.runbook.md');
    writeFileSync(file, RUNBOOK);
    const ac = new AbortController();
    let err = '';
    const r = await runRunbook({
      file,
      profile: { name: 'sim', metaServers: s.metaServers, nodeControl: { kind: 'simulator', control: s.controlUrl } },
      client,
      yes: true,
      out: () => {},
      err: (t) => {
        err += t;
        // Cancel once the drain is copying data.
        if (/copy replicas/.test(t)) ac.abort();
      },
      signal: ac.signal,
      engineOptions: { pollIntervalMs: 100 },
      progressIntervalMs: 0,
    });
    assert.equal(r.exitCode, 1);
    assert.deepEqual(
      r.outcomes.map((o) => o.status),
      ['succeeded', 'cancelled', 'skipped'],
    );
    assert.match(err, /Cancelled: stopped while running `scale-in/);
    assert.match(err, /Cluster now/);
    const st = s.state({ partitions: false }) as unknown as SimState;
    assert.deepEqual(st.settings.assignSecondaryBlackList, [], 'black list restored after the cancel');
    assert.equal(st.level.stored, 'steady');
    // The editor's resume offer and `run --resume` find the cancelled scale-in alike.
    const point = findResumePoint(readCellRecords(r.journal));
    assert.ok(point, 'the run log shows the cancelled cell');
    assert.equal(point.how, 'cancelled');
    assert.equal(point.cell.index, 2, 'the scale-in cell (index among all cells: heading, nodes -d, scale-in)');
    assert.equal(point.cell.name, 'scale-in');
    assert.ok(!Number.isNaN(Date.parse(point.at)), 'when it was cancelled');
  } finally {
    client.close();
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a run killed mid-cell is resumed from that cell with --resume', async () => {
  const s = await sim(20, 1024);
  const dir = mkdtempSync(join(tmpdir(), 'runbook-resume-'));
  try {
    const file = join(dir, 'r.runbook.md');
    writeFileSync(file, RUNBOOK);
    const cluster = JSON.stringify({ name: 'sim', metaServers: s.metaServers, nodeControl: { kind: 'simulator', control: s.controlUrl } });
    // The real CLI in a child process, killed with SIGKILL while the scale-in drains (a crash).
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'run', file, '--cluster', cluster, '--yes'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let childErr = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`the child never reached the drain:\n${childErr}`));
      }, 60_000);
      child.stderr!.on('data', (d: Buffer) => {
        childErr += d.toString();
        if (/copy replicas|level: started|primaries left/.test(childErr) && !child.killed) {
          child.kill('SIGKILL');
        }
      });
      child.on('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    const journal = file.replace(/\.md$/, '.journal.jsonl');
    const interrupted = findResumePoint(readCellRecords(journal));
    assert.ok(interrupted, `the run log shows the interrupted cell:\n${readFileSync(journal, 'utf8')}`);
    assert.equal(interrupted.how, 'interrupted', 'a kill -9 leaves the cell started, never ended');
    assert.equal(interrupted.cell.index, 2, 'the scale-in cell (index among all cells: heading, nodes -d, scale-in)');
    assert.ok(
      readFileSync(journal, 'utf8')
        .split('\n')
        .some((l) => l.includes('"t":"begin"')),
      'the engine began its run',
    );

    const client = new MetaClient({ metaServers: s.metaServers });
    let err = '';
    try {
      const r = await runRunbook({
        file,
        profile: JSON.parse(cluster),
        client,
        yes: true,
        resume: true,
        out: () => {},
        err: (t) => (err += t),
        engineOptions: { pollIntervalMs: 100 },
      });
      assert.equal(r.exitCode, 0, err);
      assert.deepEqual(
        r.outcomes.map((o) => o.status),
        ['succeeded', 'succeeded'],
        'resumed at the scale-in cell: the first nodes -d is not run again',
      );
      assert.match(err, /resuming session/);
      assert.match(err, /resuming scale-in/);
      const st = s.state({ partitions: false }) as unknown as SimState;
      for (const a of ['127.0.0.1:34804', '127.0.0.1:34805']) assert.equal(st.nodes.find((n) => n.address === a)!.replicas, 0);
      assert.deepEqual(st.settings.assignSecondaryBlackList, []);
      const recs = readCellRecords(journal);
      assert.ok(recs.some((x) => x.cell.resumes === interrupted.session));
      assert.equal(findResumePoint(recs), undefined);
    } finally {
      client.close();
    }
  } finally {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
