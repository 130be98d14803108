/**
 * What replica servers report about their data, in both server dialects, parsed into plain figures.
 * - 2.6 (master): HTTP `GET /metrics` on the server's RPC port answers the "brief value snapshot"
 *   (master src/utils/metrics.h metric_query_brief_value_snapshot; query fields from
 *   metric_filters::to_query_string in src/utils/metrics.cpp).
 * - 2.5 and earlier: the `perf-counters-by-prefix` remote command answers a perf_counter_info JSON
 *   (v2.5.0 src/perf_counter/perf_counter_utils.h) whose counters are named `<app>*<section>*<name>`.
 * Bodies are untrusted: zod validates the shape, anything else is a `bad-body` error, never a throw.
 */
import * as z from 'zod';

/** The filters `/metrics` accepts; every list is joined with commas, as the shell's metric_filters does. */
export interface MetricFilters {
  readonly withMetricFields?: readonly string[];
  readonly types?: readonly string[];
  readonly ids?: readonly string[];
  /** Pairs flattened: `[name, value, name, value, …]` (the server answers 400 for an odd count). */
  readonly attributes?: readonly string[];
  readonly metrics?: readonly string[];
}

export function metricsQueryString(f: MetricFilters): string {
  const pairs: [string, readonly string[] | undefined][] = [
    ['with_metric_fields', f.withMetricFields],
    ['types', f.types],
    ['ids', f.ids],
    ['attributes', f.attributes],
    ['metrics', f.metrics],
  ];
  return pairs
    .filter(([, v]) => v !== undefined && v.length > 0)
    .map(([k, v]) => `${k}=${v!.map((x) => encodeURIComponent(x)).join(',')}`)
    .join('&');
}

const MAX_NAME = 512;
const finite = z.number().finite();

const briefMetricSchema = z.object({ name: z.string().max(MAX_NAME), value: finite });
const briefEntitySchema = z.object({
  type: z.string().max(MAX_NAME),
  id: z.string().max(MAX_NAME),
  attributes: z.record(z.string().max(MAX_NAME), z.string().max(4096)),
  metrics: z.array(briefMetricSchema),
});
// The envelope is checked whole; entities (and counters below) one by one, so one odd entity
// costs that entity, not the node's whole answer.
const briefEnvelopeSchema = z.object({
  cluster: z.string(),
  role: z.string(),
  host: z.string(),
  port: z.number().int(),
  timestamp_ns: z.number(),
  entities: z.array(z.unknown()),
});
export type BriefEntity = z.infer<typeof briefEntitySchema>;
export interface BriefSnapshot {
  readonly cluster: string;
  readonly role: string;
  readonly host: string;
  readonly port: number;
  readonly timestamp_ns: number;
  readonly entities: readonly BriefEntity[];
  /** Entities left out because their shape was wrong. */
  readonly skipped: number;
}

const perfCounterSchema = z.object({ name: z.string().max(MAX_NAME), type: z.string().max(64).optional(), value: finite });
const perfCounterEnvelopeSchema = z.object({
  result: z.string(),
  timestamp: z.number().optional(),
  timestamp_str: z.string().optional(),
  counters: z.array(z.unknown()),
});
export type PerfCounter = z.infer<typeof perfCounterSchema>;
export interface PerfCounterInfo {
  readonly result: string;
  readonly counters: readonly PerfCounter[];
  /** Counters left out because their shape was wrong. */
  readonly skipped: number;
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isName = (x: unknown): x is string => typeof x === 'string' && x.length <= MAX_NAME;
const isFinite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

function isBriefMetric(x: unknown): boolean {
  return isObject(x) && isName(x.name) && isFinite(x.value);
}

/**
 * Accepts exactly what `briefEntitySchema` accepts (a test holds them to it), without zod's
 * per-element cost: a node's answer has one entity per replica, a cluster's reading 100,000s.
 */
export function isBriefEntity(x: unknown): x is BriefEntity {
  if (!isObject(x) || !isName(x.type) || !isName(x.id) || !isObject(x.attributes) || !Array.isArray(x.metrics)) return false;
  for (const k in x.attributes) {
    if (!Object.prototype.hasOwnProperty.call(x.attributes, k)) continue;
    const v = x.attributes[k];
    if (k.length > MAX_NAME || typeof v !== 'string' || v.length > 4096) return false;
  }
  for (const m of x.metrics) if (!isBriefMetric(m)) return false;
  return true;
}

/** Accepts exactly what `perfCounterSchema` accepts. */
export function isPerfCounter(x: unknown): x is PerfCounter {
  return (
    isObject(x) && isName(x.name) && (x.type === undefined || (typeof x.type === 'string' && x.type.length <= 64)) && isFinite(x.value)
  );
}

/** Elements that pass, as they are (extra keys stay; nothing here reads them). */
function keepValid<T>(items: readonly unknown[], ok: (x: unknown) => x is T): { kept: T[]; skipped: number } {
  const kept: T[] = [];
  for (const x of items) if (ok(x)) kept.push(x);
  return { kept, skipped: items.length - kept.length };
}

export { briefEntitySchema, perfCounterSchema };

/** Why a body gave no figures. */
export type WireErrorCode = 'bad-body' | 'server-error';
export type Parsed<T> = { ok: true; value: T } | { ok: false; code: WireErrorCode; detail: string };

function parseJson<T>(body: string, schema: z.ZodType<T>): Parsed<T> {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, code: 'bad-body', detail: 'not JSON' };
  }
  const r = schema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    return { ok: false, code: 'bad-body', detail: `unexpected shape at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? ''}` };
  }
  return { ok: true, value: r.data };
}

