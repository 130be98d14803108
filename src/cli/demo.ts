/**
 * `pegasus-ops demo` (what `npm start` runs): starts the simulated cluster in this process and runs
 * the bundled example scale-in runbook headless against it, so the whole job can be watched in one
 * command. The runbook is copied to a temporary folder so its run log does not land in the repo.
 */
import { copyFileSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createRegistry } from '../commands';
import { MetaClient } from '../pegasus';
import { fmtBytes } from '../cluster/units';
import { runRunbook, type HeadlessResult } from '../runbook/headless';
import { startListeningWhereFree } from '../simulator';
import { helpText, parseCli } from './args';
import { demoSpec } from './specs';

/** The bundled example: next to dist/ when bundled, two levels up from src/cli under tsx. */
export function exampleRunbookPath(): string {
  const candidates = [
    resolve(__dirname, '..', 'examples', 'scale-in.runbook.md'),
    resolve(__dirname, '..', '..', 'examples', 'scale-in.runbook.md'),
  ];
  const hit = candidates.find((p) => existsSync(p));
  if (!hit) throw new Error(`the example runbook is missing (looked in ${candidates.join(', ')})`);
  return hit;
}

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    const parsed = parseCli(demoSpec, argv);
    if ('help' in parsed) {
      process.stdout.write(helpText(demoSpec) + '\n');
      return 0;
    }
    values = parsed.values;
  } catch (e) {
    process.stderr.write(`pegasus-ops demo: ${(e as Error).message}\n\n${helpText(demoSpec)}\n`);
    return 2;
  }
  const timeScale = values['time-scale'] === undefined ? 20 : Number(values['time-scale']);
  if (!(timeScale > 0) || !Number.isFinite(timeScale)) {
    process.stderr.write(`pegasus-ops demo: --time-scale '${values['time-scale']}': expected a number > 0\n`);
    return 2;
  }
  const source = values.runbook;
  if (source !== undefined && !existsSync(source)) {
    process.stderr.write(`pegasus-ops demo: --runbook: no such file: ${source}\n`);
    return 2;
  }
  const from = source ?? exampleRunbookPath();
  const dir = mkdtempSync(join(tmpdir(), 'pegasus-ops-demo-'));
  const file = join(dir, 'scale-in.runbook.md');
  copyFileSync(from, file);

  const simOptions = {
    nodes: 5,
    seed: 1,
    timeScale,
    replicaSizeMb: 512,
    sizeSkew: 0.4,
    diskGb: 100,
    tables: [
      { name: 'temp', partitions: 8, replicas: 3 },
      { name: 'usertable', partitions: 16, replicas: 3 },
    ],
  };
  const err = (s: string) => process.stderr.write(s);
  // Replica servers listen on the example runbook's addresses (127.0.0.1:34801…) so plans and
  // progress read real sizes, disks and learning counters.
  const { sim, listening } = await startListeningWhereFree(simOptions);
  if (!listening) err(`Replica server ports 34801-34805 are in use: the replica servers do not listen, so replica sizes are assumed.\n`);
  err(`Simulated cluster "simulated": meta servers ${sim.metaServers.join(', ')}; control ${sim.controlUrl}; time x${timeScale}\n`);
  err(`Running ${from}\n  (copied to ${file}; its run log goes next to it)\n\n`);
  const before = sim.state({ partitions: false }) as unknown as SimState;
  const client = new MetaClient({ metaServers: sim.metaServers });
  const ac = new AbortController();
  const onSignal = () => ac.abort();
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(sig, onSignal);
  try {
    const r = await runRunbook({
      file,
      registry: createRegistry(),
      profile: { name: 'simulated', metaServers: sim.metaServers, nodeControl: { kind: 'simulator', control: sim.controlUrl } },
      client,
      yes: true,
      out: (s) => process.stdout.write(s),
      err,
      signal: ac.signal,
      // The simulated clock runs faster than the engine's: shrink the engine's real-time waits to match.
      engineOptions: {
        pollIntervalMs: 250,
        balancedSettleMs: Math.max(200, 20_000 / timeScale),
        balancerIdleMs: Math.max(1000, 120_000 / timeScale),
        metaRestartGapMs: Math.max(200, 30_000 / timeScale),
      },
    });
    const after = sim.state({ partitions: false }) as unknown as SimState;
    process.stdout.write(demoRecap({ before, after, metrics: sim.metrics() as SimMetrics, outcomes: r.outcomes, file, source: from }));
    return r.exitCode;
  } finally {
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(sig, onSignal);
    client.close();
    await sim.close();
  }
}

