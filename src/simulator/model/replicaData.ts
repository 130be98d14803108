/**
 * What a replica server reports about its data: master's `/metrics` brief value snapshot (entities
 * `replica` and `disk`, upstream src/utils/metrics.{h,cpp}) and 2.5's perf counters through the
 * `perf-counters*` remote commands (upstream v2.5.0 src/perf_counter/perf_counters.cpp). Values are
 * the model's ground truth at the moment of the request.
 */
import { formatTime } from './commands';
import { emptyStats, LEARN_FILE_BYTES } from './learning';
import type { SimModel } from './model';
import { MB } from './state';
import type { LearnStats, SimNode } from './types';
import type { HttpAnswer } from './views';

const DISK_TAG = 'default';

interface Entity {
  type: string;
  id: string;
  attributes: Record<string, string>;
  metrics: { name: string; value: number }[];
}

function dataDir(n: SimNode): string {
  return `/home/work/pegasus/replica${n.idx + 1}/data/replica/reps`;
}

function sstFiles(bytes: number): number {
  return bytes > 0 ? Math.ceil(bytes / LEARN_FILE_BYTES) : 0;
}

function diskMb(model: SimModel, n: SimNode): { totalMb: number; availMb: number } {
  const used = model.dataBytes()[n.idx]!;
  return { totalMb: Math.floor(n.diskTotalBytes / MB), availMb: Math.floor(Math.max(0, n.diskTotalBytes - used) / MB) };
}

/** Replicas whose entity exists on node `n`: its members, and learners (SST size 0 until the learn completes). */
function replicaEntities(model: SimModel, n: SimNode): Entity[] {
  const out: Entity[] = [];
  const learning = new Set(n.learns.map((l) => l.p));
  for (const p of model.partitions) {
    const member = n.parts.has(p);
    if (!member && !learning.has(p)) continue;
    const bytes = member ? p.bytes : 0;
    const st = n.learnStats.get(p);
    const learn = LEARN_NAMES.map((k) => ({ name: k, value: st ? st[k] : 0 }));
    out.push({
      type: 'replica',
      id: `replica@${p.app.id}.${p.pidx}`,
      attributes: { table_id: String(p.app.id), partition_id: String(p.pidx) },
      metrics: [
        { name: 'rdb_total_sst_files', value: sstFiles(bytes) },
        { name: 'rdb_total_sst_size_mb', value: Math.floor(bytes / MB) },
        ...learn,
      ],
    });
  }
  return out;
}

function errorBody(message: string): string {
  return JSON.stringify({ error_message: message }, null, 4);
}

