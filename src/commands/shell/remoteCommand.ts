/** `remote_command [-t meta-server|replica-server|all] [-l addr,...] <cmd> [args...]`: the real shell's output, then a summary of the replies. */
import { NodeStatus } from '../../pegasus/types';
import { defineCommand } from '../define';
import type { CommandSpec } from '../types';
import { parseClusterInfo } from '../../cluster/metaInfo';
import { callOpts, dialectOf, type ShellDialect } from './common';
import { result } from '../result';

/** Commands (or first arguments) that only read; anything else with arguments changes a setting. */
const READ_ONLY_COMMANDS = new Set([
  'help',
  'h',
  'H',
  'Help',
  'server-info',
  'server-stat',
  'task-code',
  'config-dump',
  'meta.lb.get_balance_operation_count',
  'perf-counters',
  'perf-counters-by-substr',
  'perf-counters-by-prefix',
  'perf-counters-by-postfix',
]);

export function remoteCommandMutates(cmd: string, cmdArgs: readonly string[]): boolean {
  if (cmdArgs.length === 0 || READ_ONLY_COMMANDS.has(cmd)) return false;
  return cmdArgs[0] !== 'get';
}

/**
 * Commands only the meta leader registers: its load balancer's, and `meta.dump`, which server_state
 * registers once the leader lock is held (master src/meta/server_state.cpp register_cli_commands).
 * Followers and replica servers answer "unknown command".
 */
export function isLeaderOnlyCommand(cmd: string): boolean {
  return cmd.startsWith('meta.lb.') || cmd === 'meta.dump';
}

export const FOLLOWER_SKIP = 'skipped (follower: this setting lives on the leader)';
export const REPLICA_SKIP = 'skipped (replica server: this setting lives on the meta leader)';
const NOT_REPLICA_COMMAND = 'skipped (replica server: a meta server command)';
const NOT_META_COMMAND = 'skipped (meta server: a replica server command)';

/** Where a command is registered: the meta leader only, every meta, replica servers only, or anywhere. */
function homeOf(cmd: string): 'leader' | 'meta' | 'replica' | 'any' {
  if (isLeaderOnlyCommand(cmd)) return 'leader';
  if (cmd.startsWith('meta.')) return 'meta';
  if (cmd.startsWith('replica.') || cmd.startsWith('nfs.')) return 'replica';
  return 'any';
}

interface CallRow {
  /** Which kind of server it is, as far as we know. */
  type: 'meta-server' | 'replica-server';
  /** The label the real shell prints: the -t kind, or `user-specified` for -l. */
  desc: 'meta-server' | 'replica-server' | 'user-specified';
  address: string;
  /** The server answered (the real shell's "succeed"), whatever the answer says. */
  acked: boolean;
  /** The answer says the command worked. */
  ok: boolean;
  /** Why an "unknown command" is not a failure: the command lives elsewhere, and that place was asked too. */
  skipped?: string;
  output: string;
}

/**
 * Marks "unknown command" answers from servers that do not register the command as skipped, when
 * the servers that do were asked too: followers and replica servers for a leader-only command (when
 * the leader was asked), replica servers for another meta.* command, metas for replica.* / nfs.*.
 * Exported for tests.
 */
export function markFollowerSkips(cmd: string, rows: CallRow[], leader: string | undefined): CallRow[] {
  const home = homeOf(cmd);
  const asked = (t: CallRow['type']) => rows.some((r) => r.type === t);
  const reason = (r: CallRow): string | undefined => {
    if (home === 'leader') {
      if (leader === undefined || r.address === leader || !rows.some((x) => x.address === leader && x.type === 'meta-server'))
        return undefined;
      return r.type === 'meta-server' ? FOLLOWER_SKIP : REPLICA_SKIP;
    }
    if (home === 'meta' && r.type === 'replica-server' && asked('meta-server')) return NOT_REPLICA_COMMAND;
    if (home === 'replica' && r.type === 'meta-server' && asked('replica-server')) return NOT_META_COMMAND;
    return undefined;
  };
  return rows.map((r) => {
    if (!r.acked || r.ok || !/unknown command/i.test(r.output)) return r;
    const why = reason(r);
    return why ? { ...r, skipped: why } : r;
  });
}