export function parseBriefSnapshot(body: string): Parsed<BriefSnapshot> {
  const r = parseJson(body, briefEnvelopeSchema);
  if (!r.ok) return r;
  const { kept, skipped } = keepValid(r.value.entities, isBriefEntity);
  return { ok: true, value: { ...r.value, entities: kept, skipped } };
}

/** A perf_counter_info whose `result` is not `OK` is the server refusing (e.g. a bad regexp). */
export function parsePerfCounterInfo(body: string): Parsed<PerfCounterInfo> {
  // ≤2.5 remote command replies may end with NUL bytes.
  const r = parseJson(body.replace(/\0+$/, ''), perfCounterEnvelopeSchema);
  if (!r.ok) return r;
  if (r.value.result !== 'OK') return { ok: false, code: 'server-error', detail: r.value.result.slice(0, 200) };
  const { kept, skipped } = keepValid(r.value.counters, isPerfCounter);
  return { ok: true, value: { result: r.value.result, counters: kept, skipped } };
}

// ---- figures ---------------------------------------------------------------------------------

/** One replica's SST data as its server reports it (MB as the server rounds it). */
export interface ReplicaFigure {
  readonly appId: number;
  readonly partitionIndex: number;
  readonly sstMb?: number;
  readonly sstFiles?: number;
}

/** One data directory (2.6 only: 2.5 reports node totals). */
export interface DiskFigure {
  readonly tag: string;
  readonly dataDir?: string;
  readonly totalMb: number;
  readonly availMb: number;
}

/** A node's disks: totals in MB; per disk where the dialect exposes it. */
export interface NodeDiskFigure {
  readonly totalMb: number;
  readonly availMb: number;
  /** Percent available over all disks (rounded as the server/shell does). */
  readonly availTotalRatio: number;
  /** Lowest percent available of one disk. */
  readonly availMinRatio: number;
  readonly disks?: readonly DiskFigure[];
}

/**
 * Learning (replica copy) counters of a node. 2.6: sums over its replicas of the cumulative
 * `learn_*` counters. 2.5: the replica stub's `replicas.learning.*` counters (the `recent.*` ones
 * cover the server's last counter period, not all time).
 */
export interface LearningFigure {
  readonly dialect: '2.5' | '2.6';
  /** Replicas learning now (2.5 `replicas.learning.count`); 2.6 has no such gauge. */
  readonly learningNow?: number;
  readonly copyFileBytes: number;
  readonly copyBufferBytes: number;
  readonly copyFiles: number;
  /** 2.6 `learn_count` (learn requests served) / 2.5 `replicas.learning.recent.start.count`. */
  readonly learnCount: number;
}

/** Memory and disk figures `nodes -u` prints, exactly as the shells accumulate them. */
export interface ResourceFigure {
  readonly memusedResMb: number;
  readonly blockCacheBytes: number;
  /** master only. */
  readonly wbmTotalBytes?: number;
  readonly wbmMutableBytes?: number;
  readonly memTableBytes: number;
  readonly memIndexBytes: number;
  readonly diskAvailTotalRatio: number;
  readonly diskAvailMinRatio: number;
}

export interface NodeFigures {
  readonly replicas: readonly ReplicaFigure[];
  readonly disk?: NodeDiskFigure;
  readonly learning?: LearningFigure;
}

