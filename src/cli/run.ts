/**
 * `pegasus-ops run FILE.runbook.md [--cluster JSON|FILE [--cluster-name NAME]] [--meta HOST:PORT,...] [--yes] [--yes-production] [--resume]`
 * runs a runbook headless with the same engine as the editor: progress on stderr, results on
 * stdout, non-zero exit when a cell fails. Ctrl+C, SIGTERM and SIGHUP all cancel through the
 * engine (settings restored, the cluster's state printed).
 */
import { quitWords } from './quit';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import type { ClusterProfile } from '../cluster/profile';
import { createRegistry } from '../commands';
import { summarizeState } from '../engine/engine';
import { stateWords } from '../commands/steps/words';
import { metaClusterPort } from '../engine/metaPort';
import { MetaClient } from '../pegasus';
import { parseRunbook } from '../runbook/format';
import { readRunbookText, runRunbook } from '../runbook/headless';
import { runLogPath } from '../runbook/runLog';
import { helpText, parseCli, UsageError } from './args';
import { checkProfileArgs, resolveClusterProfile } from './profile';
import { runSpec } from './specs';

export interface RunArgs {
  file: string;
  cluster?: string;
  clusterName?: string;
  meta?: string;
  yes: boolean;
  yesProduction?: boolean;
  resume: boolean;
}

export function parseRunArgs(argv: readonly string[]): RunArgs | { error: string } | { help: true } {
  let parsed;
  try {
    parsed = parseCli(runSpec, argv);
  } catch (e) {
    return { error: (e as Error).message };
  }
  if ('help' in parsed) return parsed;
  const v = parsed.values;
  const a: RunArgs = {
    file: parsed.positionals[0]!,
    ...(v.cluster !== undefined ? { cluster: v.cluster } : {}),
    ...(v['cluster-name'] !== undefined ? { clusterName: v['cluster-name'] } : {}),
    ...(v.meta !== undefined ? { meta: v.meta } : {}),
    yes: v.yes === true,
    ...(v['yes-production'] ? { yesProduction: true } : {}),
    resume: v.resume === true,
  };
  try {
    // Before the runbook is read: a wrong combination should not wait for the file.
    checkProfileArgs(a);
  } catch (e) {
    return { error: (e as Error).message };
  }
  return a;
}

/** The cluster profile from --cluster (inline JSON or a file) or --meta, which a run needs. Throws with the fix. */
export function resolveProfile(
  args: Pick<RunArgs, 'cluster' | 'clusterName' | 'meta'>,
  runbookCluster: string | undefined,
): ClusterProfile {
  const r = resolveClusterProfile(args, runbookCluster);
  if (!r) throw new UsageError('no cluster: pass --cluster with a pegasus.clusters entry (JSON or a file) or --meta HOST:PORT,...');
  return r.profile;
}

export async function run(argv: string[]): Promise<number> {
  const a = parseRunArgs(argv);
  if ('help' in a) {
    process.stdout.write(helpText(runSpec) + '\n');
    return 0;
  }
  if ('error' in a) {
    process.stderr.write(`pegasus-ops run: ${a.error}\n\n${helpText(runSpec)}\n`);
    return 2;
  }
  if (!existsSync(a.file)) {
    process.stderr.write(`pegasus-ops run: no such file: ${a.file}\n`);
    return 2;
  }
  // Checked before the cluster is looked up: a UTF-16 file has no readable front matter to name one.
  const read = readRunbookText(a.file);
  if ('problem' in read) {
    process.stderr.write(`pegasus-ops run: ${read.problem}; nothing was run\n`);
    return 2;
  }
  let profile: ClusterProfile;
  try {
    profile = resolveProfile(a, parseRunbook(read.text).frontMatter.cluster);
  } catch (e) {
    process.stderr.write(`pegasus-ops run: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
  const client = new MetaClient({ metaServers: profile.metaServers });
  const ac = new AbortController();
  let stoppedBy: NodeJS.Signals | undefined;
  // Every way a terminal, CI runner or service manager stops us goes through the engine's cancel,
  // which restores the settings it changed; a second signal quits at once.
  const onSignal = (sig: NodeJS.Signals) => {
    if (stoppedBy) {
      process.stderr.write(quitWords(sig, runLogPath(a.file), a, a.file));
      process.exit(exitCodeFor(sig));
    }
    stoppedBy = sig;
    process.stderr.write(`\n${sig}: cancelling the running cell (the engine restores settings first); send it again to quit at once\n`);
    ac.abort();
  };
  for (const sig of STOP_SIGNALS) process.on(sig, onSignal);
  // A question opens the terminal only while it is asked: an open readline puts the TTY in raw
  // mode, where Ctrl+C is a key (forwarded below) rather than a signal.
  const question = async (q: string): Promise<string> => {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    rl.on('SIGINT', () => onSignal('SIGINT'));
    try {
      return await rl.question(q, { signal: ac.signal });
    } catch {
      return '';
    } finally {
      rl.close();
    }
  };
  const tty = process.stdin.isTTY === true;
  try {
    const r = await runRunbook({
      file: a.file,
      registry: createRegistry(),
      profile,
      client,
      yes: a.yes,
      yesProduction: a.yesProduction === true,
      resume: a.resume,
      out: (s) => process.stdout.write(s),
      err: (s) => process.stderr.write(s),
      ...(tty ? { ask: async (q: string) => /^y(es)?$/i.test((await question(q)).trim()), askText: question } : {}),
      signal: ac.signal,
    });
    if (!stoppedBy) return r.exitCode;
    let state: string;
    try {
      state = stateWords(summarizeState(await metaClusterPort(client).readState(AbortSignal.timeout(10_000))));
    } catch (e) {
      state = `unknown: it could not be read (${e instanceof Error ? e.message : String(e)}); check it with \`nodes -d\` and \`ls -d\``;
    }
    process.stderr.write(
      `pegasus-ops run: stopped by ${stoppedBy}. Cluster now: ${state}\nContinue where it stopped with: pegasus-ops run ${a.file} … --resume\n`,
    );
    return exitCodeFor(stoppedBy);
  } finally {
    for (const sig of STOP_SIGNALS) process.off(sig, onSignal);
    client.close();
  }
}

const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** The shell's convention: 128 + the signal's number (SIGHUP 1, SIGINT 2, SIGTERM 15). */
export function exitCodeFor(sig: NodeJS.Signals): number {
  return 128 + (sig === 'SIGHUP' ? 1 : sig === 'SIGINT' ? 2 : 15);
}
