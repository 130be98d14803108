// `app_disk` and `nodes -u` laid out as the real shells print them: apache/incubator-pegasus v2.5.0 and
// master src/shell/commands/table_management.cpp (app_disk) and node_management.cpp (ls_nodes -u);
// number formats from src/utils/output_utils.h (table_printer: fixed, 2 decimals) and `ostream << double`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRegistry, runCommandLine, type CommandContext } from '../../../src/commands';
import { cppDouble, printerDouble } from '../../../src/commands/shell/replicaRead';
import type { readReplicaData, readResourceUsage, ReplicaData, ResourceUsage } from '../../../src/cluster/replicaData';
import { fakeClient, smallCluster, node, N1, N2, N3, type FakeState } from '../../support/metaFixtures';
import { assertLines } from '../../support/lines';

const reg = createRegistry();
const MB = 1 << 20;

function ctxFor(state: FakeState, reader?: { data?: Partial<ReplicaData>; usage?: Partial<ResourceUsage> }) {
  const client = fakeClient(state);
  const asked: { nodes: readonly string[]; opts: unknown }[] = [];
  const ctx: CommandContext = {
    client,
    profile: { name: 'onebox', metaServers: ['127.0.0.1:34601'], production: false },
    signal: new AbortController().signal,
    progress: () => undefined,
    confirm: async () => true,
    snapshotCache: { get: () => Promise.reject(new Error('unused')), invalidate: () => undefined },
    ...(reader
      ? {
          services: {
            replicaReader: {
              readReplicaData: (async (nodes, opts) => {
                asked.push({ nodes, opts });
                return {
                  dialect: opts.dialect,
                  answered: [],
                  replicas: [],
                  disks: [],
                  learning: [],
                  unknown: [],
                  readAt: 0,
                  ...reader.data,
                };
              }) as typeof readReplicaData,
              readResourceUsage: (async (nodes, opts) => {
                asked.push({ nodes, opts });
                return { dialect: opts.dialect, usage: [], unknown: [], ...reader.usage };
              }) as typeof readResourceUsage,
            },
          },
        }
      : {}),
  };
  return { ctx, client, asked };
}

test('number formats: ostream default (%g) and table_printer fixed-2', () => {
  assert.deepEqual([0, 12, 12.5, 1234567, 0.0001, 100.25].map(cppDouble), ['0', '12', '12.5', '1.23457e+06', '0.0001', '100.25']);
  assert.deepEqual([0, 1e-9, 220, 0.125].map(printerDouble), ['0.00', '0.00', '220.00', '0.13']);
});