const ID = /^\d{1,10}$/;
const id = (s: string | undefined): number | undefined => (s !== undefined && ID.test(s) ? Number(s) : undefined);
const nonNeg = (v: number): number | undefined => (v >= 0 ? v : undefined);
/** master's calc_percentage: rounded, 0 for a zero denominator (src/utils/math.h). */
export const percentage = (num: number, den: number): number => (den === 0 ? 0 : Math.round((num * 100) / den));

// 2.6 metric names: master src/server/pegasus_server_impl_init.cpp, src/common/fs_manager.cpp, src/replica/replica.cpp.
export const SST_SIZE_METRIC = 'rdb_total_sst_size_mb';
export const SST_FILES_METRIC = 'rdb_total_sst_files';
export const DISK_TOTAL_METRIC = 'disk_capacity_total_mb';
export const DISK_AVAIL_METRIC = 'disk_capacity_avail_mb';
export const LEARN_METRICS = ['learn_count', 'learn_copy_files', 'learn_copy_file_bytes', 'learn_copy_buffer_bytes'] as const;

/** The one `/metrics` query for sizes, disks and learning of a node. */
export function replicaDataQuery(tableId?: number): string {
  if (tableId !== undefined) {
    // The shell's app_disk query (master src/shell/commands/table_management.cpp sst_stat_filters).
    return metricsQueryString({
      withMetricFields: ['name', 'value'],
      types: ['replica'],
      attributes: ['table_id', String(tableId)],
      metrics: [SST_FILES_METRIC, SST_SIZE_METRIC],
    });
  }
  return metricsQueryString({
    withMetricFields: ['name', 'value'],
    types: ['replica', 'disk'],
    metrics: [SST_SIZE_METRIC, SST_FILES_METRIC, DISK_TOTAL_METRIC, DISK_AVAIL_METRIC, ...LEARN_METRICS],
  });
}

/** Sizes, disks and learning from a brief snapshot. Entities with ids that are not numbers are skipped. */
export function figuresFromSnapshot(snap: BriefSnapshot): NodeFigures {
  const replicas: ReplicaFigure[] = [];
  const disks: DiskFigure[] = [];
  const learn = { count: 0, files: 0, fileBytes: 0, bufferBytes: 0, seen: false };
  for (const e of snap.entities) {
    if (e.type === 'replica') {
      const appId = id(e.attributes.table_id);
      const partitionIndex = id(e.attributes.partition_id);
      if (appId === undefined || partitionIndex === undefined) continue;
      let sstMb: number | undefined;
      let sstFiles: number | undefined;
      for (const m of e.metrics) {
        if (m.name === SST_SIZE_METRIC) sstMb = nonNeg(m.value);
        else if (m.name === SST_FILES_METRIC) sstFiles = nonNeg(m.value);
        else if (m.value >= 0) {
          learn.seen ||= m.name.startsWith('learn_');
          if (m.name === 'learn_count') learn.count += m.value;
          else if (m.name === 'learn_copy_files') learn.files += m.value;
          else if (m.name === 'learn_copy_file_bytes') learn.fileBytes += m.value;
          else if (m.name === 'learn_copy_buffer_bytes') learn.bufferBytes += m.value;
        }
      }
      if (sstMb !== undefined || sstFiles !== undefined) {
        replicas.push({
          appId,
          partitionIndex,
          ...(sstMb !== undefined ? { sstMb } : {}),
          ...(sstFiles !== undefined ? { sstFiles } : {}),
        });
      }
    } else if (e.type === 'disk') {
      let totalMb: number | undefined;
      let availMb: number | undefined;
      for (const m of e.metrics) {
        if (m.name === DISK_TOTAL_METRIC) totalMb = nonNeg(m.value);
        else if (m.name === DISK_AVAIL_METRIC) availMb = nonNeg(m.value);
      }
      if (totalMb === undefined || availMb === undefined) continue;
      const tag = e.attributes.tag ?? e.id.replace(/^disk@/, '');
      disks.push({ tag, ...(e.attributes.data_dir !== undefined ? { dataDir: e.attributes.data_dir } : {}), totalMb, availMb });
    }
  }
  const out: { replicas: ReplicaFigure[]; disk?: NodeDiskFigure; learning?: LearningFigure } = { replicas };
  if (disks.length > 0) {
    const totalMb = disks.reduce((s, d) => s + d.totalMb, 0);
    const availMb = disks.reduce((s, d) => s + d.availMb, 0);
    out.disk = {
      totalMb,
      availMb,
      availTotalRatio: percentage(availMb, totalMb),
      availMinRatio: Math.min(100, ...disks.map((d) => percentage(d.availMb, d.totalMb))),
      disks,
    };
  }
  if (learn.seen) {
    out.learning = {
      dialect: '2.6',
      copyFileBytes: learn.fileBytes,
      copyBufferBytes: learn.bufferBytes,
      copyFiles: learn.files,
      learnCount: learn.count,
    };
  }
  return out;
}