interface SimState {
  nodes: { address: string; running: boolean; metaStatus: string }[];
  level: { stored: string };
  metas: { livePercentage: number }[];
  settings: { assignDelayMs: number; assignSecondaryBlackList: string[] };
}

interface SimMetrics {
  replicasCopied?: number;
  bytesCopied?: number;
  partitionSecondsWithoutPrimary?: number;
  frozenSeconds?: number;
  simulatedSeconds?: number;
}

/** The settings a scale-in touches, in words, to compare before and after. */
function settingsOf(s: SimState): string {
  return `level ${s.level.stored}, black list '${s.settings.assignSecondaryBlackList.join(',')}', assign_delay_ms ${s.settings.assignDelayMs}, live_percentage ${[...new Set(s.metas.map((m) => m.livePercentage))].join('/')}`;
}

/** What the demo did, in a few lines a newcomer can check against the tables above. */
export function demoRecap(o: {
  before: SimState;
  after: SimState;
  metrics: SimMetrics;
  outcomes: HeadlessResult['outcomes'];
  file: string;
  source: string;
}): string {
  const running = (s: SimState) => s.nodes.filter((n) => n.running).map((n) => n.address);
  const removed = running(o.before).filter((a) => !running(o.after).includes(a));
  const results = o.outcomes.flatMap((x) => x.results ?? []);
  const plan = (
    results.find((x) => x.command === 'plan')?.data as { plan?: { copies?: number; bytes?: number; sizesFrom?: string } } | undefined
  )?.plan;
  const m = o.metrics;
  const psw = m.partitionSecondsWithoutPrimary ?? 0;
  const restartIdx = o.outcomes.findIndex((x) => x.results?.some((c) => c.command === 'restart-meta'));
  // Kept lowered by a step (it would have frozen the meta to restore it) until the metas restarted.
  const keptPct = results
    .flatMap((x) => (x.data as { settingsLeft?: { name: string; value: string }[] } | undefined)?.settingsLeft ?? [])
    .find((l) => /live_percentage/.test(l.name));
  const failed = o.outcomes.filter((x) => x.status !== 'succeeded');
  const restored = settingsOf(o.before) === settingsOf(o.after);
  const lines = [
    '## Recap',
    '',
    `- cells: ${o.outcomes.length - failed.length}/${o.outcomes.length} succeeded${failed.length ? ` (not: ${failed.map((x) => `${x.label} ${x.status}`).join(', ')})` : ''}`,
    `- nodes removed: ${removed.length}${removed.length ? ` (${removed.join(', ')})` : ''}; ${running(o.after).length} replica servers left`,
    `- replicas copied: ${m.replicasCopied ?? '?'} (${fmtBytes(m.bytesCopied ?? 0)}); the plan said ${plan?.copies ?? '?'}` +
      (plan?.bytes !== undefined
        ? ` (${fmtBytes(plan.bytes)}, ${plan.sizesFrom === 'assumed' ? 'from assumed replica sizes' : 'from the sizes the replica servers reported'})`
        : ''),
    `- seconds frozen: ${m.frozenSeconds ?? '?'} (the engine lowered meta.live_percentage just before the stop that would have frozen the meta)`,
    `- partition-seconds without a primary: ${psw.toFixed(1)}` +
      (psw > 0
        ? ' — each move_pri downgrades the old primary before the new one is upgraded; that hand-over is a fraction of a second per moved primary, never a lost primary'
        : ''),
    restored
      ? `- settings: all back as before the run (${settingsOf(o.after)})`
      : `- settings: NOT all back: before ${settingsOf(o.before)}; now ${settingsOf(o.after)}`,
    ...(keptPct && restartIdx >= 0
      ? [
          `  (live_percentage was lowered to ${keptPct.value} during the run and came back with the meta restart, ${o.outcomes[restartIdx]!.label})`,
        ]
      : []),
    `- ${Math.round(m.simulatedSeconds ?? 0)} simulated seconds; run log ${o.file.replace(/\.md$/, '.journal.jsonl')}`,
    '',
    'The same runbook in VS Code: open this checkout as a folder, run "Pegasus: Start Simulated Cluster" from the',
    `command palette, open ${o.source.endsWith('examples/scale-in.runbook.md') ? 'examples/scale-in.runbook.md' : o.source} and press Run All (each cell asks before it changes anything).`,
    '',
  ];
  return lines.join('\n');
}