test('app_disk -d (2.5): [result] totals and "not counted", [details] addr(MB,#files); a silent node is named', async () => {
  const rep = (n: string, p: number, mb: number, files?: number) => ({
    node: n,
    appId: 2,
    partitionIndex: p,
    bytes: mb * MB,
    ...(files ? { sstFiles: files } : {}),
  });
  const { ctx, asked } = ctxFor(smallCluster(), {
    data: {
      replicas: [rep(N1, 0, 100, 7), rep(N2, 0, 100, 7), rep(N2, 1, 50.5), rep(N1, 2, 10, 1), rep(N2, 3, 999)],
      unknown: [{ node: N3, code: 'timeout', detail: 'no answer within 3000 ms' }],
    },
  });
  const r = await runCommandLine(reg, ctx, 'app_disk temp -d');
  // Only ALIVE nodes are asked (fill_nodes lists NS_ALIVE), at ip:port by remote command on 2.5.
  assert.deepEqual(asked[0]!.nodes, [N1, N2, N3]);
  assert.equal((asked[0]!.opts as { dialect: string; tableId: number }).dialect, '2.5');
  assert.equal((asked[0]!.opts as { tableId: number }).tableId, 2);
  assertLines(r.text, [
    '[result]',
    'app_name                            : temp',
    'app_id                              : 2',
    'partition_count                     : 4',
    'max_replica_count                   : 3',
    'disk_used_for_primary_replicas(MB)  : 150.50',
    'disk_used_for_all_replicas(MB)      : 260.50',
    'partitions not counted              : 2/4',
    'replicas not counted                : 8/12',
  ]);
  assertLines(r.text, [
    '[details]',
    'pidx  ballot  replica_count  primary                 secondaries',
    '0     3       3/3            10.0.0.1:34801(100,#7)  [10.0.0.2:34801(100,#7),10.0.0.3:34801(-,-)]',
    '1     3       2/3            10.0.0.2:34801(50.5,-)  [10.0.0.3:34801(-,-)]',
    '2     3       1/3            -                       [10.0.0.1:34801(10,#1)]',
    '3     3       1/3            10.0.0.3:34801(-,-)     []',
  ]);
  assertLines(r.text, ['[not_answered]', 'node            code     detail', '10.0.0.3:34801  timeout  no answer within 3000 ms']);
  const d = r.data as { diskUsedForAllReplicasMb: number; replicasNotCounted: number; unknown: { node: string; code: string }[] };
  assert.equal(d.diskUsedForAllReplicasMb, 260.5);
  assert.equal(d.replicasNotCounted, 8);
  assert.deepEqual(
    d.unknown.map((u) => u.code),
    ['timeout'],
  );
});

test('app_disk (2.5) end to end through the remote command transport', async () => {
  const state = smallCluster();
  state.replicaRemote = {
    'perf-counters-by-prefix': JSON.stringify({
      result: 'OK',
      timestamp: 1,
      timestamp_str: '',
      counters: [{ name: 'replica*app.pegasus*disk.storage.sst(MB)@2.0', type: 'NUMBER', value: 8 }],
    }),
  };
  const { ctx, client } = ctxFor(state);
  const r = await runCommandLine(reg, ctx, 'app_disk temp');
  assert.deepEqual(client.calls.remote[0], {
    cmd: 'perf-counters-by-prefix',
    args: ['replica*app.pegasus*disk.storage.sst(MB)@2.', 'replica*app.pegasus*disk.storage.sst.count@2.'],
    address: N1,
  });
  // Every fake node answers the same counter: partition 0's three replicas are counted (N1 primary).
  assertLines(r.text, ['disk_used_for_primary_replicas(MB)  : 8.00', 'disk_used_for_all_replicas(MB)      : 24.00']);
  assert.ok(!r.text.includes('[details]'));
});

test('nodes -u (2.5): the six resource columns; UNALIVE keeps zeros, a silent ALIVE node shows -', async () => {
  const { ctx, asked } = ctxFor(smallCluster(), {
    usage: {
      usage: [
        {
          node: N1,
          memusedResMb: 2048,
          blockCacheBytes: 512 * MB,
          memTableBytes: 64 * MB + 5,
          memIndexBytes: 3 * MB,
          diskAvailTotalRatio: 60,
          diskAvailMinRatio: 40,
        },
        {
          node: N2,
          memusedResMb: 1024,
          blockCacheBytes: 0,
          memTableBytes: 0,
          memIndexBytes: 0,
          diskAvailTotalRatio: 90,
          diskAvailMinRatio: 90,
        },
      ],
      unknown: [{ node: N3, code: 'unreachable', detail: 'connect refused' }],
    },
  });
  const r = await runCommandLine(reg, ctx, 'nodes -u');
  assert.deepEqual(asked[0]!.nodes, [N1, N2, N3]);
  assertLines(r.text, [
    '[details]',
    'address         status   memused_res_mb  block_cache_mb  mem_tbl_mb  mem_idx_mb  disk_avl_total_ratio  disk_avl_min_ratio',
    '10.0.0.1:34801  ALIVE    2048            512             64          3           60                    40',
    '10.0.0.2:34801  ALIVE    1024            0               0           0           90                    90',
    '10.0.0.3:34801  ALIVE    -               -               -           -           -                     -',
    '10.0.0.4:34801  UNALIVE  0               0               0           0           0                     0',
  ]);
  assertLines(r.text, ['[not_answered]', 'node            code         detail', '10.0.0.3:34801  unreachable  connect refused']);
  const d = r.data as { details: { resourceUsage: { diskAvailMinRatio: number } | null }[] };
  assert.equal(d.details[0]!.resourceUsage?.diskAvailMinRatio, 40);
  assert.equal(d.details[2]!.resourceUsage, null);
});

