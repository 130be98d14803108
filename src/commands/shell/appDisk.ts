/**
 * `app_disk <table> [-d] [-r]`: SST size per replica as the replica servers report it, laid out as the
 * real shell prints it (v2.5.0 and master src/shell/commands/table_management.cpp app_disk): [parameters],
 * [result] with the totals and what was not counted, and with -d [details] with `addr(MB,#files)` per
 * replica. Unlike the real shell, a node that does not answer does not abort the command: its replicas
 * show `(-,-)`, count as "not counted", and the node is listed in [not_answered] with a code.
 */
import { compareAddress, callOpts, hostNames } from './common';
import { defineCommand } from '../define';
import { keyValueTable } from '../format';
import { result } from '../result';
import type { Cell, CommandSpec, TableData } from '../types';
import { noSuchTable } from './app';
import { cppDouble, printerDouble, readAddress, replicaDialectOf, replicaReader } from './replicaRead';
import { MB } from '../../cluster/replicaData';

export const appDiskCommand: CommandSpec = defineCommand({
  name: 'app_disk',
  category: 'shell',
  summary: "show a table's disk use: SST size per replica, as the replica servers report it",
  description:
    'Asks every ALIVE replica server (2.5: perf counters by remote command; master: HTTP /metrics). Sizes are MB as the servers report them.',
  flags: [
    { name: 'detailed', short: 'd', type: 'boolean', description: 'add [details]: every replica with its size and SST file count' },
    {
      name: 'resolve_ip',
      short: 'r',
      type: 'boolean',
      description: 'resolve addresses: 2.5 prints host names for ip:port, master prints ip:port for host:port',
    },
  ],
  positionals: [{ name: 'table', type: 'string', required: true, complete: 'table', description: 'the table (app) name' }],
  examples: ['app_disk temp', 'app_disk temp -d'],
  mutating: false,
  async execute(ctx, args) {
    const name = args.values.table;
    const [nodes, cfg] = await Promise.all([
      ctx.client.listNodes(callOpts(ctx)),
      ctx.client.queryPartitionConfig(name, callOpts(ctx)).catch((e: unknown) => noSuchTable(ctx, name, e)),
    ]);
    const detailed = args.values.detailed === true;
    const dialect = replicaDialectOf(nodes);
    const alive = nodes.filter((n) => n.status === 1);
    const read = await replicaReader(ctx).readReplicaData(
      alive.map((n) => readAddress(n, dialect)),
      { dialect, tableId: cfg.appId, remote: ctx.client, ...(ctx.signal ? { signal: ctx.signal } : {}) },
    );
    // Figures keyed by the address the partition config names (ip:port on 2.5, host:port on master).
    const keyOf = new Map(alive.map((n) => [readAddress(n, dialect), dialect === '2.6' ? n.hpAddress || n.address : n.address]));
    const sizes = new Map<string, { mb: number; files?: number }>();
    for (const r of read.replicas) {
      if (r.appId !== cfg.appId) continue;
      sizes.set(`${keyOf.get(r.node) ?? r.node}#${r.partitionIndex}`, {
        mb: r.bytes / MB,
        ...(r.sstFiles !== undefined ? { files: r.sstFiles } : {}),
      });
    }
    const resolve = args.values.resolve_ip === true;
    const ipOf = new Map(nodes.map((n) => [n.hpAddress || n.address, n.address]));
    const named =
      resolve && dialect === '2.5' && detailed
        ? await hostNames(
            ctx,
            nodes.map((n) => n.address),
          )
        : resolve && dialect === '2.6'
          ? (a: string) => ipOf.get(a) ?? a
          : (a: string) => a;
    const maxReplica = cfg.partitions[0]?.maxReplicaCount ?? 0;
    let primaryMb = 0;
    let primaryCounted = 0;
    let allMb = 0;
    let allCounted = 0;
    const rows: Cell[][] = [];
    const partitions: unknown[] = [];
    const addrOf = (p: { primary: string; hpPrimary?: string }) => (dialect === '2.6' ? p.hpPrimary || p.primary : p.primary);
    for (const p of cfg.partitions) {
      const pidx = p.pid.partitionIndex;
      const cell = (addr: string) => {
        const s = sizes.get(`${addr}#${pidx}`);
        return { text: `${named(addr)}(${s ? cppDouble(s.mb) : '-'},${s?.files !== undefined ? `#${cppDouble(s.files)}` : '-'})`, s };
      };
      const primary = addrOf(p);
      const secondaries = dialect === '2.6' && p.hpSecondaries?.length ? p.hpSecondaries : p.secondaries;
      let primaryText = '-';
      let primarySize: number | null = null;
      if (primary) {
        const c = cell(primary);
        primaryText = c.text;
        if (c.s) {
          primaryMb += c.s.mb;
          allMb += c.s.mb;
          primaryCounted++;
          allCounted++;
          primarySize = c.s.mb;
        }
      }
      const sec = secondaries.map((a) => {
        const c = cell(a);
        if (c.s) {
          allMb += c.s.mb;
          allCounted++;
        }
        return { node: named(a), mb: c.s?.mb ?? null, text: c.text };
      });
      const replicaCount = `${secondaries.length + (primary ? 1 : 0)}/${p.maxReplicaCount}`;
      rows.push([pidx, p.ballot, replicaCount, primaryText, `[${sec.map((s) => s.text).join(',')}]`]);
      partitions.push({
        pidx,
        ballot: p.ballot,
        replicaCount,
        primary: primary ? { node: named(primary), mb: primarySize } : null,
        secondaries: sec.map((s) => ({ node: s.node, mb: s.mb })),
      });
    }
    const pc = cfg.partitionCount;
    const tables: TableData[] = [
      keyValueTable('parameters', [
        ['app_name', name],
        ['detailed', detailed],
      ]),
      keyValueTable('result', [
        ['app_name', name],
        ['app_id', cfg.appId],
        ['partition_count', pc],
        ['max_replica_count', maxReplica],
        ['disk_used_for_primary_replicas(MB)', printerDouble(primaryMb)],
        ['disk_used_for_all_replicas(MB)', printerDouble(allMb)],
        ['partitions not counted', `${pc - primaryCounted}/${pc}`],
        ['replicas not counted', `${pc * maxReplica - allCounted}/${pc * maxReplica}`],
      ]),
    ];
    if (detailed) tables.push({ title: 'details', columns: ['pidx', 'ballot', 'replica_count', 'primary', 'secondaries'], rows });
    const unknown = [...read.unknown].sort((a, b) => compareAddress(a.node, b.node));
    if (unknown.length > 0) {
      tables.push({
        title: 'not_answered',
        columns: ['node', 'code', 'detail'],
        rows: unknown.map((u) => [named(keyOf.get(u.node) ?? u.node), u.code, u.detail]),
      });
    }
    const data = {
      appName: name,
      appId: cfg.appId,
      partitionCount: pc,
      maxReplicaCount: maxReplica,
      diskUsedForPrimaryReplicasMb: primaryMb,
      diskUsedForAllReplicasMb: allMb,
      partitionsNotCounted: pc - primaryCounted,
      replicasNotCounted: pc * maxReplica - allCounted,
      ...(detailed ? { partitions } : {}),
      unknown: unknown.map((u) => ({ node: keyOf.get(u.node) ?? u.node, code: u.code, detail: u.detail })),
    };
    const summary = `${name}: ${printerDouble(allMb)} MB in all replicas${unknown.length ? `, ${unknown.length} node(s) not answering` : ''}`;
    return result('app_disk', data, tables, { summary });
  },
});
