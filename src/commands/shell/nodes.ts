/** `nodes [-d] [-r] [-s status]`: the replica servers with their replica counts, like the Pegasus shell. */
import { defineCommand } from '../define';
import { keyValueTable } from '../format';
import type { CommandSpec, TableData } from '../types';
import { freshSnapshot } from './common';
import { result } from '../result';

export const nodesCommand: CommandSpec = defineCommand({
  name: 'nodes',
  category: 'shell',
  summary: 'list the replica servers with their status (and replica counts with -d)',
  description:
    "Counts are computed from every AVAILABLE table's partition configuration, as the Pegasus shell does; an UNALIVE node shows 0 once the meta removed it from its partitions.",
  flags: [
    { name: 'detailed', short: 'd', type: 'boolean', description: 'add replica_count, primary_count and secondary_count' },
    { name: 'resolve_ip', short: 'r', type: 'boolean', description: 'print ip:port instead of host:port (2.6/master)' },
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
    const addr = (n: (typeof nodes)[number]) => (resolve && n.ip ? n.ip : n.address);
    const columns = detailed ? ['address', 'status', 'replica_count', 'primary_count', 'secondary_count'] : ['address', 'status'];
    const rows = nodes.map((n) => (detailed ? [addr(n), n.status, n.replicaCount, n.primaryCount, n.secondaryCount] : [addr(n), n.status]));
    const alive = snap.nodes.filter((n) => n.status === 'ALIVE').length;
    const unalive = snap.nodes.filter((n) => n.status === 'UNALIVE').length;
    const tables: TableData[] = [
      { title: 'details', columns, rows },
      keyValueTable('summary', [
        ['total_node_count', snap.nodes.length],
        ['alive_node_count', alive],
        ['unalive_node_count', unalive],
      ]),
    ];
    const data = {
      details: nodes.map((n) => ({
        address: addr(n),
        ip: n.ip,
        hostPort: n.hostPort ?? null,
        status: n.status,
        ...(detailed ? { replicaCount: n.replicaCount, primaryCount: n.primaryCount, secondaryCount: n.secondaryCount } : {}),
      })),
      summary: { totalNodeCount: snap.nodes.length, aliveNodeCount: alive, unaliveNodeCount: unalive },
    };
    return result('nodes', data, tables, { summary: `${snap.nodes.length} nodes: ${alive} alive, ${unalive} unalive` });
  },
});