test('nodes -d -u (master): wbm columns, host:port addresses read over /metrics', async () => {
  const state = smallCluster();
  state.nodes = [node(N1, true, 'host1:34801'), node(N2, true, 'host2:34801')];
  state.apps = [];
  const { ctx, asked } = ctxFor(state, {
    usage: {
      usage: ['host1:34801', 'host2:34801'].map((n) => ({
        node: n,
        memusedResMb: 10,
        blockCacheBytes: MB,
        wbmTotalBytes: 2 * MB,
        wbmMutableBytes: MB,
        memTableBytes: 0,
        memIndexBytes: 0,
        diskAvailTotalRatio: 50,
        diskAvailMinRatio: 50,
      })),
    },
  });
  const r = await runCommandLine(reg, ctx, 'nodes -u');
  assert.deepEqual(asked[0]!.nodes, ['host1:34801', 'host2:34801']);
  assert.equal((asked[0]!.opts as { dialect: string }).dialect, '2.6');
  assertLines(r.text, [
    '[details]',
    'address      status  memused_res_mb  block_cache_mb  wbm_total_mb  wbm_mutable_mb  mem_tbl_mb  mem_idx_mb  disk_avl_total_ratio  disk_avl_min_ratio',
    'host1:34801  ALIVE   10              1               2             1               0           0           50                    50',
  ]);
  assert.ok(!r.text.includes('[not_answered]'));
});

test('app_disk -d (master) over a real socket: /metrics with the shell query, host:port in the cells', async () => {
  const { createServer } = await import('node:http');
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(req.url ?? '');
    res.end(
      JSON.stringify({
        cluster: 'onebox',
        role: 'replica',
        host: '127.0.0.1',
        port: 0,
        timestamp_ns: 1,
        entities: [
          {
            type: 'replica',
            id: 'replica@2.0',
            attributes: { table_id: '2', partition_id: '0' },
            metrics: [
              { name: 'rdb_total_sst_files', value: 3 },
              { name: 'rdb_total_sst_size_mb', value: 42 },
            ],
          },
        ],
      }),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const hp = `127.0.0.1:${(server.address() as { port: number }).port}`;
  try {
    const state = smallCluster();
    state.nodes = [node(N1, true, hp)];
    state.configs.temp = {
      ...state.configs.temp!,
      partitions: [{ ...state.configs.temp!.partitions[0]!, primary: N1, hpPrimary: hp, secondaries: [], hpSecondaries: [] }],
      partitionCount: 1,
    };
    const { ctx } = ctxFor(state);
    const r = await runCommandLine(reg, ctx, 'app_disk temp -d');
    assert.deepEqual(seen, [
      '/metrics?with_metric_fields=name,value&types=replica&attributes=table_id,2&metrics=rdb_total_sst_files,rdb_total_sst_size_mb',
    ]);
    assertLines(r.text, [
      'disk_used_for_primary_replicas(MB)  : 42.00',
      'disk_used_for_all_replicas(MB)      : 42.00',
      'partitions not counted              : 0/1',
    ]);
    assertLines(r.text, [
      '[details]',
      `pidx  ballot  replica_count  ${'primary'.padEnd(`${hp}(42,#3)`.length + 2)}secondaries`,
      `0     3       1/3            ${hp}(42,#3)  []`,
    ]);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