// 2.5 counter names: v2.5.0 src/server/pegasus_server_impl_init.cpp, src/common/fs_manager.cpp, src/replica/replica_stub.cpp.
const SST_MB_COUNTER = 'replica*app.pegasus*disk.storage.sst(MB)@';
const SST_COUNT_COUNTER = 'replica*app.pegasus*disk.storage.sst.count@';
const STUB = 'replica*eon.replica_stub*';

/** The `perf-counters-by-prefix` arguments for sizes (one table: the shell's app_disk ones), disks and learning. */
export function perfCounterPrefixes(tableId?: number): string[] {
  if (tableId !== undefined) return [`${SST_MB_COUNTER}${tableId}.`, `${SST_COUNT_COUNTER}${tableId}.`];
  return [SST_MB_COUNTER, SST_COUNT_COUNTER, `${STUB}disk.`, `${STUB}replicas.learning.`];
}

/** `replica*app.pegasus*<name>@<app_id>.<pidx>` → its parts (the shell's parse_app_pegasus_perf_counter_name). */
export function parseAppPegasusCounterName(name: string): { appId: number; partitionIndex: number; counter: string } | undefined {
  const m = /^[^*]+\*app\.pegasus\*(.+)@(\d{1,10})\.(\d{1,10})$/.exec(name);
  return m ? { counter: m[1]!, appId: Number(m[2]), partitionIndex: Number(m[3]) } : undefined;
}

export function figuresFromPerfCounters(info: PerfCounterInfo): NodeFigures {
  const byGpid = new Map<string, { appId: number; partitionIndex: number; sstMb?: number; sstFiles?: number }>();
  const stub = new Map<string, number>();
  for (const c of info.counters) {
    if (c.name.startsWith(STUB)) {
      stub.set(c.name.slice(STUB.length), c.value);
      continue;
    }
    const p = parseAppPegasusCounterName(c.name);
    if (!p || c.value < 0) continue;
    const key = `${p.appId}.${p.partitionIndex}`;
    let r = byGpid.get(key);
    if (!r) byGpid.set(key, (r = { appId: p.appId, partitionIndex: p.partitionIndex }));
    if (p.counter === 'disk.storage.sst(MB)') r.sstMb = c.value;
    else if (p.counter === 'disk.storage.sst.count') r.sstFiles = c.value;
  }
  const out: { replicas: ReplicaFigure[]; disk?: NodeDiskFigure; learning?: LearningFigure } = {
    replicas: [...byGpid.values()].filter((r) => r.sstMb !== undefined || r.sstFiles !== undefined),
  };
  const totalMb = stub.get('disk.capacity.total(MB)');
  const availMb = stub.get('disk.available.total(MB)');
  if (totalMb !== undefined && availMb !== undefined && totalMb >= 0 && availMb >= 0) {
    out.disk = {
      totalMb,
      availMb,
      availTotalRatio: stub.get('disk.available.total.ratio') ?? percentage(availMb, totalMb),
      availMinRatio: stub.get('disk.available.min.ratio') ?? percentage(availMb, totalMb),
    };
  }
  const fileBytes = stub.get('replicas.learning.recent.copy.file.size');
  if (fileBytes !== undefined || stub.has('replicas.learning.count')) {
    out.learning = {
      dialect: '2.5',
      ...(stub.has('replicas.learning.count') ? { learningNow: stub.get('replicas.learning.count')! } : {}),
      copyFileBytes: fileBytes ?? 0,
      copyBufferBytes: stub.get('replicas.learning.recent.copy.buffer.size') ?? 0,
      copyFiles: stub.get('replicas.learning.recent.copy.file.count') ?? 0,
      learnCount: stub.get('replicas.learning.recent.start.count') ?? 0,
    };
  }
  return out;
}

// ---- nodes -u ----------------------------------------------------------------------------------

