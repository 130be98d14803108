/** `remote_command [-t meta-server|replica-server|all] [-l addr,...] <cmd> [args...]`. */
import { NodeStatus } from '../../pegasus/types';
import { defineCommand } from '../define';
import type { CommandSpec } from '../types';
import { parseClusterInfo } from '../../cluster/metaInfo';
import { callOpts } from './common';
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

/** Commands only the meta leader registers (its load balancer's); followers answer "unknown command". */
export function isLeaderOnlyCommand(cmd: string): boolean {
  return cmd.startsWith('meta.lb.');
}

export const FOLLOWER_SKIP = 'skipped (follower: this setting lives on the leader)';

interface CallRow {
  type: 'meta-server' | 'replica-server' | 'leader' | 'node';
  address: string;
  ok: boolean;
  /** A follower's "unknown command" for a leader-only command while the leader was asked too: not a failure. */
  skipped?: boolean;
  output: string;
}

/**
 * Marks followers' "unknown command" answers to a leader-only command as skipped, when the leader
 * was among the servers asked (so the setting did reach the place it lives). Exported for tests.
 */
export function markFollowerSkips(cmd: string, rows: CallRow[], leader: string | undefined): CallRow[] {
  if (!isLeaderOnlyCommand(cmd) || leader === undefined) return rows;
  if (!rows.some((r) => r.address === leader && (r.type === 'meta-server' || r.type === 'leader'))) return rows;
  return rows.map((r) =>
    r.type === 'meta-server' && r.address !== leader && !r.ok && /unknown command/i.test(r.output) ? { ...r, skipped: true } : r,
  );
}

export const remoteCommandCommand: CommandSpec = defineCommand({
  name: 'remote_command',
  category: 'shell',
  summary: 'run a remote command on meta or replica servers (meta.live_percentage, meta.lb.*, server-info, ...)',
  description:
    'Without -t or -l the command goes to the meta leader, where the meta.lb.* settings live (followers answer "unknown command" for them). With -t meta-server it goes to every configured meta, with -t replica-server to every ALIVE replica server, with -l to the listed addresses. With -t meta-server or all, a follower\'s "unknown command" for a meta.lb.* command is shown as skipped (follower: this setting lives on the leader), and the command succeeds when the leader did. Output is the server\'s own text: \'OK\' / values up to 2.5, JSON on 2.6/master.',
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
    'remote_command meta.live_percentage',
    'remote_command meta.lb.assign_delay_ms 10',
    'remote_command -t meta-server server-info',
    'remote_command meta.lb.assign_secondary_black_list 10.0.0.5:34801,10.0.0.6:34801',
  ],
  mutating: (args) => remoteCommandMutates(args.values.cmd, args.values.args),
  describeChange(args) {
    const { cmd, args: a, node_list: list, type } = args.values;
    return `run '${[cmd, ...a].join(' ')}' on ${list ? list.join(', ') : type ? `every ${type}` : 'the meta leader'}`;
  },
  async execute(ctx, args) {
    const { cmd, args: cmdArgs, node_list: list, type } = args.values;
    const targets: { type: CallRow['type']; address: string | undefined }[] = [];
    if (list) for (const a of list) targets.push({ type: ctx.client.metaServers.includes(a) ? 'meta-server' : 'node', address: a });
    if (type === 'meta-server' || type === 'all') for (const m of ctx.client.metaServers) targets.push({ type: 'meta-server', address: m });
    if (type === 'replica-server' || type === 'all') {
      const nodes = await ctx.client.listNodes(callOpts(ctx));
      for (const n of nodes)
        if (n.status === NodeStatus.NS_ALIVE) targets.push({ type: 'replica-server', address: n.hpAddress || n.address });
    }
    if (!list && !type) targets.push({ type: 'leader', address: undefined });
    // Which meta leads, to tell a follower's "unknown command" for meta.lb.* from a real failure.
    let leader = ctx.client.leader;
    if (leader === undefined && isLeaderOnlyCommand(cmd) && targets.some((t) => t.type === 'meta-server')) {
      leader = await ctx.client.clusterInfo(callOpts(ctx)).then(
        (ci) => parseClusterInfo(ci).leader,
        () => undefined,
      );
    }

    const answered: CallRow[] = await Promise.all(
      targets.map(async (t): Promise<CallRow> => {
        try {
          const out = await ctx.client.remoteCommand(cmd, cmdArgs, { ...callOpts(ctx), ...(t.address ? { address: t.address } : {}) });
          return { type: t.type, address: t.address ?? ctx.client.leader ?? 'leader', ok: out.ok, output: out.raw.replace(/\0+$/, '') };
        } catch (e) {
          if (ctx.signal.aborted) throw e;
          const code = (e as { code?: unknown }).code;
          return {
            type: t.type,
            address: t.address ?? ctx.client.leader ?? 'leader',
            ok: false,
            output: typeof code === 'string' ? code : (e as Error).message,
          };
        }
      }),
    );
    const rows = markFollowerSkips(cmd, answered, leader);
    const status = (r: CallRow) => (r.ok ? 'succeed' : r.skipped ? FOLLOWER_SKIP : 'failed');
    // The Pegasus shell's layout: COMMAND line, one CALL line per server, then the counts.
    const lines = [`COMMAND: ${[cmd, ...cmdArgs].join(' ')}`, ''];
    for (const r of rows) {
      const label = r.type === 'node' ? 'replica-server' : r.type === 'leader' ? 'meta-server' : r.type;
      lines.push(`CALL [${label}] [${r.address}] ${status(r)}: ${r.output}`);
    }
    const succeed = rows.filter((r) => r.ok).length;
    const skipped = rows.filter((r) => r.skipped).length;
    const failed = rows.length - succeed - skipped;
    lines.push('', `Succeed count: ${succeed}`, ...(skipped ? [`Skipped count: ${skipped}`] : []), `Failed count: ${failed}`);
    const changed = remoteCommandMutates(cmd, cmdArgs) && succeed > 0;
    return result(
      'remote_command',
      {
        command: cmd,
        arguments: cmdArgs,
        calls: rows.map((r) => ({
          type: r.type,
          address: r.address,
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
          rows: rows.map((r) => [r.type, r.address, status(r), r.output]),
        },
      ],
      {
        text: lines.join('\n'),
        ok: failed === 0 && (succeed > 0 || rows.length === 0),
        summary: `${cmd}: ${succeed} succeeded, ${failed} failed${skipped ? `, ${skipped} followers skipped (the setting lives on the leader)` : ''}${rows.length === 1 ? ` (${rows[0]!.output.split('\n')[0]})` : ''}`,
        changed,
      },
    );
  },
});
