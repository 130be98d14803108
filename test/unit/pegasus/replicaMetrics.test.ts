// Bodies written from the real formats:
// - 2.6: apache/incubator-pegasus master src/utils/metrics.h (metric_query_brief_value_snapshot),
//   src/replica/replica_base.cpp (replica attributes), src/common/fs_manager.cpp (disk entity),
//   src/shell/commands/table_management.cpp (sst_stat_filters), node_management.cpp (parse_resource_usage).
// - 2.5: v2.5.0 src/perf_counter/perf_counter_utils.h (perf_counter_info), src/server/pegasus_server_impl_init.cpp,
//   src/common/fs_manager.cpp, src/replica/replica_stub.cpp (counter names), src/shell/commands/node_management.cpp.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  figuresFromPerfCounters,
  figuresFromSnapshot,
  parseAppPegasusCounterName,
  parseBriefSnapshot,
  parsePerfCounterInfo,
  perfCounterPrefixes,
  replicaDataQuery,
  resourceFromPerfCounters,
  resourceFromSnapshot,
  resourceUsageQuery,
} from '../../../src/pegasus/replicaMetrics';

export const SNAPSHOT_26 = JSON.stringify({
  cluster: 'onebox',
  role: 'replica',
  host: 'host1',
  port: 34801,
  timestamp_ns: 1733300000000000000,
  entities: [
    {
      type: 'replica',
      id: 'replica@2.0',
      attributes: { table_id: '2', partition_id: '0' },
      metrics: [
        { name: 'rdb_total_sst_size_mb', value: 120 },
        { name: 'rdb_total_sst_files', value: 7 },
        { name: 'learn_copy_file_bytes', value: 1048576 },
        { name: 'learn_copy_buffer_bytes', value: 10 },
        { name: 'learn_copy_files', value: 2 },
        { name: 'learn_count', value: 1 },
      ],
    },
    {
      type: 'replica',
      id: 'replica@2.1',
      attributes: { table_id: '2', partition_id: '1' },
      metrics: [
        { name: 'rdb_total_sst_size_mb', value: 80 },
        { name: 'learn_copy_file_bytes', value: 2097152 },
      ],
    },
    {
      type: 'disk',
      id: 'disk@ssd1',
      attributes: { tag: 'ssd1', data_dir: '/home/work/ssd1/pegasus' },
      metrics: [
        { name: 'disk_capacity_total_mb', value: 1000 },
        { name: 'disk_capacity_avail_mb', value: 250 },
      ],
    },
    {
      type: 'disk',
      id: 'disk@ssd2',
      attributes: { tag: 'ssd2', data_dir: '/home/work/ssd2/pegasus' },
      metrics: [
        { name: 'disk_capacity_total_mb', value: 1000 },
        { name: 'disk_capacity_avail_mb', value: 750 },
      ],
    },
  ],
});

export const PERF_25 = JSON.stringify({
  result: 'OK',
  timestamp: 1733300000,
  timestamp_str: '2024-12-04 08:13:20',
  counters: [
    { name: 'replica*app.pegasus*disk.storage.sst(MB)@2.0', type: 'NUMBER', value: 120 },
    { name: 'replica*app.pegasus*disk.storage.sst.count@2.0', type: 'NUMBER', value: 7 },
    { name: 'replica*app.pegasus*disk.storage.sst(MB)@2.1', type: 'NUMBER', value: 80 },
    { name: 'replica*eon.replica_stub*disk.capacity.total(MB)', type: 'NUMBER', value: 2000 },
    { name: 'replica*eon.replica_stub*disk.available.total(MB)', type: 'NUMBER', value: 1000 },
    { name: 'replica*eon.replica_stub*disk.available.total.ratio', type: 'NUMBER', value: 50 },
    { name: 'replica*eon.replica_stub*disk.available.min.ratio', type: 'NUMBER', value: 25 },
    { name: 'replica*eon.replica_stub*disk.available.max.ratio', type: 'NUMBER', value: 75 },
    { name: 'replica*eon.replica_stub*replicas.learning.count', type: 'NUMBER', value: 1 },
    { name: 'replica*eon.replica_stub*replicas.learning.recent.copy.file.size', type: 'VOLATILE_NUMBER', value: 3145728 },
    { name: 'replica*eon.replica_stub*replicas.learning.recent.copy.file.count', type: 'VOLATILE_NUMBER', value: 3 },
  ],
});

