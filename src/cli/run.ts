/**
 * `pegasus-ops run FILE.runbook.md [--cluster JSON|FILE [--cluster-name NAME]] [--meta HOST:PORT,...] [--yes] [--yes-production] [--resume]`
 * runs a runbook headless with the same engine as the editor: progress on stderr, results on
 * stdout, non-zero exit when a cell fails. Ctrl+C, SIGTERM and SIGHUP all cancel through the
 * engine (settings restored, the cluster's state printed).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { clusterProfileSchema, describeZodError, pickClusterProfile, type ClusterProfile } from '../cluster/profile';
import { summarizeState } from '../engine/engine';
import { stateWords } from '../commands/steps/words';
import { metaClusterPort } from '../engine/metaPort';
import { MetaClient } from '../pegasus';
import { parseRunbook } from '../runbook/format';
import { runRunbook } from '../runbook/headless';

const USAGE = `Usage: pegasus-ops run FILE.runbook.md [--cluster JSON|FILE [--cluster-name NAME]] [--meta HOST:PORT,...] [--yes] [--yes-production] [--resume]

Runs every pegasus cell of a runbook in order; stops at the first failing cell unless the cell
has {"continueOnError":true}. Every cell is checked first (options and command syntax, reported as
FILE:LINE:COL): one error anywhere and nothing runs. Progress goes to stderr, results to stdout
(one "## [k/N] line L" header per cell); the exit code is 0 only when every cell succeeded.
Each run is appended to FILE.runbook.journal.jsonl next to the runbook.

  --cluster JSON|FILE   one entry of the pegasus.clusters setting, inline or in a JSON file, e.g.
                        '{"name":"sim","metaServers":["127.0.0.1:34601"],
                          "nodeControl":{"kind":"simulator","control":"http://127.0.0.1:34700"}}'
                        or the whole setting (a list): its only entry, the one --cluster-name
                        names, or else the one the runbook's front matter names
  --cluster-name NAME   which entry of a --cluster list to use
  --meta HOST:PORT,...  short form for a cluster without node control (named after the runbook's
                        front matter)
  --yes, -y             answer yes to every confirmation on a cluster that is not production
                        (changes are refused without it when stdin is not a terminal)
  --yes-production      also answer yes on a cluster with "production": true (or a runbook with
                        production: true); --yes alone never does: at a terminal such a change
                        asks you to type the cluster name, elsewhere it is refused
  --resume              continue the run that was interrupted, cancelled (Ctrl+C, SIGTERM) or
                        timed out, from the cell where it stopped (finished engine steps are not
                        repeated)

Ctrl+C, SIGTERM (CI timeout, systemd stop) and SIGHUP cancel the running cell through the engine:
settings are restored, the cluster's state is printed, and the exit code is 130, 143 or 129.
A second signal quits at once.`;

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
  const a: Partial<RunArgs> = { yes: false, resume: false };
  for (let i = 0; i < argv.length; i++) {
    const t = argv[i]!;
    const value = (): string | undefined => {
      const eq = t.indexOf('=');
      if (eq > 0) return t.slice(eq + 1);
      const v = argv[i + 1];
      if (v === undefined || v.startsWith('--')) return undefined;
      i++;
      return v;
    };
    const name = t.split('=')[0];
    if (t === '--help' || t === '-h') return { help: true };
    else if (t === '--yes' || t === '-y') a.yes = true;
    else if (t === '--yes-production') a.yesProduction = true;
    else if (t === '--resume') a.resume = true;
    else if (name === '--cluster' || name === '--meta' || name === '--cluster-name') {
      const v = value();
      if (v === undefined) return { error: `${name} needs a value` };
      if (name === '--cluster') a.cluster = v;
      else if (name === '--cluster-name') a.clusterName = v;
      else a.meta = v;
    } else if (t.startsWith('-')) return { error: `unknown option '${t}'` };
    else if (a.file) return { error: `unexpected argument '${t}': give one runbook file` };
    else a.file = t;
  }
  if (!a.file) return { error: 'missing the runbook file (FILE.runbook.md)' };
  if (a.cluster && a.meta) return { error: 'give either --cluster or --meta, not both' };
  if (a.clusterName !== undefined && !a.cluster) return { error: '--cluster-name picks an entry of a --cluster list; give --cluster too' };
  return a as RunArgs;
}

/** The cluster profile from --cluster (inline JSON or a file) or --meta. Throws with the fix. */
export function resolveProfile(
  args: Pick<RunArgs, 'cluster' | 'clusterName' | 'meta'>,
  runbookCluster: string | undefined,
): ClusterProfile {
  if (args.cluster) {
    const raw = /^[{[]/.test(args.cluster.trim())
      ? args.cluster
      : existsSync(args.cluster)
        ? readFileSync(args.cluster, 'utf8')
        : undefined;
    if (raw === undefined) throw new Error(`--cluster: '${args.cluster}' is neither inline JSON nor an existing file`);
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (e) {
      throw new Error(
        `--cluster: not valid JSON (${e instanceof Error ? e.message : String(e)}); expected one pegasus.clusters entry such as {"name":"sim","metaServers":["127.0.0.1:34601"]}`,
      );
    }
    // The whole setting (a list): --cluster-name picks, a one-entry list needs no name, and
    // otherwise the cluster the runbook's front matter names is the natural choice.
    const name = args.clusterName ?? (Array.isArray(json) && json.length > 1 ? runbookCluster : undefined);
    try {
      return pickClusterProfile(json, name);
    } catch (e) {
      throw new Error(`--cluster: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (args.meta) {
    const p = clusterProfileSchema.safeParse({
      name: runbookCluster ?? 'cli',
      metaServers: args.meta
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    });
    if (!p.success) throw new Error(`--meta: ${describeZodError(p.error, 'meta')}`);
    return p.data;
  }
  throw new Error('no cluster: pass --cluster with a pegasus.clusters entry (JSON or a file) or --meta HOST:PORT,...');
}

export async function run(argv: string[]): Promise<number> {
  const a = parseRunArgs(argv);
  if ('help' in a) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if ('error' in a) {
    process.stderr.write(`pegasus-ops run: ${a.error}\n\n${USAGE}\n`);
    return 2;
  }
  if (!existsSync(a.file)) {
    process.stderr.write(`pegasus-ops run: no such file: ${a.file}\n`);
    return 2;
  }
  let profile: ClusterProfile;
  try {
    profile = resolveProfile(a, parseRunbook(readFileSync(a.file, 'utf8')).frontMatter.cluster);
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
    if (stoppedBy) process.exit(exitCodeFor(sig));
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
