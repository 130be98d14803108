// The reader over real sockets: a tiny loopback HTTP server plays replica servers answering master's
// `/metrics` (apache/incubator-pegasus master src/utils/metrics.cpp, brief value snapshot in metrics.h);
// a fake remote command transport plays 2.5 servers (v2.5.0 src/perf_counter/perf_counters.cpp).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dataBytesByNode, dataBytesByTable, MB, readReplicaData, readResourceUsage } from '../../../src/cluster/replicaData';
import { parseRemoteCommandOutput } from '../../../src/pegasus/remoteCommand';
import { PegasusError } from '../../../src/pegasus/errors';
import type { MetaClientLike } from '../../../src/cluster/client';

function snapshot(port: number, sizes: [number, number, number][], disk?: [number, number]) {
  return JSON.stringify({
    cluster: 'c',
    role: 'replica',
    host: '127.0.0.1',
    port,
    timestamp_ns: 1,
    entities: [
      ...sizes.map(([t, p, mb]) => ({
        type: 'replica',
        id: `replica@${t}.${p}`,
        attributes: { table_id: String(t), partition_id: String(p) },
        metrics: [
          { name: 'rdb_total_sst_size_mb', value: mb },
          { name: 'learn_copy_file_bytes', value: mb * 10 },
        ],
      })),
      ...(disk
        ? [
            {
              type: 'disk',
              id: 'disk@d1',
              attributes: { tag: 'd1', data_dir: '/data/d1' },
              metrics: [
                { name: 'disk_capacity_total_mb', value: disk[0] },
                { name: 'disk_capacity_avail_mb', value: disk[1] },
              ],
            },
          ]
        : []),
    ],
  });
}

type Behaviour = 'good' | 'status500' | 'hang' | 'garbage' | 'huge' | 'trickle' | 'cut';