/** Comma-separated list as utils::split_args keeps it: trimmed, empty pieces dropped. */
function list(v: string): string[] {
  return v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** GET /metrics on a 2.6 replica server, with the real filters; 400 with `error_message` as the real handler answers. */
export function metricsHttp(model: SimModel, node: number, method: string, query: string): HttpAnswer {
  if (method !== 'GET') return { status: 400, body: errorBody("please use 'GET' method while querying for metrics") };
  let fields: Set<string> | null = null;
  let types: string[] = [];
  let ids: string[] = [];
  let attrs: string[] = [];
  let metrics: string[] = [];
  let detail = false;
  for (const [k, v] of new URLSearchParams(query)) {
    if (k === 'with_metric_fields') fields = new Set(list(v));
    else if (k === 'types') types = list(v);
    else if (k === 'ids') ids = list(v);
    else if (k === 'attributes') {
      attrs = list(v);
      if (attrs.length % 2 !== 0)
        return {
          status: 400,
          body: errorBody('the number of arguments for attributes should be even, since each attribute name always pairs with a value'),
        };
    } else if (k === 'metrics') metrics = list(v);
    else if (k === 'detail') {
      if (v !== 'true' && v !== 'false')
        return { status: 400, body: errorBody('the value of detail should be a boolean value, i.e. true or false') };
      detail = v === 'true';
    } else return { status: 400, body: errorBody(`unknown field ${k}=${v}`) };
  }
  // The brief fields (name, value) unless with_metric_fields or detail says otherwise; an empty list means every field.
  const want = (f: string): boolean => (fields ? fields.size === 0 || fields.has(f) : detail || f === 'name' || f === 'value');
  model.syncLearns();
  const n = model.nodes[node]!;
  const disk = diskMb(model, n);
  const all: Entity[] = [
    ...replicaEntities(model, n),
    {
      type: 'disk',
      id: `disk@${DISK_TAG}`,
      attributes: { tag: DISK_TAG, data_dir: dataDir(n) },
      metrics: [
        { name: 'disk_capacity_total_mb', value: disk.totalMb },
        { name: 'disk_capacity_avail_mb', value: disk.availMb },
      ],
    },
  ];
  const entities: unknown[] = [];
  for (const e of all) {
    if (types.length > 0 && !types.includes(e.type)) continue;
    if (ids.length > 0 && !ids.includes(e.id)) continue;
    if (attrs.length > 0) {
      let match = false;
      for (let i = 0; i < attrs.length; i += 2) if (e.attributes[attrs[i]!] === attrs[i + 1]) match = true;
      if (!match) continue;
    }
    const chosen = metrics.length > 0 ? e.metrics.filter((m) => metrics.includes(m.name)) : e.metrics;
    if (chosen.length === 0) continue;
    entities.push({
      type: e.type,
      id: e.id,
      attributes: e.attributes,
      metrics: chosen.map((m) => ({ ...(want('name') ? { name: m.name } : {}), ...(want('value') ? { value: m.value } : {}) })),
    });
  }
  const host = n.host.slice(0, n.host.lastIndexOf(':'));
  const ns = (BigInt(Math.round(model.epochMs + model.now)) * 1_000_000n).toString();
  const body = JSON.stringify(
    { cluster: model.cfg.clusterName, role: 'replica', host, port: n.port, timestamp_ns: '@TS@', entities },
    null,
    4,
  ).replace('"@TS@"', ns);
  return { status: 200, body };
}

/** rapidjson writes a double with a fraction: 12 → `12.0`. */
function double(v: number): string {
  return Number.isInteger(v) ? `${v}.0` : String(v);
}

/** The replica server's perf counters (2.5): full names `<app>*<section>*<name>` as the 2.5 shell queries them. */
function counters(model: SimModel, n: SimNode): { name: string; type: string; value: number; reset?: () => void }[] {
  const out: { name: string; type: string; value: number; reset?: () => void }[] = [];
  for (const p of n.parts) {
    out.push({ name: `replica*app.pegasus*disk.storage.sst(MB)@${p.app.id}.${p.pidx}`, type: 'NUMBER', value: Math.floor(p.bytes / MB) });
    out.push({ name: `replica*app.pegasus*disk.storage.sst.count@${p.app.id}.${p.pidx}`, type: 'NUMBER', value: sstFiles(p.bytes) });
  }
  const d = diskMb(model, n);
  const ratio = d.totalMb === 0 ? 0 : Math.round((d.availMb * 100) / d.totalMb);
  const stub = 'replica*eon.replica_stub*';
  out.push(
    { name: `${stub}disk.capacity.total(MB)`, type: 'NUMBER', value: d.totalMb },
    { name: `${stub}disk.available.total(MB)`, type: 'NUMBER', value: d.availMb },
    { name: `${stub}disk.available.total.ratio`, type: 'NUMBER', value: ratio },
    { name: `${stub}disk.available.min.ratio`, type: 'NUMBER', value: ratio },
    { name: `${stub}disk.available.max.ratio`, type: 'NUMBER', value: ratio },
    { name: `${stub}replicas.learning.count`, type: 'NUMBER', value: n.learns.length },
    // A volatile number restarts from 0 once it has been read.
    {
      name: `${stub}replicas.learning.recent.start.count`,
      type: 'VOLATILE_NUMBER',
      value: n.recentLearn.starts,
      reset: () => (n.recentLearn.starts = 0),
    },
    {
      name: `${stub}replicas.learning.recent.copy.file.count`,
      type: 'VOLATILE_NUMBER',
      value: n.recentLearn.copyFiles,
      reset: () => (n.recentLearn.copyFiles = 0),
    },
    {
      name: `${stub}replicas.learning.recent.copy.file.size`,
      type: 'VOLATILE_NUMBER',
      value: n.recentLearn.copyFileBytes,
      reset: () => (n.recentLearn.copyFileBytes = 0),
    },
  );
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export const PERF_COUNTER_COMMANDS = [
  'perf-counters',
  'perf-counters-by-substr',
  'perf-counters-by-prefix',
  'perf-counters-by-postfix',
] as const;

/** `perf-counters*` on a 2.5 replica server: the perf_counter_info JSON (result, timestamp, timestamp_str, counters). */
export function perfCounters(model: SimModel, node: number, cmd: string, args: readonly string[]): string {
  model.syncLearns();
  const n = model.nodes[node]!;
  let result = 'OK';
  let match: (name: string) => boolean = () => true;
  if (args.length > 0) {
    if (cmd === 'perf-counters') {
      const res: RegExp[] = [];
      for (const a of args) {
        try {
          res.push(new RegExp(`^(?:${a})$`));
        } catch {
          result = `ERROR: invalid filter: ${a}`;
          break;
        }
      }
      match = (s) => res.some((r) => r.test(s));
    } else if (cmd === 'perf-counters-by-substr') match = (s) => args.some((a) => s.includes(a));
    else if (cmd === 'perf-counters-by-prefix') match = (s) => args.some((a) => s.startsWith(a));
    else match = (s) => args.some((a) => s.endsWith(a));
  }
  const picked = result === 'OK' ? counters(model, n).filter((c) => match(c.name)) : [];
  for (const c of picked) c.reset?.();
  const sec = Math.floor((model.epochMs + model.now) / 1000);
  const cs = picked.map((c) => `{"name":${JSON.stringify(c.name)},"type":"${c.type}","value":${double(c.value)}}`).join(',');
  return `{"result":${JSON.stringify(result)},"timestamp":${sec},"timestamp_str":"${formatTime(sec * 1000)}","counters":[${cs}]}`;
}

/** The learning counters' names, in the order a replica reports them. */
const LEARN_NAMES = Object.keys(emptyStats()) as (keyof LearnStats)[];