test('2.6 query strings are the shell ones (sst_stat_filters, resource_usage_filters)', () => {
  assert.equal(
    replicaDataQuery(2),
    'with_metric_fields=name,value&types=replica&attributes=table_id,2&metrics=rdb_total_sst_files,rdb_total_sst_size_mb',
  );
  assert.match(replicaDataQuery(), /^with_metric_fields=name,value&types=replica,disk&metrics=rdb_total_sst_size_mb,/);
  assert.equal(
    resourceUsageQuery(),
    'with_metric_fields=name,value&types=server,replica,disk&metrics=resident_mem_usage_mb,rdb_block_cache_mem_usage_bytes,' +
      'rdb_wbm_total_mem_usage_bytes,rdb_wbm_mutable_mem_usage_bytes,rdb_memtable_mem_usage_bytes,' +
      'rdb_index_and_filter_blocks_mem_usage_bytes,disk_capacity_total_mb,disk_capacity_avail_mb',
  );
});

test('2.5 prefixes for one table are the app_disk ones', () => {
  assert.deepEqual(perfCounterPrefixes(2), [
    'replica*app.pegasus*disk.storage.sst(MB)@2.',
    'replica*app.pegasus*disk.storage.sst.count@2.',
  ]);
});

test('2.6 brief snapshot → sizes per replica, disks per node and per disk, learning sums', () => {
  const s = parseBriefSnapshot(SNAPSHOT_26);
  assert.ok(s.ok);
  const f = figuresFromSnapshot(s.value);
  assert.deepEqual(f.replicas, [
    { appId: 2, partitionIndex: 0, sstMb: 120, sstFiles: 7 },
    { appId: 2, partitionIndex: 1, sstMb: 80 },
  ]);
  assert.equal(f.disk?.totalMb, 2000);
  assert.equal(f.disk?.availMb, 1000);
  assert.equal(f.disk?.availTotalRatio, 50);
  assert.equal(f.disk?.availMinRatio, 25);
  assert.deepEqual(
    f.disk?.disks?.map((d) => d.tag),
    ['ssd1', 'ssd2'],
  );
  assert.deepEqual(f.learning, { dialect: '2.6', copyFileBytes: 3145728, copyBufferBytes: 10, copyFiles: 2, learnCount: 1 });
});

test('2.5 perf counters → the same figures (node totals only for disks)', () => {
  const p = parsePerfCounterInfo(PERF_25);
  assert.ok(p.ok);
  const f = figuresFromPerfCounters(p.value);
  assert.deepEqual(f.replicas, [
    { appId: 2, partitionIndex: 0, sstMb: 120, sstFiles: 7 },
    { appId: 2, partitionIndex: 1, sstMb: 80 },
  ]);
  assert.deepEqual(f.disk, { totalMb: 2000, availMb: 1000, availTotalRatio: 50, availMinRatio: 25 });
  assert.deepEqual(f.learning, { dialect: '2.5', learningNow: 1, copyFileBytes: 3145728, copyBufferBytes: 0, copyFiles: 3, learnCount: 0 });
});

test('perf counter result other than OK is a server error; counter names parse like the shell', () => {
  const p = parsePerfCounterInfo('{"result":"ERROR: invalid filter","timestamp":0,"timestamp_str":"","counters":[]}');
  assert.deepEqual(p, { ok: false, code: 'server-error', detail: 'ERROR: invalid filter' });
  assert.deepEqual(parseAppPegasusCounterName('replica*app.pegasus*disk.storage.sst(MB)@12.345'), {
    counter: 'disk.storage.sst(MB)',
    appId: 12,
    partitionIndex: 345,
  });
  assert.equal(parseAppPegasusCounterName('replica*app.pegasus*disk.storage.sst(MB)@x.1'), undefined);
});