/** JSON with sorted keys and 2-space indent, as nlohmann's dump(2) of its (ordered) objects. */
function sortedJson(v: unknown): string {
  const sort = (x: unknown): unknown =>
    x !== null && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(
          Object.keys(x)
            .sort()
            .map((k) => [k, sort((x as Record<string, unknown>)[k])]),
        )
      : Array.isArray(x)
        ? x.map(sort)
        : x;
  return JSON.stringify(sort(v), null, 2);
}

/** The reply as master's shell keeps it in `message`: parsed as JSON when it is JSON, else the text. */
function asMessage(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * The real shell's output. 2.5 (v2.5.0 src/shell/commands/node_management.cpp remote_command): a
 * COMMAND line, one `CALL [desc] [addr] succeed|failed: reply` line per server, the counts; master
 * (master src/shell/commands/node_management.cpp remote_command): one JSON object. In both,
 * "succeed" only means the server answered.
 */
export function realRemoteCommandOutput(dialect: ShellDialect, cmd: string, cmdArgs: readonly string[], rows: readonly CallRow[]): string {
  const acked = rows.filter((r) => r.acked).length;
  if (dialect === 'master') {
    const details: Record<string, unknown> = {};
    for (const r of rows) details[r.address] = { acked: r.acked, message: asMessage(r.output), role: r.desc };
    // `command` is "<cmd> <args>", with the space even when there are no arguments.
    return sortedJson({
      command: `${cmd} ${cmdArgs.join(' ')}`,
      details,
      failed_count: rows.length - acked,
      succeed_count: acked,
    });
  }
  const lines = [`COMMAND: ${[cmd, ...cmdArgs].join(' ')}`, ''];
  for (const r of rows) lines.push(`CALL [${r.desc}] [${r.address}] ${r.acked ? 'succeed' : 'failed'}: ${r.output}`);
  lines.push('', `Succeed count: ${acked}`, `Failed count: ${rows.length - acked}`);
  return lines.join('\n');
}

export const remoteCommandCommand: CommandSpec = defineCommand({
  name: 'remote_command',
  category: 'shell',
  summary: 'run a remote command on meta or replica servers (meta.live_percentage, meta.lb.*, server-info, ...)',
  description:
    'Without -t or -l the command goes, as in the Pegasus shell, to every server: each configured meta and every ALIVE replica server. With -t meta-server it goes to every configured meta, with -t replica-server to every ALIVE replica server, with -l to the listed addresses. The output is the real shell\'s (2.5: COMMAND, one CALL line per server and the counts, where "succeed" only means the server answered; master: its JSON object), then a summary that reads the replies: a follower\'s or replica server\'s "unknown command" for a leader-only command (meta.lb.*, meta.dump) is shown as skipped when the leader was asked, and the command succeeds when the leader did.',
  flags: [
    {
      name: 'type',
      short: 't',
      type: 'enum',
      values: ['all', 'meta-server', 'replica-server'],
      complete: 'meta-server',
      description: 'send to every server of this kind',
    },
    {
      name: 'node_list',
      short: 'l',
      type: 'list',
      valueName: 'addr,...',
      complete: 'node',
      description: 'send to these addresses (host:port)',
    },
  ],
  positionals: [
    {
      name: 'cmd',
      type: 'string',
      required: true,
      complete: 'remote-command',
      description: 'the remote command, e.g. meta.live_percentage',
    },
    { name: 'args', type: 'string', rest: true, description: 'its arguments, passed as they are' },
  ],
  examples: [
    'remote_command -t meta-server meta.live_percentage',
    'remote_command meta.lb.assign_delay_ms 10',
    'remote_command -t meta-server server-info',
    'remote_command meta.lb.assign_secondary_black_list 10.0.0.5:34801,10.0.0.6:34801',
  ],
  mutating: (args) => remoteCommandMutates(args.values.cmd, args.values.args),
  describeChange(args) {
    const { cmd, args: a, node_list: list, type } = args.values;
    return `run '${[cmd, ...(a ?? [])].join(' ')}' on ${list ? list.join(', ') : type && type !== 'all' ? `every ${type}` : 'every meta server and every alive replica server'}`;
  },
  async execute(ctx, args) {
    const { cmd, node_list: list } = args.values;
    const cmdArgs = args.values.args ?? [];
    const targets: Pick<CallRow, 'type' | 'desc' | 'address'>[] = [];
    // No -t and no -l: every server, as the real shell does (command_helper.h fill_nodes with "all").
    const type = args.values.type ?? (list ? undefined : 'all');
    let hostPorts: (string | undefined)[] | undefined;
    if (list)
      for (const a of list)
        targets.push({ type: ctx.client.metaServers.includes(a) ? 'meta-server' : 'replica-server', desc: 'user-specified', address: a });
    if (type === 'meta-server' || type === 'all')
      for (const m of ctx.client.metaServers) targets.push({ type: 'meta-server', desc: 'meta-server', address: m });
    if (type === 'replica-server' || type === 'all') {
      const nodes = await ctx.client.listNodes(callOpts(ctx));
      hostPorts = nodes.map((n) => n.hpAddress);
      for (const n of nodes)
        if (n.status === NodeStatus.NS_ALIVE)
          targets.push({ type: 'replica-server', desc: 'replica-server', address: n.hpAddress || n.address });
    }
    // Which meta leads, to tell a non-leader's "unknown command" for a leader-only command from a real failure.
    let leader = ctx.client.leader;
    if (leader === undefined && isLeaderOnlyCommand(cmd) && targets.some((t) => t.type === 'meta-server')) {
      leader = await ctx.client.clusterInfo(callOpts(ctx)).then(
        (ci) => parseClusterInfo(ci).leader,
        () => undefined,
      );
    }

    let jsonReplies = 0;
    const answered: CallRow[] = await Promise.all(
      targets.map(async (t): Promise<CallRow> => {
        try {
          const out = await ctx.client.remoteCommand(cmd, cmdArgs, { ...callOpts(ctx), address: t.address });
          if (out.dialect === 'json') jsonReplies++;
          return { ...t, acked: true, ok: out.ok, output: out.raw.replace(/\0+$/, '') };
        } catch (e) {
          if (ctx.signal.aborted) throw e;
          const code = (e as { code?: unknown }).code;
          return { ...t, acked: false, ok: false, output: typeof code === 'string' ? code : (e as Error).message };
        }
      }),
    );
    const rows = markFollowerSkips(cmd, answered, leader);
    // The meta's hp_* fields say master; without a node list, a JSON reply does.
    const dialect: ShellDialect = hostPorts ? dialectOf(hostPorts) : jsonReplies > 0 ? 'master' : '2.5';
    const outcome = (r: CallRow) => (r.ok ? 'ok' : (r.skipped ?? (r.acked ? 'error' : 'no reply')));
    const succeed = rows.filter((r) => r.ok).length;
    const skipped = rows.filter((r) => r.skipped).length;
    const failed = rows.length - succeed - skipped;
    // Our summary after the real output: what each reply says, not only that it came.
    const summaryLines = ['', '[summary]'];
    for (const r of rows) summaryLines.push(`${r.desc === 'user-specified' ? r.type : r.desc} ${r.address}: ${outcome(r)}`);
    summaryLines.push(`ok: ${succeed}, skipped: ${skipped}, failed: ${failed}`);
    const changed = remoteCommandMutates(cmd, cmdArgs) && succeed > 0;
    return result(
      'remote_command',
      {
        command: cmd,
        arguments: cmdArgs,
        dialect,
        calls: rows.map((r) => ({
          type: r.type,
          role: r.desc,
          address: r.address,
          acked: r.acked,
          ok: r.ok,
          status: r.ok ? 'succeed' : r.skipped ? 'skipped' : 'failed',
          output: r.output,
        })),
        succeedCount: succeed,
        skippedCount: skipped,
        failedCount: failed,
      },
      [
        {
          title: 'calls',
          columns: ['type', 'address', 'result', 'output'],
          rows: rows.map((r) => [r.type, r.address, outcome(r), r.output]),
        },
      ],
      {
        text: [realRemoteCommandOutput(dialect, cmd, cmdArgs, rows), ...summaryLines].join('\n'),
        ok: failed === 0 && (succeed > 0 || rows.length === 0),
        summary: `${cmd}: ${succeed} succeeded, ${failed} failed${skipped ? `, ${skipped} skipped (the setting lives on the meta leader)` : ''}${rows.length === 1 ? ` (${rows[0]!.output.split('\n')[0]})` : ''}`,
        changed,
      },
    );
  },
});
