/** `remote_command [-t meta-server|replica-server|all] [-l addr,...] <cmd> [args...]`. */
import { NodeStatus } from '../../pegasus/types';
import type { CommandSpec } from '../types';
import { callOpts, result } from './common';

/** Commands (or first arguments) that only read; anything else with arguments changes a setting. */
const READ_ONLY_COMMANDS = new Set(['help', 'h', 'H', 'Help', 'server-info', 'server-stat', 'task-code', 'config-dump', 'meta.lb.get_balance_operation_count', 'perf-counters', 'perf-counters-by-substr', 'perf-counters-by-prefix', 'perf-counters-by-postfix']);

export function remoteCommandMutates(cmd: string, cmdArgs: readonly string[]): boolean {
  if (cmdArgs.length === 0 || READ_ONLY_COMMANDS.has(cmd)) return false;
  return cmdArgs[0] !== 'get';
}

interface CallRow {
  type: 'meta-server' | 'replica-server' | 'leader' | 'node';
  address: string;
  ok: boolean;
  output: string;
}

export const remoteCommandCommand: CommandSpec = {
  name: 'remote_command',
  category: 'shell',
  summary: 'run a remote command on meta or replica servers (meta.live_percentage, meta.lb.*, server-info, ...)',
  description:
    "Without -t or -l the command goes to the meta leader, where the meta.lb.* settings live (followers answer \"unknown command\" for them). With -t meta-server it goes to every configured meta, with -t replica-server to every ALIVE replica server, with -l to the listed addresses. Output is the server's own text: 'OK' / values up to 2.5, JSON on 2.6/master.",
  flags: [
    { name: 'type', short: 't', type: 'enum', values: ['all', 'meta-server', 'replica-server'], complete: 'meta-server', description: 'send to every server of this kind' },
    { name: 'node_list', short: 'l', type: 'list', valueName: 'addr,...', complete: 'node', description: 'send to these addresses (host:port)' },
  ],
  positionals: [
    { name: 'cmd', type: 'string', required: true, complete: 'remote-command', description: 'the remote command, e.g. meta.live_percentage' },
    { name: 'args', type: 'string', rest: true, description: 'its arguments, passed as they are' },
  ],
  examples: [
    'remote_command meta.live_percentage',
    'remote_command meta.lb.assign_delay_ms 10',
    'remote_command -t meta-server server-info',
    "remote_command meta.lb.assign_secondary_black_list 10.0.0.5:34801,10.0.0.6:34801",
  ],
  mutating: (args) => remoteCommandMutates(String(args.values.cmd), (args.values.args as string[] | undefined) ?? []),
  describeChange(args) {
    const a = (args.values.args as string[] | undefined) ?? [];
    return `run '${[String(args.values.cmd), ...a].join(' ')}' on ${args.values.node_list ? (args.values.node_list as string[]).join(', ') : args.values.type ? `every ${String(args.values.type)}` : 'the meta leader'}`;
  },
  async execute(ctx, args) {
    const cmd = String(args.values.cmd);
    const cmdArgs = (args.values.args as string[] | undefined) ?? [];
    const targets: { type: CallRow['type']; address: string | undefined }[] = [];
    const list = args.values.node_list as string[] | undefined;
    const type = args.values.type as string | undefined;
    if (list) for (const a of list) targets.push({ type: ctx.client.metaServers.includes(a) ? 'meta-server' : 'node', address: a });
    if (type === 'meta-server' || type === 'all') for (const m of ctx.client.metaServers) targets.push({ type: 'meta-server', address: m });
    if (type === 'replica-server' || type === 'all') {
      const nodes = await ctx.client.listNodes(callOpts(ctx));
      for (const n of nodes) if (n.status === NodeStatus.NS_ALIVE) targets.push({ type: 'replica-server', address: n.hpAddress || n.address });
    }
    if (!list && !type) targets.push({ type: 'leader', address: undefined });

    const rows: CallRow[] = await Promise.all(
      targets.map(async (t): Promise<CallRow> => {
        try {
          const out = await ctx.client.remoteCommand(cmd, cmdArgs, { ...callOpts(ctx), ...(t.address ? { address: t.address } : {}) });
          return { type: t.type, address: t.address ?? ctx.client.leader ?? 'leader', ok: out.ok, output: out.raw.replace(/\0+$/, '') };
        } catch (e) {
          if (ctx.signal.aborted) throw e;
          const code = (e as { code?: unknown }).code;
          return { type: t.type, address: t.address ?? ctx.client.leader ?? 'leader', ok: false, output: typeof code === 'string' ? code : (e as Error).message };
        }
      }),
    );
    // The Pegasus shell's layout: COMMAND line, one CALL line per server, then the counts.
    const lines = [`COMMAND: ${[cmd, ...cmdArgs].join(' ')}`, ''];
    for (const r of rows) {
      const label = r.type === 'node' ? 'replica-server' : r.type === 'leader' ? 'meta-server' : r.type;
      lines.push(`CALL [${label}] [${r.address}] ${r.ok ? 'succeed' : 'failed'}: ${r.output}`);
    }
    const succeed = rows.filter((r) => r.ok).length;
    lines.push('', `Succeed count: ${succeed}`, `Failed count: ${rows.length - succeed}`);
    const changed = remoteCommandMutates(cmd, cmdArgs) && succeed > 0;
    return result(
      'remote_command',
      { command: cmd, arguments: cmdArgs, calls: rows, succeedCount: succeed, failedCount: rows.length - succeed },
      [{ title: 'calls', columns: ['type', 'address', 'result', 'output'], rows: rows.map((r) => [r.type, r.address, r.ok ? 'succeed' : 'failed', r.output]) }],
      {
        text: lines.join('\n'),
        ok: succeed === rows.length,
        summary: `${cmd}: ${succeed} succeeded, ${rows.length - succeed} failed${rows.length === 1 ? ` (${rows[0]!.output.split('\n')[0]})` : ''}`,
        changed,
      },
    );
  },
};