async function replicaServer(behaviour: Behaviour, seen: string[] = [], delayMs = 0): Promise<{ server: Server; address: string }> {
  const server = createServer((req, res) => {
    seen.push(req.url ?? '');
    const port = (server.address() as AddressInfo).port;
    const answer = () => {
      if (behaviour === 'good')
        res.end(
          snapshot(
            port,
            [
              [2, 0, 100],
              [2, 1, 50],
              [3, 0, 7],
            ],
            [1000, 400],
          ),
        );
      else if (behaviour === 'status500') {
        res.statusCode = 400;
        res.end('unknown field');
      } else if (behaviour === 'garbage') res.end('<html>not metrics</html>');
      else if (behaviour === 'huge') {
        res.write('{"entities":[' + '1,'.repeat(600_000));
        res.end('1]}');
      } else if (behaviour === 'cut') {
        res.writeHead(200, { 'content-length': '1000' });
        res.write('{"cluster":');
        setTimeout(() => res.socket?.destroy(), 10);
      } else if (behaviour === 'trickle') {
        const t = setInterval(() => res.write(' '), 20);
        res.on('close', () => clearInterval(t));
      }
      // 'hang': never answers
    };
    if (delayMs) setTimeout(answer, delayMs);
    else answer();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, address: `127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function close(...servers: Server[]) {
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
}

test('2.6 over loopback: sizes, disks, learning; every failing node named with a code', async () => {
  const seen: string[] = [];
  const good = await replicaServer('good', seen);
  const bad = await replicaServer('status500');
  const hang = await replicaServer('hang');
  const garbage = await replicaServer('garbage');
  const huge = await replicaServer('huge');
  const trickle = await replicaServer('trickle');
  const cut = await replicaServer('cut');
  // A port nothing listens on: take one and release it.
  const gone = await replicaServer('good');
  close(gone.server);
  await new Promise((r) => setTimeout(r, 20));
  try {
    const t0 = Date.now();
    const d = await readReplicaData(
      [good.address, bad.address, hang.address, garbage.address, huge.address, trickle.address, cut.address, gone.address, 'nonsense'],
      { dialect: '2.6', timeoutMs: 300, maxBodyBytes: 256 * 1024 },
    );
    assert.ok(Date.now() - t0 < 2000, 'bounded by the per-node timeout');
    assert.deepEqual(d.answered, [good.address]);
    assert.equal(seen[0]!.startsWith('/metrics?with_metric_fields=name,value&types=replica,disk&metrics='), true);
    assert.deepEqual(
      d.replicas.map((r) => [r.appId, r.partitionIndex, r.bytes]),
      [
        [2, 0, 100 * MB],
        [2, 1, 50 * MB],
        [3, 0, 7 * MB],
      ],
    );
    assert.deepEqual(d.disks, [
      {
        node: good.address,
        totalBytes: 1000 * MB,
        availBytes: 400 * MB,
        usedBytes: 600 * MB,
        availTotalRatio: 40,
        availMinRatio: 40,
        disks: [{ tag: 'd1', dataDir: '/data/d1', totalBytes: 1000 * MB, availBytes: 400 * MB }],
      },
    ]);
    assert.equal(d.learning[0]?.copyFileBytes, 1570);
    const codes = Object.fromEntries(d.unknown.map((u) => [u.node, u.code]));
    assert.deepEqual(codes, {
      [bad.address]: 'http-status',
      [hang.address]: 'timeout',
      [garbage.address]: 'bad-body',
      [huge.address]: 'too-large',
      [trickle.address]: 'timeout',
      [cut.address]: 'unreachable',
      [gone.address]: 'unreachable',
      nonsense: 'bad-address',
    });
    assert.equal(dataBytesByNode(d).get(good.address)?.bytes, 157 * MB);
    assert.equal(dataBytesByTable(d).get(2), 150 * MB);
  } finally {
    close(good.server, bad.server, hang.server, garbage.server, huge.server, trickle.server, cut.server);
  }
});

test('2.6 table query is the shell app_disk one; concurrency is bounded', async () => {
  const seen: string[] = [];
  const servers = await Promise.all(Array.from({ length: 6 }, () => replicaServer('good', seen, 40)));
  try {
    const t0 = Date.now();
    const d = await readReplicaData(
      servers.map((s) => s.address),
      { dialect: '2.6', tableId: 2, concurrency: 2 },
    );
    const took = Date.now() - t0;
    assert.equal(d.answered.length, 6);
    assert.ok(
      seen.every(
        (u) =>
          u ===
          '/metrics?with_metric_fields=name,value&types=replica&attributes=table_id,2&metrics=rdb_total_sst_files,rdb_total_sst_size_mb',
      ),
    );
    // 6 nodes, 2 at a time, 40 ms each: at least 3 rounds.
    assert.ok(took >= 110, `took ${took} ms`);
  } finally {
    close(...servers.map((s) => s.server));
  }
});

test('abort: nodes not yet asked are unknown with code aborted', async () => {
  const hang = await replicaServer('hang');
  try {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const d = await readReplicaData([hang.address, hang.address.replace(/\d+$/, '1')], {
      dialect: '2.6',
      timeoutMs: 5000,
      signal: ac.signal,
      concurrency: 1,
    });
    assert.deepEqual(
      d.unknown.map((u) => u.code),
      ['aborted', 'aborted'],
    );
  } finally {
    close(hang.server);
  }
});

function fakeRemote(answers: Record<string, string | 'throw' | 'hang'>): Pick<MetaClientLike, 'remoteCommand'> & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    async remoteCommand(cmd, args, o) {
      calls.push([o?.address ?? '', cmd, ...args]);
      const a = answers[o?.address ?? ''];
      if (a === undefined || a === 'throw') throw new PegasusError('ERR_NETWORK_FAILURE', 'connect refused', { kind: 'transport' });
      if (a === 'hang') return new Promise(() => undefined);
      return parseRemoteCommandOutput(a);
    },
  };
}

test('2.5 through remote commands: perf-counters-by-prefix, partial answers, deadline without transport help', async () => {
  const perf = JSON.stringify({
    result: 'OK',
    timestamp: 1,
    timestamp_str: '',
    counters: [
      { name: 'replica*app.pegasus*disk.storage.sst(MB)@2.0', type: 'NUMBER', value: 64 },
      { name: 'replica*eon.replica_stub*disk.capacity.total(MB)', type: 'NUMBER', value: 100 },
      { name: 'replica*eon.replica_stub*disk.available.total(MB)', type: 'NUMBER', value: 10 },
    ],
  });
  const remote = fakeRemote({
    'a:1': perf,
    'b:1': 'throw',
    'c:1': 'hang',
    'd:1': "unknown command 'perf-counters-by-prefix'",
    'e:1': '{"result":"ERROR: bad","timestamp":0,"timestamp_str":"","counters":[]}',
  });
  const d = await readReplicaData(['a:1', 'b:1', 'c:1', 'd:1', 'e:1'], { dialect: '2.5', remote, timeoutMs: 100 });
  assert.deepEqual(remote.calls[0], [
    'a:1',
    'perf-counters-by-prefix',
    'replica*app.pegasus*disk.storage.sst(MB)@',
    'replica*app.pegasus*disk.storage.sst.count@',
    'replica*eon.replica_stub*disk.',
    'replica*eon.replica_stub*replicas.learning.',
  ]);
  assert.deepEqual(d.replicas, [{ node: 'a:1', appId: 2, partitionIndex: 0, bytes: 64 * MB }]);
  assert.equal(d.disks[0]?.availTotalRatio, 10);
  assert.deepEqual(
    d.unknown.map((u) => [u.node, u.code]),
    [
      ['b:1', 'unreachable'],
      ['c:1', 'timeout'],
      ['d:1', 'server-error'],
      ['e:1', 'server-error'],
    ],
  );
  const none = await readReplicaData(['a:1'], { dialect: '2.5' });
  assert.equal(none.unknown[0]?.code, 'no-transport');
});

test('readResourceUsage: nodes -u figures per node, 2.5 with the shell prefixes', async () => {
  const remote = fakeRemote({
    'a:1': JSON.stringify({
      result: 'OK',
      timestamp: 1,
      timestamp_str: '',
      counters: [{ name: 'replica*server*memused.res(MB)', type: 'NUMBER', value: 900 }],
    }),
  });
  const u = await readResourceUsage(['a:1', 'b:1'], { dialect: '2.5', remote });
  assert.equal(remote.calls[0]?.[2], 'replica*server*memused.res(MB)');
  assert.equal(u.usage[0]?.memusedResMb, 900);
  assert.deepEqual(
    u.unknown.map((x) => x.node),
    ['b:1'],
  );
});

test('fuzz: 10,000 hostile perf-counter replies through the whole reader → figures or coded unknowns', async () => {
  let x = 12345;
  const rnd = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
  const base = JSON.stringify({
    result: 'OK',
    timestamp: 1,
    timestamp_str: '',
    counters: [
      { name: 'replica*app.pegasus*disk.storage.sst(MB)@2.0', type: 'NUMBER', value: 64 },
      { name: 'replica*eon.replica_stub*disk.capacity.total(MB)', type: 'NUMBER', value: 100 },
      { name: 'replica*eon.replica_stub*disk.available.total(MB)', type: 'NUMBER', value: 10 },
      { name: 'replica*eon.replica_stub*replicas.learning.recent.copy.file.size', type: 'VOLATILE_NUMBER', value: 5 },
    ],
  });
  const pieces = ['"', '{', '}', '[', ']', ',', ':', '-1', '1e999', 'null', '"OK"', '"result"', '"counters"', '\u0000', 'NaN', '"value"'];
  const bodies = new Map<string, string>();
  for (let i = 0; i < 10_000; i++) {
    const at = Math.floor(rnd() * base.length);
    const cut = Math.floor(rnd() * 8);
    const body = base.slice(0, at) + pieces[Math.floor(rnd() * pieces.length)]! + base.slice(at + cut);
    bodies.set(`n${i}:1`, body);
  }
  const remote: Pick<MetaClientLike, 'remoteCommand'> = {
    async remoteCommand(_cmd, _args, o) {
      return parseRemoteCommandOutput(bodies.get(o!.address!)!);
    },
  };
  const d = await readReplicaData([...bodies.keys()], { dialect: '2.5', remote, concurrency: 64 });
  assert.equal(d.answered.length + d.unknown.length, 10_000);
  assert.ok(d.answered.length > 100 && d.unknown.length > 100, `${d.answered.length} answered, ${d.unknown.length} unknown`);
  for (const u of d.unknown) assert.ok(['bad-body', 'server-error'].includes(u.code), u.code);
  for (const r of d.replicas) assert.ok(Number.isFinite(r.bytes) && r.bytes >= 0);
  for (const k of d.disks) assert.ok(k.totalBytes >= 0 && k.availBytes >= 0 && k.usedBytes >= 0);
});
