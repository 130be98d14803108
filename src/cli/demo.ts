/**
 * `pegasus-ops demo` (what `npm start` runs): starts the simulated cluster in this process and runs
 * the bundled example scale-in runbook headless against it, so the whole job can be watched in one
 * command. The runbook is copied to a temporary folder so its run log does not land in the repo.
 */
import { copyFileSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MetaClient } from '../pegasus';
import { runRunbook } from '../runbook/headless';
import { startSimulatedCluster } from '../simulator';

const USAGE = `Usage: pegasus-ops demo [--time-scale X] [--runbook FILE]

Starts a simulated Pegasus cluster (3 metas, 5 replica servers, 2 tables) and runs the example
scale-in runbook (examples/scale-in.runbook.md) against it, confirming every step automatically.

  --time-scale X   simulated seconds per real second (default 20)
  --runbook FILE   run another runbook instead of the example`;

/** The bundled example: next to dist/ when bundled, two levels up from src/cli under tsx. */
export function exampleRunbookPath(): string {
  const candidates = [resolve(__dirname, '..', 'examples', 'scale-in.runbook.md'), resolve(__dirname, '..', '..', 'examples', 'scale-in.runbook.md')];
  const hit = candidates.find((p) => existsSync(p));
  if (!hit) throw new Error(`the example runbook is missing (looked in ${candidates.join(', ')})`);
  return hit;
}

export async function run(argv: string[]): Promise<number> {
  let timeScale = 20;
  let source: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const t = argv[i]!;
    if (t === '--help' || t === '-h') {
      process.stdout.write(USAGE + '\n');
      return 0;
    } else if (t === '--time-scale') {
      timeScale = Number(argv[++i]);
      if (!(timeScale > 0)) {
        process.stderr.write(`pegasus-ops demo: --time-scale needs a number > 0\n`);
        return 2;
      }
    } else if (t === '--runbook') {
      source = argv[++i];
    } else {
      process.stderr.write(`pegasus-ops demo: unknown option '${t}'\n\n${USAGE}\n`);
      return 2;
    }
  }
  const from = source ?? exampleRunbookPath();
  const dir = mkdtempSync(join(tmpdir(), 'pegasus-ops-demo-'));
  const file = join(dir, 'scale-in.runbook.md');
  copyFileSync(from, file);

  const sim = await startSimulatedCluster({
    nodes: 5,
    seed: 1,
    timeScale,
    replicaSizeMb: 512,
    tables: [
      { name: 'temp', partitions: 8, replicas: 3 },
      { name: 'usertable', partitions: 16, replicas: 3 },
    ],
  });
  const err = (s: string) => process.stderr.write(s);
  err(`Simulated cluster "simulated": meta servers ${sim.metaServers.join(', ')}; control ${sim.controlUrl}; time x${timeScale}\n`);
  err(`Running ${from}\n  (copied to ${file}; its run log goes next to it)\n\n`);
  const client = new MetaClient({ metaServers: sim.metaServers });
  const ac = new AbortController();
  const onSigint = () => ac.abort();
  process.once('SIGINT', onSigint);
  try {
    const r = await runRunbook({
      file,
      profile: { name: 'simulated', metaServers: sim.metaServers, nodeControl: { kind: 'simulator', control: sim.controlUrl } },
      client,
      yes: true,
      out: (s) => process.stdout.write(s),
      err,
      signal: ac.signal,
      // The simulated clock runs faster than the engine's: shrink the engine's real-time waits to match.
      engineOptions: { pollIntervalMs: 250, balancedSettleMs: Math.max(200, 20_000 / timeScale), balancerIdleMs: Math.max(1000, 120_000 / timeScale), metaRestartGapMs: Math.max(200, 30_000 / timeScale) },
    });
    const m = sim.metrics() as { replicasCopied?: number; bytesCopied?: number; partitionSecondsWithoutPrimary?: number; frozenSeconds?: number; simulatedSeconds?: number };
    err(
      `\nSimulator's view: ${m.replicasCopied ?? '?'} replicas copied, ${Math.round((m.bytesCopied ?? 0) / 1024 / 1024)} MiB, ` +
        `${m.partitionSecondsWithoutPrimary === undefined ? '?' : m.partitionSecondsWithoutPrimary.toFixed(1)} partition-seconds without a primary, ${m.frozenSeconds ?? '?'} s frozen, ${Math.round(m.simulatedSeconds ?? 0)} simulated seconds.\n` +
        `Open the same runbook in VS Code: run "Pegasus: Start Simulated Cluster", then open examples/scale-in.runbook.md and press Run All.\n`,
    );
    return r.exitCode;
  } finally {
    process.off('SIGINT', onSigint);
    client.close();
    await sim.close();
  }
}
