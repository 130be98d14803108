/**
 * `app <table> [-d] [-r]`, laid out as the real shell prints it (v2.5.0 src/client/replication_ddl_client.cpp
 * list_app; master src/common/replication_common.cpp add_app_info): [parameters], [general], and with -d
 * [replicas], [nodes] and [healthy].
 */
import { SnapshotBuilder } from '../../cluster/snapshot';
import { replicaRatio } from '../../cluster/health';
import { AppStatus, type AppInfo } from '../../pegasus/types';
import { keyValueTable } from '../format';
import { didYouMean } from '../../cluster/suggest';
import { defineCommand } from '../define';
import { CommandError } from '../errors';
import type { Cell, CommandContext, CommandSpec, TableData } from '../types';
import { callOpts, compareAddress, dialectOf, hostNames } from './common';
import { result } from '../result';

/** The meta's "no such table" names neither the table nor the ones there are: say both (and the likely one). */
export async function noSuchTable(ctx: CommandContext, name: string, e: unknown): Promise<never> {
  const code = (e as { code?: unknown }).code;
  if (code !== 'ERR_OBJECT_NOT_FOUND' && code !== 'ERR_APP_NOT_EXIST') throw e;
  const apps = await ctx.client.listApps(callOpts(ctx)).catch(() => undefined);
  if (!apps) throw e;
  const names = apps.filter((a) => a.status === AppStatus.AS_AVAILABLE).map((a) => a.appName);
  const near = didYouMean(name, names);
  throw new CommandError(
    `no table '${name}'${near ? ` (did you mean '${near}'?)` : ''}; tables: ${names.join(', ') || 'none'}`,
    String(code),
    "use a table name from 'ls'",
  );
}

export const appCommand: CommandSpec = defineCommand({
  name: 'app',
  category: 'shell',
  summary: "show one table's partitions: ballot, replicas, primary, secondaries and health",
  flags: [
    { name: 'detailed', short: 'd', type: 'boolean', description: 'add [replicas] per partition, [nodes] per node and [healthy] counters' },
    {
      name: 'resolve_ip',
      short: 'r',
      type: 'boolean',
      description: 'resolve addresses: 2.5 prints host names for ip:port; master prints ip:port for host:port in [nodes]',
    },
  ],
  positionals: [{ name: 'table', type: 'string', required: true, complete: 'table', description: 'the table (app) name' }],
  examples: ['app temp -d'],
  mutating: false,
  async execute(ctx, args) {
    const name = args.values.table;
    const [nodes, cfg] = await Promise.all([
      ctx.client.listNodes(callOpts(ctx)),
      ctx.client.queryPartitionConfig(name, callOpts(ctx)).catch((e: unknown) => noSuchTable(ctx, name, e)),
    ]);
    const maxReplica = cfg.partitions[0]?.maxReplicaCount ?? 0;
    const info: AppInfo = {
      status: AppStatus.AS_AVAILABLE,
      appType: '',
      appName: name,
      appId: cfg.appId,
      partitionCount: cfg.partitionCount,
      envs: {},
      isStateful: cfg.isStateful,
      maxReplicaCount: maxReplica,
      expireSecond: 0,
      createSecond: 0,
      dropSecond: 0,
      initPartitionCount: -1,
    };
    const b = new SnapshotBuilder();
    b.setNodes(nodes);
    b.setApps([info]);
    b.addTable(name, cfg);
    const snap = b.finish(true);
    const table = snap.table(name)!;
    const detailed = args.values.detailed === true;
    const dialect = dialectOf(nodes.map((n) => n.hpAddress));
    // -r: 2.5 turns ip:port into host names everywhere; master turns host:port into ip:port in [nodes] only.
    const resolve = args.values.resolve_ip === true;
    const named =
      resolve && dialect === '2.5' && detailed
        ? await hostNames(
            ctx,
            snap.nodes.map((n) => n.address),
          )
        : (a: string) => a;
    const inReplicas = named;
    const inNodes = (addr: string) => (resolve && dialect === 'master' ? snap.node(addr)?.ip || addr : named(addr));
    const tables: TableData[] = [
      keyValueTable('parameters', [
        ['app_name', name],
        ['detailed', detailed],
      ]),
      keyValueTable('general', [
        ['app_name', name],
        ['app_id', cfg.appId],
        ['partition_count', cfg.partitionCount],
        ['max_replica_count', maxReplica],
      ]),
    ];
    const data: Record<string, unknown> = {
      appName: name,
      detailed,
      appId: cfg.appId,
      partitionCount: cfg.partitionCount,
      maxReplicaCount: maxReplica,
    };
    let summary = `${name}: ${cfg.partitionCount} partitions`;
    if (detailed) {
      const rows: Cell[][] = [];
      const parts: unknown[] = [];
      for (let p = 0; p < (table.partitions?.length ?? 0); p++) {
        const v = snap.partition(table, p)!;
        rows.push([
          v.partitionIndex,
          v.ballot,
          replicaRatio(v.primary !== '', v.secondaries.length, v.maxReplicaCount),
          v.primary ? inReplicas(v.primary) : '-',
          `[${v.secondaries.map(inReplicas).join(',')}]`,
        ]);
        parts.push({ ...v, primary: v.primary ? inReplicas(v.primary) : '', secondaries: v.secondaries.map(inReplicas) });
      }
      tables.push({ title: 'replicas', columns: ['pidx', 'ballot', 'replica_count', 'primary', 'secondaries'], rows });
      // Only the nodes holding a replica of this table, in the shell's map order, then the totals under an empty label.
      const dist = [...snap.tableDistribution(table)].sort((x, y) => compareAddress(x.node.address, y.node.address));
      const perNode = dist.map((d) => ({
        node: inNodes(d.node.address),
        primary: d.primary,
        secondary: d.secondary,
        total: d.primary + d.secondary,
      }));
      const total = perNode.reduce((t, n) => ({ primary: t.primary + n.primary, secondary: t.secondary + n.secondary }), {
        primary: 0,
        secondary: 0,
      });
      const nodeRows: Cell[][] = perNode.map((n) => [n.node, n.primary, n.secondary, n.total]);
      nodeRows.push(['', total.primary, total.secondary, total.primary + total.secondary]);
      tables.push({ title: 'nodes', columns: ['node', 'primary', 'secondary', 'total'], rows: nodeRows });
      const h = table.health!;
      tables.push(
        keyValueTable('healthy', [
          ['fully_healthy_partition_count', h.fullyHealthy],
          ['unhealthy_partition_count', h.unhealthy],
          ['write_unhealthy_partition_count', h.writeUnhealthy],
          ['read_unhealthy_partition_count', h.readUnhealthy],
        ]),
      );
      data.partitions = parts;
      data.nodes = perNode;
      data.nodesTotal = { ...total, total: total.primary + total.secondary };
      data.healthy = h;
      summary = `${name}: ${h.fullyHealthy}/${h.partitionCount} partitions fully healthy`;
    }
    return result('app', data, tables, { summary });
  },
});
