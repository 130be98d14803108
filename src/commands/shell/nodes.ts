/**
 * `nodes [-d] [-u] [-r] [-s status]`: the replica servers with their replica counts and resource usage, as the
 * real shell prints them (master and v2.5.0 src/shell/commands/node_management.cpp ls_nodes). `-u` asks every
 * ALIVE node (2.5: perf counters, master: `/metrics`); a node that does not answer shows `-` and is listed in
 * [not_answered] with a code, where the real shell would stop.
 */
import { defineCommand } from '../define';
import { keyValueTable } from '../format';
import type { CommandSpec, TableData } from '../types';
import { dialectOf, freshSnapshot, hostNames } from './common';
import { result } from '../result';
import { replicaReader } from './replicaRead';
import type { NodeResource, ReplicaDialect, UnknownNode } from '../../cluster/replicaData';
import type { Cell } from '../types';

export const nodesCommand: CommandSpec = defineCommand({
  name: 'nodes',
  category: 'shell',
  summary: 'list the replica servers with their status (replica counts with -d, memory and disk use with -u)',
  description:
    "Counts are computed from every AVAILABLE table's partition configuration, as the Pegasus shell does; an UNALIVE node shows 0 once the meta removed it from its partitions.",
  flags: [
    { name: 'detailed', short: 'd', type: 'boolean', description: 'add replica_count, primary_count and secondary_count' },
    {
      name: 'resource_usage',
      short: 'u',
      type: 'boolean',
      description: 'add memory and disk columns read from the replica servers (disk_avl_*_ratio: percent of disk space available)',
    },
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
  examples: ['nodes -d', 'nodes -u', 'nodes -s unalive'],
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
    const usageOn = args.values.resource_usage === true;
    let usage: Map<string, NodeResource> | undefined;
    let unknown: UnknownNode[] = [];
    const rd: ReplicaDialect = dialect === 'master' ? '2.6' : '2.5';
    // Master reads /metrics at host:port; 2.5 sends remote commands to ip:port.
    const readAt = (n: (typeof nodes)[number]) => (rd === '2.6' ? n.hostPort || n.address : n.ip || n.address);
    if (usageOn) {
      // As fill_nodes does: only ALIVE servers are asked; the others keep the shell's zeros.
      const asked = nodes.filter((n) => n.status === 'ALIVE');
      const u = await replicaReader(ctx).readResourceUsage(asked.map(readAt), {
        dialect: rd,
        remote: ctx.client,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      });
      usage = new Map(u.usage.map((x) => [x.node, x]));
      unknown = [...u.unknown];
    }
    const usageColumns =
      rd === '2.6'
        ? [
            'memused_res_mb',
            'block_cache_mb',
            'wbm_total_mb',
            'wbm_mutable_mb',
            'mem_tbl_mb',
            'mem_idx_mb',
            'disk_avl_total_ratio',
            'disk_avl_min_ratio',
          ]
        : ['memused_res_mb', 'block_cache_mb', 'mem_tbl_mb', 'mem_idx_mb', 'disk_avl_total_ratio', 'disk_avl_min_ratio'];
    const toMb = (b: number) => Math.trunc(b / (1 << 20));
    const usageCells = (n: (typeof nodes)[number]): Cell[] => {
      const x = usage?.get(readAt(n));
      if (!x) return usageColumns.map(() => (n.status === 'ALIVE' ? null : 0));
      const mem = [x.memusedResMb, toMb(x.blockCacheBytes)];
      const wbm = rd === '2.6' ? [toMb(x.wbmTotalBytes ?? 0), toMb(x.wbmMutableBytes ?? 0)] : [];
      return [...mem, ...wbm, toMb(x.memTableBytes), toMb(x.memIndexBytes), x.diskAvailTotalRatio, x.diskAvailMinRatio];
    };
    const columns = [
      'address',
      'status',
      ...(detailed ? ['replica_count', 'primary_count', 'secondary_count'] : []),
      ...(usageOn ? usageColumns : []),
    ];
    const rows = nodes.map((n) => [
      addr(n),
      n.status,
      ...(detailed ? [n.replicaCount, n.primaryCount, n.secondaryCount] : []),
      ...(usageOn ? usageCells(n) : []),
    ]);
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
    const byRead = new Map(nodes.map((n) => [readAt(n), n]));
    if (unknown.length > 0) {
      tables.push({
        title: 'not_answered',
        columns: ['node', 'code', 'detail'],
        rows: unknown.map((u) => [byRead.has(u.node) ? addr(byRead.get(u.node)!) : u.node, u.code, u.detail]),
      });
    }
    const data = {
      ...(args.given.has('status') ? { status: String(args.values.status) } : {}),
      details: nodes.map((n) => ({
        address: addr(n),
        ip: n.ip,
        hostPort: n.hostPort ?? null,
        status: n.status,
        ...(detailed ? { replicaCount: n.replicaCount, primaryCount: n.primaryCount, secondaryCount: n.secondaryCount } : {}),
        ...(usageOn ? { resourceUsage: usage?.get(readAt(n)) ?? null } : {}),
      })),
      ...(usageOn ? { unknown: unknown.map((u) => ({ ...u, node: byRead.has(u.node) ? addr(byRead.get(u.node)!) : u.node })) } : {}),
      summary: { totalNodeCount: nodes.length, aliveNodeCount: alive, unaliveNodeCount: unalive },
    };
    return result('nodes', data, tables, { summary: `${nodes.length} nodes: ${alive} alive, ${unalive} unalive` });
  },
});