test('bodies of the wrong shape are bad-body, entities with bad ids are skipped', () => {
  assert.equal(parseBriefSnapshot('not json').ok, false);
  assert.equal(parseBriefSnapshot('{"entities":[]}').ok, false);
  const odd = JSON.parse(SNAPSHOT_26) as { entities: { attributes: Record<string, string> }[] };
  odd.entities[0]!.attributes.partition_id = '-1';
  const s = parseBriefSnapshot(JSON.stringify(odd));
  assert.ok(s.ok);
  assert.equal(figuresFromSnapshot(s.value).replicas.length, 1);
});

test('nodes -u figures: master parse_resource_usage and v2.5.0 list_nodes arithmetic', () => {
  const snap = parseBriefSnapshot(
    JSON.stringify({
      cluster: 'c',
      role: 'replica',
      host: 'h',
      port: 1,
      timestamp_ns: 0,
      entities: [
        {
          type: 'server',
          id: 'server',
          attributes: {},
          metrics: [
            { name: 'resident_mem_usage_mb', value: 2048 },
            { name: 'rdb_block_cache_mem_usage_bytes', value: 3 * 1048576 },
            { name: 'rdb_wbm_total_mem_usage_bytes', value: 1048576 },
          ],
        },
        {
          type: 'replica',
          id: 'replica@1.0',
          attributes: { table_id: '1', partition_id: '0' },
          metrics: [{ name: 'rdb_memtable_mem_usage_bytes', value: 5 }],
        },
        {
          type: 'disk',
          id: 'disk@a',
          attributes: { tag: 'a' },
          metrics: [
            { name: 'disk_capacity_total_mb', value: 3 },
            { name: 'disk_capacity_avail_mb', value: 1 },
          ],
        },
        {
          type: 'disk',
          id: 'disk@b',
          attributes: { tag: 'b' },
          metrics: [
            { name: 'disk_capacity_total_mb', value: 3 },
            { name: 'disk_capacity_avail_mb', value: 3 },
          ],
        },
      ],
    }),
  );
  assert.ok(snap.ok);
  const r = resourceFromSnapshot(snap.value);
  assert.equal(r.memusedResMb, 2048);
  assert.equal(r.blockCacheBytes, 3 * 1048576);
  assert.equal(r.wbmTotalBytes, 1048576);
  assert.equal(r.memTableBytes, 5);
  assert.equal(r.diskAvailTotalRatio, 67); // round(4*100/6)
  assert.equal(r.diskAvailMinRatio, 33); // round(1*100/3)
  const p = parsePerfCounterInfo(
    JSON.stringify({
      result: 'OK',
      timestamp: 1,
      timestamp_str: '',
      counters: [
        { name: 'replica*server*memused.res(MB)', type: 'NUMBER', value: 1500.7 },
        { name: 'replica*app.pegasus*rdb.block_cache.memory_usage', type: 'NUMBER', value: 2097152 },
        { name: 'replica*eon.replica_stub*disk.available.total.ratio', type: 'NUMBER', value: 40 },
        { name: 'replica*eon.replica_stub*disk.available.min.ratio', type: 'NUMBER', value: 20 },
      ],
    }),
  );
  assert.ok(p.ok);
  const q = resourceFromPerfCounters(p.value);
  assert.equal(q.memusedResMb, 1500);
  assert.equal(q.diskAvailTotalRatio, 40);
  assert.equal(q.diskAvailMinRatio, 20);
  assert.equal(q.wbmTotalBytes, undefined);
});

