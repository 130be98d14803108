/**
 * `pegasus-ops exec --meta HOST:PORT[,HOST:PORT...] [--json] [--yes] '<command>'`: runs one
 * cell-language command against a cluster and prints the shell-style table (or JSON).
 * Exit codes: 0 success, 1 the command failed, 2 bad usage or syntax.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { clusterProfileSchema, describeZodError, type ClusterProfile } from '../cluster/profile';
import { commandRegistry, describeError, helpIndex, isMutating, parseCommand, quoteArg, runParsed, CommandSyntaxError, type CommandContext, type ConfirmRequest } from '../commands';
import { parseDuration } from '../commands/parser';
import { MetaClient } from '../pegasus';

const USAGE = `Usage: pegasus-ops exec (--meta HOST:PORT[,HOST:PORT...] | --cluster JSON|FILE) [--json] [--yes] [--timeout 10s] '<command>'

Runs one command against the cluster and prints the result like the Pegasus shell does.

Options:
  --meta HOST:PORT,...   the meta servers (any of them; the leader is found)
  --cluster JSON|FILE    one entry of the pegasus.clusters setting, inline or in a file
  --json                 print the structured result as JSON instead of the table
  --yes, -y              confirm commands that change the cluster (needed without a terminal)
  --timeout DURATION     per-call timeout (default 10s)
  --help, -h             this help and the command list

Examples:
  pegasus-ops exec --meta 127.0.0.1:34601 'nodes -d'
  pegasus-ops exec --meta 127.0.0.1:34601 --json ls -d
  pegasus-ops exec --meta 127.0.0.1:34601 --yes 'set_meta_level steady'`;

export interface ExecOptions {
  profile?: ClusterProfile;
  json: boolean;
  yes: boolean;
  timeoutMs: number;
  line: string;
}

export class UsageError extends Error {}

function loadProfile(spec: string): ClusterProfile {
  let text = spec;
  if (!spec.trimStart().startsWith('{')) {
    try {
      text = readFileSync(spec, 'utf8');
    } catch (e) {
      throw new UsageError(`--cluster: cannot read '${spec}' (${(e as Error).message}); pass inline JSON or a readable file`);
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--cluster: not valid JSON (${(e as Error).message})`);
  }
  const r = clusterProfileSchema.safeParse(json);
  if (!r.success) throw new UsageError(`--cluster: ${describeZodError(r.error, 'cluster')}`);
  return r.data;
}

/** Reads exec's own options (before the command); throws UsageError. Exported for tests. */
export function parseOptions(argv: string[]): ExecOptions | 'help' {
  const o: ExecOptions = { json: false, yes: false, timeoutMs: 10_000, line: '' };
  let meta: string | undefined;
  let cluster: string | undefined;
  let i = 0;
  const value = (name: string) => {
    const v = argv[++i];
    if (v === undefined) throw new UsageError(`${name} needs a value`);
    return v;
  };
  // Options come before the command; everything from the first other word on is the command.
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    const [name, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    if (name === '--help' || name === '-h') return 'help';
    else if (name === '--json') o.json = true;
    else if (name === '--yes' || name === '-y') o.yes = true;
    else if (name === '--meta') meta = inline ?? value('--meta');
    else if (name === '--cluster') cluster = inline ?? value('--cluster');
    else if (name === '--timeout') {
      const raw = inline ?? value('--timeout');
      const ms = parseDuration(raw);
      if (!Number.isFinite(ms) || ms <= 0) throw new UsageError(`--timeout: '${raw}' is not a duration such as 10s or 1m`);
      o.timeoutMs = ms;
    } else if (name === '--') {
      i++;
      break;
    } else if (a.startsWith('--')) throw new UsageError(`unknown option '${a}'`);
    else break;
  }
  const rest = argv.slice(i);
  o.line = rest.length === 1 ? rest[0]! : rest.map(quoteArg).join(' ');
  if (cluster !== undefined && meta !== undefined) throw new UsageError('give either --meta or --cluster, not both');
  if (cluster !== undefined) o.profile = loadProfile(cluster);
  else if (meta !== undefined) {
    const list = meta.split(',').map((s) => s.trim()).filter(Boolean);
    const r = clusterProfileSchema.safeParse({ name: meta, metaServers: list });
    if (!r.success) {
      // Name the entry the operator typed rather than a schema path.
      const i = r.error.issues[0]?.path[1];
      const what = typeof i === 'number' ? `'${list[i]}': ` : '';
      throw new UsageError(`--meta: ${what}${r.error.issues[0]?.message ?? 'invalid'}`);
    }
    o.profile = r.data;
  }
  return o;
}

