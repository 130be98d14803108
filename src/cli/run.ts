/**
 * `pegasus-ops run FILE.runbook.md [--cluster JSON|FILE] [--meta HOST:PORT,...] [--yes] [--resume]`
 * runs a runbook headless with the same engine as the editor: progress on stderr, results on
 * stdout, non-zero exit when a cell fails.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { clusterProfileSchema, describeZodError, type ClusterProfile } from '../cluster/profile';
import { MetaClient } from '../pegasus';
import { parseRunbook } from '../runbook/format';
import { runRunbook } from '../runbook/headless';

const USAGE = `Usage: pegasus-ops run FILE.runbook.md [--cluster JSON|FILE] [--meta HOST:PORT,...] [--yes] [--resume]

Runs every pegasus cell of a runbook in order; stops at the first failing cell unless the cell
has {"continueOnError":true}. Progress goes to stderr, results to stdout; the exit code is 0 only
when every cell succeeded. Each run is appended to FILE.runbook.journal.jsonl next to the runbook.

  --cluster JSON|FILE   one entry of the pegasus.clusters setting, inline or in a JSON file, e.g.
                        '{"name":"sim","metaServers":["127.0.0.1:34601"],
                          "nodeControl":{"kind":"simulator","control":"http://127.0.0.1:34700"}}'
  --meta HOST:PORT,...  short form for a cluster without node control (named after the runbook's
                        front matter)
  --yes, -y             answer yes to every confirmation (changes are refused without it when
                        stdin is not a terminal)
  --resume              continue the run the journal says was interrupted, from the cell where
                        it stopped (finished engine steps are not repeated)`;

export interface RunArgs {
  file: string;
  cluster?: string;
  meta?: string;
  yes: boolean;
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
    else if (t === '--resume') a.resume = true;
    else if (name === '--cluster' || name === '--meta') {
      const v = value();
      if (v === undefined) return { error: `${name} needs a value` };
      if (name === '--cluster') a.cluster = v;
      else a.meta = v;
    } else if (t.startsWith('-')) return { error: `unknown option '${t}'` };
    else if (a.file) return { error: `unexpected argument '${t}': give one runbook file` };
    else a.file = t;
  }
  if (!a.file) return { error: 'missing the runbook file (FILE.runbook.md)' };
  if (a.cluster && a.meta) return { error: 'give either --cluster or --meta, not both' };
  return a as RunArgs;
}

/** The cluster profile from --cluster (inline JSON or a file) or --meta. Throws with the fix. */
export function resolveProfile(args: Pick<RunArgs, 'cluster' | 'meta'>, runbookCluster: string | undefined): ClusterProfile {
  if (args.cluster) {
    const raw = args.cluster.trim().startsWith('{') ? args.cluster : existsSync(args.cluster) ? readFileSync(args.cluster, 'utf8') : undefined;
    if (raw === undefined) throw new Error(`--cluster: '${args.cluster}' is neither inline JSON nor an existing file`);
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (e) {
      throw new Error(`--cluster: not valid JSON (${e instanceof Error ? e.message : String(e)}); expected one pegasus.clusters entry such as {"name":"sim","metaServers":["127.0.0.1:34601"]}`);
    }
    // A file holding the whole setting (an array) is accepted when the runbook names one of its entries.
    if (Array.isArray(json)) {
      const hit = json.find((c: unknown) => typeof c === 'object' && c !== null && (c as { name?: unknown }).name === runbookCluster);
      if (!hit) throw new Error(`--cluster: the list has no cluster named "${runbookCluster ?? '(none: the runbook front matter names no cluster)'}"`);
      json = hit;
    }
    const p = clusterProfileSchema.safeParse(json);
    if (!p.success) throw new Error(`--cluster: ${describeZodError(p.error, 'cluster')}`);
    return p.data;
  }
  if (args.meta) {
    const p = clusterProfileSchema.safeParse({ name: runbookCluster ?? 'cli', metaServers: args.meta.split(',').map((s) => s.trim()).filter(Boolean) });
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
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write('\ncancelling the running cell (the engine restores settings first); press Ctrl+C again to quit at once\n');
      ac.abort();
    } else process.exit(130);
  };
  process.on('SIGINT', onSigint);
  const rl = process.stdin.isTTY && !a.yes ? createInterface({ input: process.stdin, output: process.stderr }) : undefined;
  try {
    const r = await runRunbook({
      file: a.file,
      profile,
      client,
      yes: a.yes,
      resume: a.resume,
      out: (s) => process.stdout.write(s),
      err: (s) => process.stderr.write(s),
      ...(rl ? { ask: async (q: string) => /^y(es)?$/i.test((await rl.question(q)).trim()) } : {}),
      signal: ac.signal,
    });
    return ac.signal.aborted ? 130 : r.exitCode;
  } finally {
    rl?.close();
    process.off('SIGINT', onSigint);
    client.close();
  }
}
