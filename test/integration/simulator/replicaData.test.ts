/**
 * Replica servers as the ground truth for data, over real sockets: master's `/metrics` (upstream
 * src/utils/metrics.{h,cpp} at master), 2.5's perf counters (v2.5.0 src/perf_counter/perf_counters.cpp,
 * counter names from src/server/pegasus_server_impl_init.cpp and src/common/fs_manager.cpp), the NFS
 * rate commands (v2.5.0 src/nfs/nfs_client_impl.cpp), skewed sizes and /state.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import { MetaClient } from '../../../src/pegasus';
import { startSimulatedCluster, type SimulatedCluster } from '../../../src/simulator';

function get(address: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`http://${address}${path}`, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

async function withCluster(opts: Parameters<typeof startSimulatedCluster>[0], fn: (sim: SimulatedCluster) => Promise<void>): Promise<void> {
  const sim = await startSimulatedCluster(opts);
  try {
    await fn(sim);
  } finally {
    await sim.close();
  }
}

interface Snapshot {
  cluster: string;
  role: string;
  host: string;
  port: number;
  timestamp_ns: number;
  entities: { type: string; id: string; attributes: Record<string, string>; metrics: { name: string; value?: number }[] }[];
}

const MB = 1024 * 1024;

test('2.6 /metrics on each replica server: the brief snapshot, filters as the shell sends them, 400 on bad queries', async () => {
  await withCluster({ version: '2.6', replicaBasePort: 0, nodes: 4, diskGb: 10, sizeSkew: 0.5, replicaSizeMb: 100 }, async (sim) => {
    const node = sim.model.nodes[0]!;
    const address = node.address;
    assert.equal(sim.state().nodes instanceof Array, true);
    const all = await get(address, '/metrics');
    assert.equal(all.status, 200);
    const snap = JSON.parse(all.body) as Snapshot;
    assert.equal(snap.cluster, 'onebox');
    assert.equal(snap.role, 'replica');
    assert.equal(snap.port, node.port);
    assert.ok(snap.timestamp_ns > 1e18);
    const replicas = snap.entities.filter((e) => e.type === 'replica');
    assert.equal(replicas.length, node.replicas);
    for (const e of replicas) {
      const [app, pidx] = e.id.replace('replica@', '').split('.');
      assert.deepEqual(e.attributes, { table_id: app, partition_id: pidx });
      const p = sim.model.apps.find((a) => String(a.id) === app)!.partitions[Number(pidx)]!;
      assert.equal(e.metrics.find((m) => m.name === 'rdb_total_sst_size_mb')!.value, p.bytes / MB);
      for (const k of ['rdb_total_sst_files', 'learn_copy_file_bytes', 'learn_copy_files', 'learn_count', 'learn_successful_count'])
        assert.ok(
          e.metrics.some((m) => m.name === k),
          k,
        );
      for (const m of e.metrics) assert.deepEqual(Object.keys(m), ['name', 'value']);
    }
    const disk = snap.entities.find((e) => e.type === 'disk')!;
    assert.equal(disk.id, 'disk@default');
    assert.deepEqual(Object.keys(disk.attributes).sort(), ['data_dir', 'tag']);
    const dataMb = replicas.reduce((s, e) => s + e.metrics.find((m) => m.name === 'rdb_total_sst_size_mb')!.value!, 0);
    assert.equal(disk.metrics.find((m) => m.name === 'disk_capacity_total_mb')!.value, 10 * 1024);
    assert.equal(disk.metrics.find((m) => m.name === 'disk_capacity_avail_mb')!.value, 10 * 1024 - dataMb);

    // The shell's app_disk query (master src/shell/commands/table_management.cpp).
    const q =
      '/metrics?with_metric_fields=name,value&types=replica&attributes=table_id,1&metrics=rdb_total_sst_files,rdb_total_sst_size_mb';
    const one = JSON.parse((await get(address, q)).body) as Snapshot;
    assert.ok(one.entities.length > 0);
    for (const e of one.entities) {
      assert.equal(e.type, 'replica');
      assert.deepEqual(e.metrics.map((m) => m.name).sort(), ['rdb_total_sst_files', 'rdb_total_sst_size_mb']);
    }
    const onlyNames = JSON.parse((await get(address, '/metrics?types=disk&with_metric_fields=name')).body) as Snapshot;
    assert.deepEqual(
      onlyNames.entities[0]!.metrics.map((m) => Object.keys(m)),
      [['name'], ['name']],
    );
    const byId = JSON.parse((await get(address, `/metrics?ids=${replicas[0]!.id}`)).body) as Snapshot;
    assert.deepEqual(
      byId.entities.map((e) => e.id),
      [replicas[0]!.id],
    );
    const none = JSON.parse((await get(address, '/metrics?metrics=no_such_metric')).body) as Snapshot;
    assert.deepEqual(none.entities, []);
    const odd = await get(address, '/metrics?attributes=table_id');
    assert.equal(odd.status, 400);
    assert.match(JSON.parse(odd.body).error_message, /should be even/);
    const unknown = await get(address, '/metrics?foo=bar');
    assert.equal(unknown.status, 400);
    assert.equal(JSON.parse(unknown.body).error_message, 'unknown field foo=bar');
  });
});

test('/state lists dataBytes, diskTotalBytes, diskAvailBytes per node; sizes skew deterministically per seed; skew 0 = all equal', async () => {
  const sizes = async (seed: number, skew: number): Promise<number[]> => {
    let out: number[] = [];
    await withCluster({ seed, sizeSkew: skew, replicaSizeMb: 200, tables: [{ name: 't', partitions: 16, replicas: 3 }] }, async (sim) => {
      const st = sim.state() as {
        nodes: { dataBytes: number; diskTotalBytes: number; diskAvailBytes: number }[];
        tables: { partitions: { bytes: number }[] }[];
      };
      out = st.tables[0]!.partitions.map((p) => p.bytes);
      const total = st.nodes.reduce((s, n) => s + n.dataBytes, 0);
      assert.equal(total, out.reduce((a, b) => a + b, 0) * 3, 'every replica counted once on its node');
      for (const n of st.nodes) assert.equal(n.diskAvailBytes, n.diskTotalBytes - n.dataBytes);
    });
    return out;
  };
  const a = await sizes(3, 0.8);
  assert.deepEqual(await sizes(3, 0.8), a, 'same seed, same sizes');
  assert.notDeepEqual(await sizes(4, 0.8), a, 'another seed, other sizes');
  assert.ok(new Set(a).size > 4, 'spread');
  for (const b of a) assert.equal(b % MB, 0, 'whole MB');
  const mean = a.reduce((s, b) => s + b, 0) / a.length / MB;
  assert.ok(Math.abs(mean - 200) < 2, `mean ${mean} MB`);
  assert.deepEqual(await sizes(3, 0), new Array(16).fill(200 * MB));
});

test('2.5 perf counters on replica servers; the NFS copy cap changes the copy time; learn counters advance as bytes move', async () => {
  await withCluster(
    {
      version: '2.5',
      replicaBasePort: 0,
      nodes: 4,
      replicaSizeMb: 640,
      copyRateMb: 100,
      diskGb: 50,
      tables: [{ name: 't', partitions: 4, replicas: 3 }],
    },
    async (sim) => {
      const client = new MetaClient({ metaServers: sim.metaServers, timeoutMs: 5000 });
      try {
        const n0 = sim.model.nodes[0]!;
        const raw = (
          await client.remoteCommand('perf-counters-by-prefix', ['replica*app.pegasus*disk.storage.sst(MB)@1.'], { address: n0.address })
        ).raw;
        assert.match(raw, /^\{"result":"OK","timestamp":\d+,"timestamp_str":"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d","counters":\[/);
        const info = JSON.parse(raw) as { counters: { name: string; type: string; value: number }[] };
        assert.equal(info.counters.length, n0.replicas);
        for (const c of info.counters) {
          assert.match(c.name, /^replica\*app\.pegasus\*disk\.storage\.sst\(MB\)@1\.\d+$/);
          assert.equal(c.type, 'NUMBER');
          assert.equal(c.value, 640);
        }
        assert.ok(raw.includes('"value":640.0'), 'rapidjson writes doubles with a fraction');
        const ratio = JSON.parse(
          (await client.remoteCommand('perf-counters-by-substr', ['disk.available.total.ratio'], { address: n0.address })).raw,
        ) as {
          counters: { name: string; value: number }[];
        };
        assert.equal(ratio.counters[0]!.name, 'replica*eon.replica_stub*disk.available.total.ratio');
        assert.equal(ratio.counters[0]!.value, Math.round(((50 * 1024 - 640 * n0.replicas) * 100) / (50 * 1024)));

        // Receiver capped at 10 MB/s on every node: a 640 MB re-copy takes ≥ 64 s, and the counters advance per 64 MB file.
        for (const n of sim.model.nodes) await client.remoteCommand('nfs.max_copy_rate_megabytes_per_disk', ['10'], { address: n.address });
        await client.remoteCommand('meta.lb.assign_delay_ms', ['10']);
        const victim = sim.model.nodes[3]!;
        sim.model.stopNode(victim.idx);
        sim.advance(20);
        const learner = sim.model.nodes.find((n) => n.learns.length > 0)!;
        assert.ok(learner, 'learning under way');
        sim.advance(40); // ≤ 4 learns share 10 MB/s: ≥ 100 MB each, at least one whole file
        const mid = JSON.parse(
          (
            await client.remoteCommand('perf-counters-by-postfix', ['replicas.learning.recent.copy.file.size'], {
              address: learner.address,
            })
          ).raw,
        ) as { counters: { value: number }[] };
        assert.ok(mid.counters[0]!.value > 0, 'bytes counted while the copy runs');
        assert.equal(mid.counters[0]!.value % (64 * MB), 0, 'whole files');
        sim.advance(300);
        assert.equal(sim.model.groundTruth().partitionsUnderReplicated, 0);
        for (const done of sim.model.log.filter((e) => e.kind === 'learn' && e.event === 'done')) {
          const start = sim.model.log.find((e) => e.kind === 'learn' && e.event === 'start' && e.gpid === done.gpid)!;
          assert.ok(done.t - start.t >= 64 - 1e-9, `640 MB at ≤ 10 MB/s took ${done.t - start.t} s`);
        }
      } finally {
        client.close();
      }
    },
  );
});

test('2.6: learn counters reach the bytes copied; the send cap (nfs.max_send_rate_megabytes_per_disk) slows the copy too', async () => {
  const copyTime = async (sendCap: number): Promise<{ seconds: number; counted: number; truth: number }> => {
    const r = { seconds: 0, counted: 0, truth: 0 };
    await withCluster(
      {
        version: '2.6',
        replicaBasePort: 0,
        nodes: 4,
        replicaSizeMb: 300,
        sizeSkew: 0.4,
        copyRateMb: 100,
        tables: [{ name: 't', partitions: 4, replicas: 3 }],
      },
      async (sim) => {
        const client = new MetaClient({ metaServers: sim.metaServers, timeoutMs: 5000 });
        try {
          if (sendCap > 0)
            for (const n of sim.model.nodes) {
              const out = (await client.remoteCommand('nfs.max_send_rate_megabytes_per_disk', [String(sendCap)], { address: n.address }))
                .raw;
              assert.deepEqual(JSON.parse(out), { error: 'ok' });
            }
          await client.remoteCommand('meta.lb.assign_delay_ms', ['10']);
          sim.model.stopNode(3);
          sim.advance(600);
          assert.equal(sim.model.groundTruth().partitionsUnderReplicated, 0);
          const learns = sim.model.log.filter((e) => e.kind === 'learn' && e.event === 'done');
          const starts = sim.model.log.filter((e) => e.kind === 'learn' && e.event === 'start');
          r.seconds = Math.max(...learns.map((e) => e.t)) - Math.min(...starts.map((e) => e.t));
          r.truth = Math.round(sim.model.metrics.bytesCopied);
          for (const n of sim.model.nodes.slice(0, 3)) {
            const snap = JSON.parse((await get(n.address, '/metrics?types=replica&metrics=learn_copy_file_bytes')).body) as Snapshot;
            for (const e of snap.entities) r.counted += e.metrics[0]!.value!;
          }
        } finally {
          client.close();
        }
      },
    );
    return r;
  };
  const free = await copyTime(0);
  assert.equal(free.counted, free.truth, 'learn_copy_file_bytes sums to the bytes the simulator copied');
  const capped = await copyTime(5);
  assert.ok(capped.seconds > free.seconds * 2, `send cap 5 MB/s: ${capped.seconds} s vs ${free.seconds} s`);
});