/** Small deterministic generator (xorshift) so a failure reproduces. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

const HOSTILE: unknown[] = [null, true, -1, 1e308, -0, '', 'x'.repeat(600), [], {}, [[]], { __proto__: 1 }, '12', 2 ** 53 + 1];

function mutateJson(v: unknown, r: () => number, depth = 0): unknown {
  if (r() < 0.08) return HOSTILE[Math.floor(r() * HOSTILE.length)];
  if (Array.isArray(v)) {
    const out = v.map((x) => mutateJson(x, r, depth + 1));
    if (r() < 0.1) out.push(mutateJson(v[0], r, depth + 1));
    if (r() < 0.05) out.splice(0, 1);
    return out;
  }
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (r() > 0.04) out[r() < 0.03 ? `${k}_` : k] = mutateJson(x, r, depth + 1);
    return out;
  }
  return v;
}

function mutateText(s: string, r: () => number): string {
  const kind = Math.floor(r() * 4);
  const at = Math.floor(r() * s.length);
  if (kind === 0) return s.slice(0, at);
  if (kind === 1) return s.slice(0, at) + String.fromCharCode(Math.floor(r() * 256)) + s.slice(at + 1);
  if (kind === 2) return s.slice(0, at) + '\u0000{"' + s.slice(at);
  return Array.from({ length: Math.floor(r() * 200) }, () => String.fromCharCode(Math.floor(r() * 128))).join('');
}

test('fuzz: 12,000 hostile /metrics and perf-counter bodies → figures or typed errors, never a throw', () => {
  const r = rng(20261204);
  const bases = [JSON.parse(SNAPSHOT_26) as unknown, JSON.parse(PERF_25) as unknown];
  let parsed = 0;
  for (let i = 0; i < 12_000; i++) {
    const base = bases[i % 2];
    const body = r() < 0.7 ? JSON.stringify(mutateJson(base, r)) : mutateText(JSON.stringify(base), r);
    const check = (f: ReturnType<typeof figuresFromSnapshot>) => {
      for (const x of f.replicas) {
        assert.ok(Number.isInteger(x.appId) && x.appId >= 0);
        assert.ok(x.sstMb === undefined || (Number.isFinite(x.sstMb) && x.sstMb >= 0));
      }
      if (f.disk) assert.ok(f.disk.totalMb >= 0 && f.disk.availMb >= 0);
    };
    const typed = (p: { ok: boolean; code?: string; detail?: string }) => {
      if (!p.ok) assert.ok((p.code === 'bad-body' || p.code === 'server-error') && typeof p.detail === 'string');
    };
    const s = parseBriefSnapshot(body);
    typed(s);
    if (s.ok) {
      parsed++;
      check(figuresFromSnapshot(s.value));
      resourceFromSnapshot(s.value);
    }
    const c = parsePerfCounterInfo(body);
    typed(c);
    if (c.ok) {
      parsed++;
      check(figuresFromPerfCounters(c.value));
      resourceFromPerfCounters(c.value);
    }
  }
  assert.ok(parsed > 1000, `some mutated bodies still parse (${parsed})`);
});

test('isBriefEntity / isPerfCounter accept exactly what the zod element schemas accept', async () => {
  const { briefEntitySchema, perfCounterSchema, isBriefEntity, isPerfCounter } = await import('../../../src/pegasus/replicaMetrics');
  const r = rng(7);
  const snap = JSON.parse(SNAPSHOT_26) as { entities: unknown[] };
  const perf = JSON.parse(PERF_25) as { counters: unknown[] };
  let accepted = 0;
  for (let i = 0; i < 5000; i++) {
    const e = mutateJson(snap.entities[i % snap.entities.length], r);
    assert.equal(isBriefEntity(e), briefEntitySchema.safeParse(e).success, JSON.stringify(e));
    const c = mutateJson(perf.counters[i % perf.counters.length], r);
    assert.equal(isPerfCounter(c), perfCounterSchema.safeParse(c).success, JSON.stringify(c));
    if (isBriefEntity(e)) accepted++;
  }
  assert.ok(accepted > 500);
});
