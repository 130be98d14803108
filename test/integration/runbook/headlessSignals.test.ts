/**
 * `pegasus-ops run` stopped by SIGTERM (CI timeout, systemd stop) mid scale-in: the engine cancels
 * and restores its settings like Ctrl+C, the CLI says where the cluster is and exits 143, and
 * `--resume` continues from the cancelled cell with one consistent message.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulatedCluster } from '../../../src/simulator';
import { MetaClient } from '../../../src/pegasus';
import { runRunbook } from '../../../src/runbook/headless';
import { findResumePoint, readCellRecords } from '../../../src/runbook/runLog';

const RUNBOOK = `---
cluster: sim
---

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
  nodes: { address: string; replicas: number }[];
  settings: { assignSecondaryBlackList: string[]; assignDelayMs: number };
  level: { stored: string };
}

test('SIGTERM mid scale-in restores settings, prints the state, exits 143; --resume continues the cancelled cell', async () => {
  const s = await startSimulatedCluster({
    nodes: 5,
    seed: 3,
    timeScale: 20,
    replicaSizeMb: 1024,
    copyRateMb: 100,
    tables: [{ name: 'temp', partitions: 8, replicas: 3 }],
  });
  const dir = mkdtempSync(join(tmpdir(), 'runbook-sigterm-'));
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
        reject(new Error(`the child did not finish after SIGTERM:\n${childErr}`));
      }, 90_000);
      child.stderr!.on('data', (d: Buffer) => {
        childErr += d.toString();
        if (!sent && /copy replicas/.test(childErr)) {
          sent = true;
          child.kill('SIGTERM');
        }
      });
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    assert.ok(sent, `the drain was reached:\n${childErr}`);
    assert.equal(code, 143, childErr);
    assert.match(childErr, /SIGTERM: cancelling the running cell/);
    assert.match(childErr, /stopped by SIGTERM\. Cluster now: .*level steady/);
    assert.match(childErr, /■ \[2\/3\] line 9 "scale-in" cancelled/);
    const st = s.state({ partitions: false }) as unknown as SimState;
    assert.deepEqual(st.settings.assignSecondaryBlackList, [], 'black list restored after SIGTERM');
    assert.equal(st.settings.assignDelayMs, 600000, 'assign delay restored after SIGTERM');

    const journal = file.replace(/\.md$/, '.journal.jsonl');
    assert.equal(findResumePoint(readCellRecords(journal))?.how, 'cancelled');

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
        r.outcomes.map((o) => o.label),
        ['[2/3] line 9', '[3/3] line 13'],
      );
      assert.match(
        err,
        /^resuming session \S+ from \[2\/3\] line 9 \(`scale-in --nodes 127\.0\.0\.1:34804,127\.0\.0\.1:34805`\), cancelled at /m,
      );
      assert.doesNotMatch(err, /nothing to resume/);
      const after = s.state({ partitions: false }) as unknown as SimState;
      for (const a of ['127.0.0.1:34804', '127.0.0.1:34805']) assert.equal(after.nodes.find((n) => n.address === a)!.replicas, 0);
      assert.deepEqual(after.settings.assignSecondaryBlackList, []);
    } finally {
      client.close();
    }
  } finally {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