/** The terminal question for a change; a production cluster wants its name typed, so a reflexive 'y' cannot change it. */
export function confirmQuestion(req: ConfirmRequest): string {
  return req.production
    ? `Cluster '${req.cluster}' (PRODUCTION): ${req.change}.\nType the cluster name to proceed: `
    : `Cluster '${req.cluster}': ${req.change}.\nProceed? [y/N] `;
}

export function confirmAccepted(req: ConfirmRequest, answer: string): boolean {
  return req.production ? answer.trim() === req.cluster : /^y(es)?$/i.test(answer.trim());
}

async function askOnTerminal(req: ConfirmRequest): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await new Promise<string>((resolve) => rl.question(confirmQuestion(req), resolve));
    return confirmAccepted(req, answer);
  } finally {
    rl.close();
  }
}

export async function run(argv: string[]): Promise<number> {
  let opts: ExecOptions | 'help';
  try {
    opts = parseOptions(argv);
  } catch (e) {
    process.stderr.write(`pegasus-ops exec: ${(e as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (opts === 'help') {
    process.stdout.write(`${USAGE}\n\n${helpIndex(commandRegistry)}\n`);
    return 0;
  }
  const { json } = opts;
  const fail = (err: unknown, code: number): number => {
    const d = describeError(err);
    if (json) process.stdout.write(JSON.stringify({ ok: false, error: d }, null, 2) + '\n');
    // Protocol errors already start with their name and end with the hint; do not say it twice.
    const head = d.message.startsWith(d.name) ? d.message : `${d.name}: ${d.message}`;
    const fix = d.message.includes(d.fix) ? '' : `\n  what to do: ${d.fix}`;
    process.stderr.write(`pegasus-ops exec: ${head}${fix}\n`);
    return code;
  };

  // Parse before connecting: a typo should not cost a network round trip.
  let parsed;
  try {
    if (opts.line.trim() === '') throw new UsageError("no command given, e.g. 'nodes -d'");
    parsed = parseCommand(commandRegistry, opts.line);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`pegasus-ops exec: ${e.message}\n\n${USAGE}\n`);
      return 2;
    }
    if (e instanceof CommandSyntaxError) {
      if (!json) process.stderr.write(`${opts.line}\n${' '.repeat(Math.max(0, e.column - 1))}${'^'.repeat(Math.max(1, e.length))}\n`);
      return fail(e, 2);
    }
    return fail(e, 1);
  }
  const needsCluster = parsed.spec.name !== 'help';
  if (needsCluster && !opts.profile) {
    process.stderr.write(`pegasus-ops exec: say which cluster with --meta HOST:PORT[,...] or --cluster JSON|FILE\n\n${USAGE}\n`);
    return 2;
  }
  const profile = opts.profile ?? { name: 'none', metaServers: ['127.0.0.1:34601'] };
  const client = new MetaClient({ metaServers: profile.metaServers, timeoutMs: opts.timeoutMs });
  const ac = new AbortController();
  const onSigint = () => ac.abort();
  process.once('SIGINT', onSigint);
  const yes = opts.yes;
  let lastProgress = '';
  let lastProgressAt = 0;
  const ctx: CommandContext = {
    client,
    profile,
    signal: ac.signal,
    progress: (e) => {
      // At most two lines a second on stderr, never the same line twice in a row.
      const line = `${e.fraction !== undefined ? `[${Math.round(e.fraction * 100)}%] ` : ''}${e.message}`;
      const now = Date.now();
      if (line === lastProgress || (now - lastProgressAt < 500 && e.fraction !== 1)) return;
      lastProgress = line;
      lastProgressAt = now;
      process.stderr.write(line + '\n');
    },
    confirm: async (req) => {
      if (yes) return true;
      if (!process.stdin.isTTY) return false;
      return askOnTerminal(req);
    },
  };
  try {
    if (isMutating(parsed.spec, parsed.args) && !yes && !process.stdin.isTTY) {
      process.stderr.write(`pegasus-ops exec: '${parsed.args.line.trim()}' changes the cluster '${profile.name}'; pass --yes to confirm it without a terminal\n`);
      return 1;
    }
    const result = await runParsed(ctx, parsed);
    if (json) process.stdout.write(JSON.stringify({ ok: result.ok, command: result.command, summary: result.summary ?? null, data: result.data }, null, 2) + '\n');
    else process.stdout.write(result.text + '\n');
    return result.ok ? 0 : 1;
  } catch (e) {
    return fail(e, 1);
  } finally {
    process.removeListener('SIGINT', onSigint);
    client.close();
  }
}
