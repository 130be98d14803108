/**
 * `pegasus-ops exec --meta HOST:PORT[,HOST:PORT...] [--json] [--yes] '<command>'`: runs one
 * cell-language command against a cluster and prints the shell-style table (or JSON).
 * Engine steps journal to a file per cluster, so a cancelled or killed run can be resumed or restored.
 * Exit codes: 0 success, 1 the command failed, 2 bad usage or syntax, 128+n cancelled by signal n.
 */
import { quitWords, type ClusterArgs } from './quit';
import { simulatorTwin } from '../simulator/twin';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { currentUser } from '../cluster/operator';
import { isAbsolute, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { ClusterProfile } from '../cluster/profile';
import {
  createRegistry,
  describeError,
  helpIndex,
  isMutating,
  parseCommand,
  quoteArg,
  runParsed,
  CommandSyntaxError,
  type CommandContext,
  type ConfirmRequest,
  type ProgressEvent,
} from '../commands';
import { parseDuration } from '../commands/parser';
import { terminalSafe } from '../commands/safeText';
import { confirmExtras } from '../commands/confirm';
import { MetaClient } from '../pegasus';
import { isProgressUpdate, throttle } from '../runbook/execute';
import { helpText, parseCli, UsageError } from './args';
import { resolveClusterProfile } from './profile';
import { execSpec } from './specs';

export interface ExecOptions {
  profile?: ClusterProfile;
  json: boolean;
  yes: boolean;
  timeoutMs: number;
  line: string;
  /** --journal FILE; the per-cluster default when absent. */
  journal?: string;
  resume: boolean;
  /** How the cluster was given: a named --cluster entry, or a bare --meta list. */
  source?: 'cluster' | 'meta';
  /** The cluster flags as given, to repeat in a restore command. */
  cluster?: ClusterArgs;
}

export { UsageError };

/**
 * Where `exec` keeps a cluster's journal when --journal is not given: one file per cluster in the
 * XDG state directory, so a cancelled or killed step can be resumed or its settings restored later.
 * A `--meta` list has no name: the sorted list is hashed, so the same metas find the same file.
 */
export function defaultJournalPath(
  profile: ClusterProfile,
  source: 'cluster' | 'meta',
  env: NodeJS.ProcessEnv = process.env,
  home: string = homedir(),
): string {
  const state = env.XDG_STATE_HOME && isAbsolute(env.XDG_STATE_HOME) ? env.XDG_STATE_HOME : join(home, '.local', 'state');
  const base =
    source === 'cluster'
      ? profile.name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_')
      : `meta-${createHash('sha256')
          .update([...profile.metaServers].sort().join(','))
          .digest('hex')
          .slice(0, 12)}`;
  return join(state, 'pegasus-ops', `${base}.journal.jsonl`);
}

/** Reads exec's own options (before the command); throws UsageError. Exported for tests. */
export function parseOptions(argv: string[]): ExecOptions | 'help' {
  const parsed = parseCli(execSpec, argv);
  if ('help' in parsed) return 'help';
  const v = parsed.values;
  const o: ExecOptions = { json: v.json === true, yes: v.yes === true, timeoutMs: 10_000, line: '', resume: v.resume === true };
  if (v.journal !== undefined) {
    if (!v.journal.trim()) throw new UsageError('--journal needs a file name');
    o.journal = resolve(v.journal);
  }
  if (v.timeout !== undefined) {
    const ms = parseDuration(v.timeout);
    if (!Number.isFinite(ms) || ms <= 0) throw new UsageError(`--timeout: '${v.timeout}' is not a duration such as 10s or 1m`);
    o.timeoutMs = ms;
  }
  const rest = parsed.positionals;
  o.line = rest.length === 1 ? rest[0]! : rest.map(quoteArg).join(' ');
  const resolved = resolveClusterProfile({ cluster: v.cluster, clusterName: v['cluster-name'], meta: v.meta });
  if (resolved) {
    o.profile = resolved.profile;
    o.source = resolved.source;
    o.cluster = { cluster: v.cluster, clusterName: v['cluster-name'], meta: v.meta };
  }
  return o;
}

/** Exit code after a signal cancelled the command: 128 + the signal number, like a shell reports it. */
export const SIGNAL_EXIT: Record<'SIGINT' | 'SIGTERM' | 'SIGHUP', number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/**
 * Progress lines for stderr. Only pure progress updates (moving numbers) are thinned out, to one
 * per `intervalMs`, the latest one kept and printed; instructions to the operator, setting
 * changes and step messages are printed at once and never dropped.
 */
export function progressPrinter(
  write: (line: string) => void,
  intervalMs = 500,
  now: () => number = Date.now,
): { push(e: ProgressEvent): void; flush(): void } {
  let lastPrinted = '';
  const print = (line: string) => {
    if (line === lastPrinted) return;
    lastPrinted = line;
    write(line + '\n');
  };
  const updates = throttle<string>(print, intervalMs, now);
  return {
    push(e) {
      const line = `${e.fraction !== undefined ? `[${Math.round(e.fraction * 100)}%] ` : ''}${e.message}`;
      if (isProgressUpdate(e)) updates.push(line);
      else {
        // Keep the order: the pending update happened before this message.
        updates.flush();
        print(line);
      }
    },
    flush: () => updates.flush(),
  };
}

/** The terminal question for a change; a production cluster wants its name typed, so a reflexive 'y' cannot change it. */
export function confirmQuestion(req: ConfirmRequest): string {
  return req.production
    ? `Cluster '${req.cluster}' (PRODUCTION): ${req.change}.${confirmExtras(req)}\nType the cluster name to proceed: `
    : `Cluster '${req.cluster}': ${req.change}.${confirmExtras(req)}\nProceed? [y/N] `;
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
    process.stderr.write(`pegasus-ops exec: ${(e as Error).message}\n\n${helpText(execSpec)}\n`);
    return 2;
  }
  const commands = createRegistry();
  if (opts === 'help') {
    process.stdout.write(`${helpText(execSpec)}\n\n${helpIndex(commands)}\n`);
    return 0;
  }
  let json = opts.json;
  const fail = (err: unknown, code: number): number => {
    const d = describeError(err);
    if (json) process.stdout.write(JSON.stringify({ ok: false, error: d }, null, 2) + '\n');
    // Protocol errors already start with their name and end with the hint; do not say it twice.
    // A message ending in '?' or '.' joined to a detail by '. ' would read "port?. the bytes".
    const message = d.message.replace(/([?!.])\. /g, '$1 ');
    const head = message.startsWith(d.name) ? message : `${d.name}: ${message}`;
    const fix = message.includes(d.fix) || d.message.includes(d.fix) ? '' : `\n  what to do: ${d.fix}`;
    // The message can carry a server's error name or text: never raw to the terminal.
    process.stderr.write(terminalSafe(`pegasus-ops exec: ${head}${fix}\n`));
    return code;
  };

  // Parse before connecting: a typo should not cost a network round trip.
  let parsed;
  try {
    if (opts.line.trim() === '') throw new UsageError("no command given, e.g. 'nodes -d'");
    parsed = parseCommand(commands, opts.line);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`pegasus-ops exec: ${e.message}\n\n${helpText(execSpec)}\n`);
      return 2;
    }
    if (e instanceof CommandSyntaxError) {
      if (!json) process.stderr.write(`${opts.line}\n${' '.repeat(Math.max(0, e.column - 1))}${'^'.repeat(Math.max(1, e.length))}\n`);
      return fail(e, 2);
    }
    return fail(e, 1);
  }
  // The shell's own -j/--json on a command means the same as exec's --json.
  if (parsed.args.values.json === true) json = true;
  const needsCluster = parsed.spec.name !== 'help';
  if (needsCluster && !opts.profile) {
    process.stderr.write(
      `pegasus-ops exec: say which cluster with --meta HOST:PORT[,...] or --cluster JSON|FILE\n\n${helpText(execSpec)}\n`,
    );
    return 2;
  }
  const profile = opts.profile ?? { name: 'none', metaServers: ['127.0.0.1:34601'] };
  const client = new MetaClient({ metaServers: profile.metaServers, timeoutMs: opts.timeoutMs });
  const ac = new AbortController();
  // Ctrl+C, a CI timeout (SIGTERM) and a closed terminal (SIGHUP) all take the same path: cancel,
  // the engine gives back what it changed (journaled), then exit. A second signal quits at once.
  let caught: keyof typeof SIGNAL_EXIT | undefined;
  const onSignal = (sig: keyof typeof SIGNAL_EXIT) => {
    if (caught) {
      if (journalPath && isStep) process.stderr.write(quitWords(sig, journalPath, opts.cluster ?? {}));
      process.exit(SIGNAL_EXIT[sig]);
    }
    caught = sig;
    // A closed terminal (SIGHUP) makes writes fail with EPIPE: that must not stop the restore.
    if (sig === 'SIGHUP') for (const s of [process.stdout, process.stderr]) s.on('error', () => undefined);
    process.stderr.write(`\n${sig}: cancelling (a running step gives back the settings it changed first); send it again to quit at once\n`);
    ac.abort();
  };
  const handlers = (Object.keys(SIGNAL_EXIT) as (keyof typeof SIGNAL_EXIT)[]).map((sig) => [sig, () => onSignal(sig)] as const);
  for (const [sig, h] of handlers) process.on(sig, h);
  const yes = opts.yes;
  const progress = progressPrinter((line) => process.stderr.write(terminalSafe(line)));
  const isStep = parsed.spec.category === 'step';
  const journalPath = opts.journal ?? (opts.profile && opts.source ? defaultJournalPath(opts.profile, opts.source) : undefined);
  const ctx: CommandContext = {
    client,
    profile,
    signal: ac.signal,
    progress: (e) => progress.push(e),
    confirm: async (req) => {
      if (yes) return true;
      if (!process.stdin.isTTY) return false;
      return askOnTerminal(req);
    },
    services: {
      steps: {
        ...(journalPath ? { journalPath, who: currentUser(), ...(opts.resume ? { resume: true } : {}) } : {}),
        // plan --rehearse runs on the in-process simulator.
        rehearsalTwin: simulatorTwin(),
      },
    },
  };
  try {
    if (isMutating(parsed.spec, parsed.args) && !yes && !process.stdin.isTTY) {
      process.stderr.write(
        `pegasus-ops exec: '${parsed.args.line.trim()}' changes the cluster '${profile.name}'; pass --yes to confirm it without a terminal\n`,
      );
      return 1;
    }
    if (isStep && journalPath && isMutating(parsed.spec, parsed.args)) {
      const none = !existsSync(journalPath);
      process.stderr.write(
        `journal: ${journalPath}${none && parsed.spec.name === 'restore-settings' ? ' (no journal for this cluster yet: nothing is known to restore)' : ''}\n`,
      );
    }
    const result = await runParsed(ctx, parsed);
    progress.flush();
    if (json)
      process.stdout.write(
        JSON.stringify({ ok: result.ok, command: result.command, summary: result.summary ?? null, data: result.data }, null, 2) + '\n',
      );
    // Tables are already safe (format.ts); free text (remote command output) is made so here.
    else process.stdout.write(terminalSafe(result.text) + '\n');
    return caught ? SIGNAL_EXIT[caught] : result.ok ? 0 : 1;
  } catch (e) {
    progress.flush();
    const code = fail(e, 1);
    if (caught && isStep && journalPath)
      process.stderr.write(
        `to finish: pegasus-ops exec … --resume '${parsed.args.line.trim()}', or … restore-settings (journal ${journalPath})\n`,
      );
    return caught ? SIGNAL_EXIT[caught] : code;
  } finally {
    for (const [sig, h] of handlers) process.removeListener(sig, h);
    client.close();
  }
}