/** The `/metrics` query of master's `nodes -u` (src/shell/commands/node_management.cpp resource_usage_filters). */
export function resourceUsageQuery(): string {
  return metricsQueryString({
    withMetricFields: ['name', 'value'],
    types: ['server', 'replica', 'disk'],
    metrics: [
      'resident_mem_usage_mb',
      'rdb_block_cache_mem_usage_bytes',
      'rdb_wbm_total_mem_usage_bytes',
      'rdb_wbm_mutable_mem_usage_bytes',
      'rdb_memtable_mem_usage_bytes',
      'rdb_index_and_filter_blocks_mem_usage_bytes',
      DISK_TOTAL_METRIC,
      DISK_AVAIL_METRIC,
    ],
  });
}

/** The `perf-counters-by-prefix` arguments of v2.5.0's `nodes -u` (src/shell/commands/node_management.cpp). */
export const RESOURCE_USAGE_PREFIXES: readonly string[] = [
  'replica*server*memused.res(MB)',
  'replica*app.pegasus*rdb.block_cache.memory_usage',
  'replica*eon.replica_stub*disk.available.total.ratio',
  'replica*eon.replica_stub*disk.available.min.ratio',
  'replica*app.pegasus*rdb.memtable.memory_usage',
  'replica*app.pegasus*rdb.index_and_filter_blocks.memory_usage',
];

/** master parse_resource_usage: int64 sums per entity type; ratios over the disks. */
export function resourceFromSnapshot(snap: BriefSnapshot): ResourceFigure {
  const s = { mem: 0, cache: 0, wbmT: 0, wbmM: 0, tbl: 0, idx: 0, cap: 0, avail: 0, minRatio: 100 };
  for (const e of snap.entities) {
    if (e.type === 'disk') {
      let cap = 0;
      let avail = 0;
      for (const m of e.metrics) {
        if (m.name === DISK_TOTAL_METRIC) s.cap += cap = Math.trunc(m.value);
        else if (m.name === DISK_AVAIL_METRIC) s.avail += avail = Math.trunc(m.value);
      }
      s.minRatio = Math.min(s.minRatio, percentage(avail, cap));
      continue;
    }
    for (const m of e.metrics) {
      const v = Math.trunc(m.value);
      if (e.type === 'server') {
        if (m.name === 'resident_mem_usage_mb') s.mem += v;
        else if (m.name === 'rdb_block_cache_mem_usage_bytes') s.cache += v;
        else if (m.name === 'rdb_wbm_total_mem_usage_bytes') s.wbmT += v;
        else if (m.name === 'rdb_wbm_mutable_mem_usage_bytes') s.wbmM += v;
      } else if (e.type === 'replica') {
        if (m.name === 'rdb_memtable_mem_usage_bytes') s.tbl += v;
        else if (m.name === 'rdb_index_and_filter_blocks_mem_usage_bytes') s.idx += v;
      }
    }
  }
  return {
    memusedResMb: s.mem,
    blockCacheBytes: s.cache,
    wbmTotalBytes: s.wbmT,
    wbmMutableBytes: s.wbmM,
    memTableBytes: s.tbl,
    memIndexBytes: s.idx,
    diskAvailTotalRatio: percentage(s.avail, s.cap),
    diskAvailMinRatio: s.minRatio,
  };
}

/** v2.5.0 list_nodes: every matching counter added into an int64 (so each sum truncates). */
export function resourceFromPerfCounters(info: PerfCounterInfo): ResourceFigure {
  const s = { mem: 0, cache: 0, tbl: 0, idx: 0, total: 0, min: 0 };
  const add = (acc: number, v: number) => Math.trunc(acc + v);
  for (const m of info.counters) {
    if (m.name.includes('memused.res(MB)')) s.mem = add(s.mem, m.value);
    else if (m.name.includes('rdb.block_cache.memory_usage')) s.cache = add(s.cache, m.value);
    else if (m.name.includes('disk.available.total.ratio')) s.total = add(s.total, m.value);
    else if (m.name.includes('disk.available.min.ratio')) s.min = add(s.min, m.value);
    else if (m.name.includes('rdb.memtable.memory_usage')) s.tbl = add(s.tbl, m.value);
    else if (m.name.includes('rdb.index_and_filter_blocks.memory_usage')) s.idx = add(s.idx, m.value);
  }
  return {
    memusedResMb: s.mem,
    blockCacheBytes: s.cache,
    memTableBytes: s.tbl,
    memIndexBytes: s.idx,
    diskAvailTotalRatio: s.total,
    diskAvailMinRatio: s.min,
  };
}
