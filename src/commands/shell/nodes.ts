/** `nodes [-d] [-r] [-s status]`: the replica servers with their replica counts, as the real shell prints them (master src/shell/commands/node_management.cpp ls_nodes). */
import { defineCommand } from '../define';
import { keyValueTable } from '../format';
import type { CommandSpec, TableData } from '../types';
import { dialectOf, freshSnapshot, hostNames } from './common';
import { result } from '../result';

export const nodesCommand: CommandSpec = defineCommand({
  name: 'nodes',
  category: 'shell',
  summary: 'list the replica servers with their status (and replica counts with -d)',
  description:
    "Counts are computed from every AVAILABLE table's partition configuration, as the Pegasus shell does; an UNALIVE node shows 0 once the meta removed it from its partitions.",
  flags: [
    { name: 'detailed', short: 'd', type: 'boolean', description: 'add replica_count, primary_count and secondary_count' },
    {
      name: 'resolve_ip',
      short: 'r',
      type: 'boolean',
      description: 'resolve addresses: 2.5 prints host names for ip:port, master prints ip:port for host:port',
    },
    {
      name: 'status',
      short: 's',
      type: 'enum',
      values: ['all', 'alive', 'unalive'],
      default: 'all',
      ignoreCase: true,
      description: 'only nodes with this status',
    },
  ],
  positionals: [],
  examples: ['nodes -d', 'nodes -s unalive'],
  mutating: false,
  async execute(ctx, args) {
    const snap = await freshSnapshot(ctx);
    const detailed = args.values.detailed === true;
    const resolve = args.values.resolve_ip === true;
    const want = args.values.status.toUpperCase();
    const nodes = snap.nodes.filter((n) => want === 'ALL' || n.status === want);
    // -r: 2.5 turns ip:port into host names, master host:port into ip:port.
    const dialect = dialectOf(snap.nodes.map((n) => n.hostPort));
    const named =
      resolve && dialect === '2.5'
        ? await hostNames(
            ctx,
            nodes.map((n) => n.address),
          )
        : undefined;
    const addr = (n: (typeof nodes)[number]) => (named ? named(n.address) : resolve && n.ip ? n.ip : n.address);
    const columns = detailed ? ['address', 'status', 'replica_count', 'primary_count', 'secondary_count'] : ['address', 'status'];
    const rows = nodes.map((n) => (detailed ? [addr(n), n.status, n.replicaCount, n.primaryCount, n.secondaryCount] : [addr(n), n.status]));
    // The totals count what the -s filter kept: the real shell asks the meta for that status only.
    const alive = nodes.filter((n) => n.status === 'ALIVE').length;
    const unalive = nodes.length - alive;
    const tables: TableData[] = [
      // As the shell does, [parameters] only when -s was given.
      ...(args.given.has('status') ? [keyValueTable('parameters', [['status', String(args.values.status)]])] : []),
      { title: 'details', columns, rows },
      keyValueTable('summary', [
        ['total_node_count', nodes.length],
        ['alive_node_count', alive],
        ['unalive_node_count', unalive],
      ]),
    ];
    const data = {
      ...(args.given.has('status') ? { status: String(args.values.status) } : {}),
      details: nodes.map((n) => ({
        address: addr(n),
        ip: n.ip,
        hostPort: n.hostPort ?? null,
        status: n.status,
        ...(detailed ? { replicaCount: n.replicaCount, primaryCount: n.primaryCount, secondaryCount: n.secondaryCount } : {}),
      })),
      summary: { totalNodeCount: nodes.length, aliveNodeCount: alive, unaliveNodeCount: unalive },
    };
    return result('nodes', data, tables, { summary: `${nodes.length} nodes: ${alive} alive, ${unalive} unalive` });
  },
});
