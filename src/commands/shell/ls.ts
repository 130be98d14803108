/** `ls [-d] [-a] [-s status]`: the tables as the real shell lists them, with its health counters under -d. */
import { appStatusName } from '../../cluster/snapshot';
import type { AppInfo } from '../../pegasus/types';
import { AppStatus } from '../../pegasus/types';
import { defineCommand } from '../define';
import { keyValueTable } from '../format';
import type { Cell, CommandSpec, TableData } from '../types';
import { callOpts, dialectOf, freshSnapshot, shellTime, type ShellDialect } from './common';
import { result } from '../result';

function generalRow(a: AppInfo, withAtomic: boolean): Cell[] {
  // drop_time / drop_expire are filled only for a dropped table kept with an expiry; '-' otherwise.
  const kept = a.status === AppStatus.AS_DROPPED && a.expireSecond > 0;
  const row: Cell[] = [
    a.appId,
    appStatusName(a.status),
    a.appName,
    a.appType,
    a.partitionCount,
    a.maxReplicaCount,
    a.isStateful,
    shellTime(a.createSecond),
    kept ? shellTime(a.dropSecond) : '-',
    kept ? shellTime(a.expireSecond) : '-',
    Object.keys(a.envs).length,
  ];
  if (withAtomic) row.push(a.atomicIdempotent ?? false);
  return row;
}

/**
 * Which tables `ls` lists. 2.5 (v2.5.0 src/client/replication_ddl_client.cpp list_apps) asks for the
 * -s status and then keeps only AVAILABLE ones unless -a. Master (src/shell/commands/table_management.cpp
 * ls_apps) sends the status to the meta: none given means AVAILABLE, or every status with -a; -s X
 * means X whatever -a says.
 */
export function lsKeeps(dialect: ShellDialect, status: string | undefined, all: boolean): (a: AppInfo) => boolean {
  const named = status && status !== 'all' ? status.toUpperCase() : undefined;
  const inStatus = (a: AppInfo) => named === undefined || appStatusName(a.status) === named;
  if (dialect === '2.5') return (a) => inStatus(a) && (all || a.status === AppStatus.AS_AVAILABLE);
  if (status === undefined) return (a) => all || a.status === AppStatus.AS_AVAILABLE;
  return inStatus;
}

export const lsCommand: CommandSpec = defineCommand({
  name: 'ls',
  category: 'shell',
  summary: 'list the tables (with partition health counters with -d)',
  description:
    'Health per table as the Pegasus shell counts it: fully_healthy = primary present and replicas >= max_replica_count; write_unhealthy = no primary, or fewer than 2 replicas; read_unhealthy = no primary; unhealthy = partitions - fully_healthy.',
  flags: [
    { name: 'detailed', short: 'd', type: 'boolean', description: 'add [healthy_info] with the health counters of every AVAILABLE table' },
    { name: 'all', short: 'a', type: 'boolean', description: 'include dropped tables' },
    {
      name: 'status',
      short: 's',
      type: 'enum',
      values: ['all', 'available', 'creating', 'dropping', 'dropped'],
      ignoreCase: true,
      description: 'only tables in this status',
    },
  ],
  positionals: [],
  examples: ['ls', 'ls -d'],
  mutating: false,
  async execute(ctx, args) {
    const detailed = args.values.detailed === true;
    const snap = detailed ? await freshSnapshot(ctx) : undefined;
    const all: AppInfo[] = snap
      ? snap.tables.map((t) => t.info)
      : [...(await ctx.client.listApps(callOpts(ctx)))].sort((a, b) => a.appId - b.appId);
    const status = args.values.status;
    // Master always prints atomic_idempotent; the wire says which one answered (app_info's field, else list_nodes' hp_*).
    let dialect: ShellDialect = all.some((a) => a.atomicIdempotent !== undefined) ? 'master' : '2.5';
    if (dialect === '2.5') {
      const hp = snap ? snap.nodes.map((n) => n.hostPort) : (await ctx.client.listNodes(callOpts(ctx))).map((n) => n.hpAddress);
      dialect = dialectOf(hp);
    }
    const apps = all.filter(lsKeeps(dialect, status, args.values.all === true));
    const withAtomic = dialect === 'master';
    const available = apps.filter((a) => a.status === AppStatus.AS_AVAILABLE);
    const columns = [
      'app_id',
      'status',
      'app_name',
      'app_type',
      'partition_count',
      'replica_count',
      'is_stateful',
      'create_time',
      'drop_time',
      'drop_expire',
      'envs_count',
      ...(withAtomic ? ['atomic_idempotent'] : []),
    ];
    const tables: TableData[] = [{ title: 'general_info', columns, rows: apps.map((a) => generalRow(a, withAtomic)) }];
    const data: Record<string, unknown> = {
      generalInfo: apps.map((a) => ({
        appId: a.appId,
        status: appStatusName(a.status),
        appName: a.appName,
        appType: a.appType,
        partitionCount: a.partitionCount,
        replicaCount: a.maxReplicaCount,
        isStateful: a.isStateful,
        createSecond: a.createSecond,
        dropSecond: a.dropSecond,
        expireSecond: a.expireSecond,
        envsCount: Object.keys(a.envs).length,
        ...(withAtomic ? { atomicIdempotent: a.atomicIdempotent ?? false } : {}),
      })),
    };
    // total_app_count counts AVAILABLE tables only, even with -a; the health tables need at least one.
    let summary = `${available.length} available tables${apps.length > available.length ? ` (${apps.length} listed)` : ''}`;
    if (snap && available.length > 0) {
      const healthy = available.map((a) => snap.table(a.appName)!);
      const rows: Cell[][] = [];
      const healthData: unknown[] = [];
      let fully = 0;
      let unhealthy = 0;
      let writeU = 0;
      let readU = 0;
      for (const t of healthy) {
        const h = t.health;
        if (!h) {
          rows.push([t.appId, t.name, t.partitionCount, null, null, null, null]);
          healthData.push({ appId: t.appId, appName: t.name, partitionCount: t.partitionCount, error: t.error ?? 'unknown' });
          unhealthy++;
          continue;
        }
        rows.push([t.appId, t.name, h.partitionCount, h.fullyHealthy, h.unhealthy, h.writeUnhealthy, h.readUnhealthy]);
        healthData.push({ appId: t.appId, appName: t.name, ...h });
        if (h.unhealthy === 0) fully++;
        else unhealthy++;
        if (h.writeUnhealthy > 0) writeU++;
        if (h.readUnhealthy > 0) readU++;
      }
      tables.push({
        title: 'healthy_info',
        columns: ['app_id', 'app_name', 'partition_count', 'fully_healthy', 'unhealthy', 'write_unhealthy', 'read_unhealthy'],
        rows,
      });
      tables.push(
        keyValueTable('summary', [
          ['total_app_count', healthy.length],
          ['fully_healthy_app_count', fully],
          ['unhealthy_app_count', unhealthy],
          ['write_unhealthy_app_count', writeU],
          ['read_unhealthy_app_count', readU],
        ]),
      );
      data.healthyInfo = healthData;
      data.summary = {
        totalAppCount: healthy.length,
        fullyHealthyAppCount: fully,
        unhealthyAppCount: unhealthy,
        writeUnhealthyAppCount: writeU,
        readUnhealthyAppCount: readU,
      };
      summary = `${healthy.length} tables: ${fully} fully healthy, ${unhealthy} unhealthy`;
    } else {
      tables.push(keyValueTable('summary', [['total_app_count', available.length]]));
      data.summary = { totalAppCount: available.length };
    }
    return result('ls', data, tables, { summary });
  },
});
