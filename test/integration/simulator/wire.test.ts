import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import {
  Connection,
  MetaClient,
  MetaFunctionLevel,
  RPC,
  clusterInfoRecord,
  writeRequestFrame,
  FrameReader,
  decodeResponseFrame,
} from '../../../src/pegasus';
import { startSimulatedCluster, type SimulatedCluster } from '../../../src/simulator';

async function withCluster(opts: Parameters<typeof startSimulatedCluster>[0], fn: (sim: SimulatedCluster) => Promise<void>): Promise<void> {
  const sim = await startSimulatedCluster(opts);
  try {
    await fn(sim);
  } finally {
    await sim.close();
  }
}

async function control(
  sim: SimulatedCluster,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(`${sim.controlUrl}${path}`, { method, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
}

/** Raw HTTP/1.1 GET on the meta port: the exact status line, headers and body. */
function rawHttp(address: string, path: string): Promise<string> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const s = net.connect(Number(port), host!, () => s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`));
    let data = '';
    s.on('data', (c) => {
      data += c.toString('utf8');
      const head = data.indexOf('\r\n\r\n');
      const m = /Content-Length: (\d+)/.exec(data);
      if (head >= 0 && m && data.length >= head + 4 + Number(m[1])) {
        s.destroy();
        resolve(data);
      }
    });
    s.on('error', reject);
  });
}

for (const version of ['2.5', '2.6'] as const) {
  test(`${version} dialect through the wire client over real sockets`, async () => {
    await withCluster({ version, nodes: 5, tables: [{ name: 'temp', partitions: 8, replicas: 3 }] }, async (sim) => {
      const [leader, f1, f2] = sim.metaServers as [string, string, string];
      // Followers first: the client must find the leader.
      const client = new MetaClient({ metaServers: [f1, f2, leader], timeoutMs: 5000 });
      try {
        const nodes = await client.listNodes();
        assert.equal(nodes.length, 5);
        assert.equal(
          nodes.every((n) => (version === '2.6') === (n.hpAddress !== undefined)),
          true,
          'hp_node only on 2.6',
        );
        const info = clusterInfoRecord(await client.clusterInfo());
        assert.equal(info.primary_meta_server, leader);
        assert.equal(info.meta_function_level, 'steady');
        assert.equal(info.cluster_name, 'onebox');
        assert.equal(
          info.balance_operation_count,
          version === '2.5'
            ? 'move_pri=0,copy_pri=0,copy_sec=0,total=0'
            : '{\n  "copy_pri": 0,\n  "copy_sec": 0,\n  "move_pri": 0,\n  "total": 0\n}',
        );
        const cfg = await client.queryPartitionConfig('temp');
        assert.equal(cfg.partitionCount, 8);
        assert.equal(cfg.partitions[0]!.hpPrimary !== undefined, version === '2.6');
        const apps = await client.listApps();
        assert.equal(apps[0]!.atomicIdempotent !== undefined, version === '2.6');

        // remote commands: exact dialect
        const q = await client.remoteCommand('meta.lb.assign_delay_ms');
        assert.equal(q.raw, version === '2.5' ? '300000' : '{\n  "error": "ok",\n  "meta.lb.assign_delay_ms": "600000"\n}');
        const set = await client.remoteCommand('meta.lb.assign_secondary_black_list', ['127.0.0.1:34801,127.0.0.1:34802']);
        assert.equal(set.raw, version === '2.5' ? 'set ok' : '{\n  "error": "ok"\n}');
        const get = await client.remoteCommand('meta.lb.assign_secondary_black_list');
        assert.equal(
          get.raw,
          version === '2.5'
            ? 'get ok: 127.0.0.1:34801,127.0.0.1:34802'
            : '{\n  "assign_secondary_black_list": "127.0.0.1:34801,127.0.0.1:34802",\n  "error": "ok"\n}',
        );
        const cnt = await client.remoteCommand('meta.lb.get_balance_operation_count', ['detail']);
        assert.equal(
          cnt.raw,
          version === '2.5'
            ? 'move_pri=0,copy_pri=0,copy_sec=0,total=0'
            : '{\n  "copy_pri": 0,\n  "copy_sec": 0,\n  "move_pri": 0,\n  "total": 0\n}',
        );
        const bad = await client.remoteCommand('meta.lb.only_move_primary', ['maybe']);
        assert.equal(
          bad.raw,
          version === '2.5' ? 'ERR: invalid arguments' : `{\n  "error": "ERR: invalid arguments, 'maybe' is not a boolean"\n}`,
        );
        const ign = await client.remoteCommand('meta.lb.ignored_app_list', ['set', '1']);
        assert.equal(ign.raw, version === '2.5' ? 'set ok' : '{\n  "error": "ok"\n}');
        const ignGet = await client.remoteCommand('meta.lb.ignored_app_list', ['get'], { address: leader });
        // 2.5 sends the trailing NUL byte on the wire, as the real server does
        assert.equal(ignGet.raw, version === '2.5' ? 'ignored_app_id_list: 1\0' : '{\n  "ignored_app_id_list": "1"\n}');
        // followers: meta.live_percentage yes, meta.lb.* unknown
        const pct = await client.remoteCommand('meta.live_percentage', [], { address: f1 });
        assert.equal(pct.raw, version === '2.5' ? '65' : '{\n  "error": "ok",\n  "meta.live_percentage": "65"\n}');
        const unk = await client.remoteCommand('meta.lb.assign_delay_ms', [], { address: f2 });
        assert.equal(unk.raw, "unknown command 'meta.lb.assign_delay_ms'");

        // set_meta_level / get_meta_level and the effective level in cluster_info
        assert.equal(await client.setMetaLevel(MetaFunctionLevel.fl_lively), MetaFunctionLevel.fl_steady);
        assert.equal(await client.getMetaLevel(), MetaFunctionLevel.fl_lively);

        // a follower's own answers: ERR_FORWARD_TO_OTHERS with the leader hint in query-config only
        const conn = new Connection(f1, { version });
        try {
          const r = await conn.call(RPC.queryConfig, { appName: 'temp', partitionIndices: [] });
          assert.equal(r.err, 'ERR_FORWARD_TO_OTHERS');
          assert.equal(r.partitions[0]!.primary, leader);
          const n = await conn.call(RPC.listNodes, { status: 0 });
          assert.deepEqual(n, { err: 'ERR_FORWARD_TO_OTHERS', infos: [] });
          const pb = await conn.call(RPC.proposeBalancer, { gpid: { appId: 1, partitionIndex: 0 }, actionList: [] });
          // v2.5.0 / master src/meta/meta_service.cpp (CHECK_APP_ID_STATUS_AND_AUTHZ): the app lookup comes before
          // the leader check and a follower holds no apps; 2.5 answers ERR_INVALID_PARAMETERS, master ERR_APP_NOT_EXIST.
          assert.equal(pb.err, version === '2.5' ? 'ERR_INVALID_PARAMETERS' : 'ERR_APP_NOT_EXIST');
        } finally {
          conn.close();
        }
      } finally {
        client.close();
      }

      // HTTP on the same port: exact status lines, 307 from followers
      const redirect = await rawHttp(f1, '/meta/nodes?detail');
      assert.match(
        redirect,
        /^HTTP\/1\.1 307 Temporary Redirect\r\nContent-Type: text\/plain\r\nContent-Length: 0\r\nLocation: http:\/\/127\.0\.0\.1:\d+\/meta\/nodes\?detail=\r\n\r\n$/,
      );
      assert.ok(redirect.includes(`Location: http://${leader}/meta/nodes?detail=`));
      const nodesHttp = await rawHttp(leader, '/meta/nodes');
      assert.ok(nodesHttp.startsWith('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n'));
      assert.ok(nodesHttp.endsWith('"summary":{"total_node_count":"5","alive_node_count":"5","unalive_node_count":"0"}}\n'));
      const missing = await rawHttp(leader, '/meta/app?name=nope');
      assert.ok(missing.startsWith('HTTP/1.1 404 Not Found') && missing.endsWith('table not found: "nope"'));
      const badKey = await rawHttp(leader, '/meta/apps?bogus=1');
      assert.ok(badKey.startsWith('HTTP/1.1 400 Bad Request'));
      const version2 = await (await fetch(`http://${leader}/version`)).json();
      assert.equal((version2 as { Version: string }).Version, version === '2.5' ? '2.5.0' : '2.6.0-SNAPSHOT');
      const cluster = (await (await fetch(`http://${leader}/meta/cluster`)).json()) as Record<string, string>;
      assert.equal(cluster.meta_function_level, 'lively');
      assert.equal('cluster_name' in cluster, false);
    });
  });
}

test('unknown RPC name gets ERR_HANDLER_NOT_FOUND with no body; an unknown signature is closed', async () => {
  await withCluster({}, async (sim) => {
    const [host, port] = sim.metaServers[0]!.split(':');
    const frame = writeRequestFrame('RPC_CM_NO_SUCH_THING', 5, (w) => w.stop());
    const reply = await new Promise<Buffer>((resolve, reject) => {
      const s = net.connect(Number(port), host!, () => s.write(frame));
      const r = new FrameReader('response');
      s.on('data', (c) => {
        const f = r.push(c);
        if (f.length > 0) {
          s.destroy();
          resolve(f[0]!);
        }
      });
      s.on('error', reject);
    });
    const rf = decodeResponseFrame(reply);
    assert.equal(rf.errorName, 'ERR_HANDLER_NOT_FOUND');
    assert.equal(rf.seqid, 5);
    assert.equal(rf.bodyOffset, reply.length);
    const closed = await new Promise<boolean>((resolve) => {
      const s = net.connect(Number(port), host!, () => s.write('HELO world'));
      s.on('close', () => resolve(true));
      s.on('error', () => {});
    });
    assert.equal(closed, true);
  });
});

test('meta leader killed mid-operation: a follower takes over, settings are back to config values, the client is redirected', async () => {
  await withCluster({ version: '2.6', nodes: 6, metaStartupMs: 0 }, async (sim) => {
    const changes: string[] = [];
    const client = new MetaClient({
      metaServers: sim.metaServers,
      timeoutMs: 5000,
      retryDelayMs: 50,
      onLeaderChange: (c) => changes.push(c.current),
    });
    try {
      await client.remoteCommand('meta.lb.assign_delay_ms', ['10']);
      await client.remoteCommand('meta.lb.assign_secondary_black_list', ['127.0.0.1:34801']);
      await client.setMetaLevel(MetaFunctionLevel.fl_lively);
      assert.equal((await control(sim, 'POST', '/nodes/127.0.0.1:34801/stop')).status, 200);
      sim.advance(20); // the node is dying, cure is about to act
      const killed = await control(sim, 'POST', '/meta/leader/kill');
      assert.equal(killed.json.killed, sim.metaServers[0]);
      sim.advance(4); // election (3 s simulated)
      const info = clusterInfoRecord(await client.clusterInfo());
      assert.equal(info.primary_meta_server, sim.metaServers[1]);
      assert.deepEqual(changes, [sim.metaServers[0], sim.metaServers[1]]);
      assert.equal(info.meta_function_level, 'steady', 'the new leader starts at meta_function_level_on_start');
      assert.equal((await client.remoteCommand('meta.lb.assign_delay_ms')).value, '600000');
      assert.equal((await client.remoteCommand('meta.lb.assign_secondary_black_list')).fields?.assign_secondary_black_list, '');
      const state = await control(sim, 'GET', '/state?partitions=false');
      assert.equal(state.json.leader, sim.metaServers[1]);
      // the killed meta does not accept connections
      const refused = await new Promise<boolean>((resolve) => {
        const [h, p] = sim.metaServers[0]!.split(':');
        const s = net.connect(Number(p), h!);
        s.on('connect', () => {
          s.destroy();
          resolve(false);
        });
        s.on('error', () => resolve(true));
      });
      assert.equal(refused, true);
      // the node death is still handled by the new leader
      sim.advance(60);
      const nodes = await client.listNodes();
      assert.equal(nodes.find((n) => n.address === '127.0.0.1:34801')?.status, 2);
    } finally {
      client.close();
    }
  });
});

test('control API: add a node, stop/start, bad input, faults (delay, dropped connections), metrics', async () => {
  await withCluster({ version: '2.5', nodes: 4 }, async (sim) => {
    const added = await control(sim, 'POST', '/nodes', {});
    assert.deepEqual(added, { status: 200, json: { address: '127.0.0.1:34805' } });
    assert.equal((await control(sim, 'POST', '/nodes/127.0.0.1:9/stop')).status, 404);
    const bad = await control(sim, 'POST', '/faults', { delayMs: -1 });
    assert.equal(bad.status, 400);
    assert.match(String(bad.json.error), /delayMs/);
    assert.equal((await control(sim, 'POST', '/advance', { seconds: 'x' })).status, 400);
    assert.equal((await control(sim, 'POST', '/nodes/127.0.0.1:34802/stop')).json.running, false);
    assert.equal((await control(sim, 'POST', '/advance', { seconds: 30 })).status, 200);
    const st = await control(sim, 'GET', '/state');
    const nodes = st.json.nodes as { address: string; metaStatus: string }[];
    assert.equal(nodes.find((n) => n.address === '127.0.0.1:34802')?.metaStatus, 'UNALIVE');
    assert.equal((await control(sim, 'POST', '/nodes/127.0.0.1:34802/start')).json.running, true);
    const met = await control(sim, 'GET', '/metrics');
    for (const k of [
      'replicasCopied',
      'bytesCopied',
      'partitionSecondsWithoutPrimary',
      'partitionSecondsUnderReplicated',
      'frozenSeconds',
      'simulatedSeconds',
    ])
      assert.equal(typeof met.json[k], 'number', k);
    assert.ok((met.json.partitionSecondsWithoutPrimary as number) > 0);
    const log = await control(sim, 'GET', '/log?kind=node');
    assert.ok((log.json.entries as unknown[]).length >= 3);

    const client = new MetaClient({ metaServers: [sim.metaServers[0]!], timeoutMs: 5000, attemptTimeoutMs: 2000 });
    try {
      await control(sim, 'POST', '/faults', { delayMs: 150 });
      const t0 = Date.now();
      await client.listNodes();
      assert.ok(Date.now() - t0 >= 140);
      await control(sim, 'DELETE', '/faults');
      const dropped = await control(sim, 'POST', '/faults', { dropConnections: true });
      assert.ok((dropped.json.droppedConnections as number) >= 1);
      assert.equal((await client.listNodes()).length, 5, 'the client reconnects after a dropped connection');
      await control(sim, 'POST', '/faults', { meta: sim.metaServers[1], refuseConnections: true });
      const [h, p] = sim.metaServers[1]!.split(':');
      const closedAtOnce = await new Promise<boolean>((resolve) => {
        const s = net.connect(Number(p), h!, () => s.write('GET /version HTTP/1.1\r\n\r\n'));
        let got = '';
        s.on('data', (c) => (got += c));
        s.on('close', () => resolve(got === ''));
        s.on('error', () => {});
      });
      assert.equal(closedAtOnce, true);
      await control(sim, 'DELETE', '/faults');
      assert.equal((await fetch(`http://${sim.metaServers[1]}/version`)).status, 200);
    } finally {
      client.close();
    }
  });
});

test('meta restart with metaStartupMs 0 and leaderElectionMs 0: the metas come back at once on the same ports (manual clock)', async () => {
  await withCluster({ version: '2.5', nodes: 5, metaStartupMs: 0, leaderElectionMs: 0 }, async (sim) => {
    const client = new MetaClient({ metaServers: sim.metaServers, timeoutMs: 5000, retryDelayMs: 20 });
    try {
      await client.remoteCommand('meta.live_percentage', ['0']);
      sim.model.stopNode(0);
      sim.advance(30);
      assert.equal(sim.model.freezeVerdict().dead, 1);
      assert.equal((await control(sim, 'POST', '/meta/restart')).status, 200);
      const info = clusterInfoRecord(await client.clusterInfo());
      assert.equal(info.primary_meta_server, sim.metaServers[0]);
      assert.equal((await client.remoteCommand('meta.live_percentage')).value, '65', 'runtime value reset to the config value');
      await control(sim, 'POST', `/meta/${sim.metaServers[0]}/restart`);
      assert.equal(clusterInfoRecord(await client.clusterInfo()).primary_meta_server, sim.metaServers[1]);
    } finally {
      client.close();
    }
  });
});

/**
 * A base port whose next `n` ports are free, below the ephemeral range (so no client socket of a
 * test running in parallel takes one of them in the meantime).
 */
async function freeBase(n = 4): Promise<number> {
  const tryBind = (port: number): Promise<net.Server | null> =>
    new Promise((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(null));
      s.listen(port, '127.0.0.1', () => resolve(s));
    });
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 10000);
    const bound = await Promise.all(Array.from({ length: n }, (_, i) => tryBind(base + i)));
    await Promise.all(bound.map((s) => (s ? new Promise<void>((r) => s.close(() => r())) : Promise.resolve())));
    if (bound.every((s) => s !== null)) return base;
  }
  throw new Error('no free port range found');
}

test('listening replica servers answer remote commands; the NFS copy cap slows learning; a stopped node stops listening', async () => {
  const base = await freeBase();
  await withCluster(
    { version: '2.5', nodes: 4, replicaBasePort: base, listenReplicas: true, replicaSizeMb: 100, copyRateMb: 100 },
    async (sim) => {
      const client = new MetaClient({ metaServers: sim.metaServers, timeoutMs: 5000 });
      try {
        const n0 = `127.0.0.1:${base}`;
        const at = await client.remoteCommandOn([n0, `127.0.0.1:${base + 1}`], 'nfs.max_copy_rate_megabytes_per_disk', ['10']);
        assert.deepEqual(
          at.map((r) => r.result?.raw),
          ['OK', 'OK'],
        );
        assert.equal((await client.remoteCommand('nfs.max_copy_rate_megabytes_per_disk', [], { address: n0 })).raw, '10');
        assert.equal(
          (await client.remoteCommand('nfs.max_copy_rate_megabytes_per_disk', ['3'], { address: n0 })).raw,
          'ERR: max_copy_rate_bytes(max_copy_rate_megabytes << 20) should be greater than nfs_copy_block_bytes:4194304',
          'v2.5.0 src/nfs/nfs_client_impl.cpp: (num << 20) must exceed nfs_copy_block_bytes',
        );
        assert.equal(
          (await client.remoteCommand('nfs.max_copy_rate_megabytes_per_disk', ['0'], { address: n0 })).raw,
          'ERR: invalid arguments',
          'v2.5.0: 0 cannot be set back at run time',
        );
        assert.match((await client.remoteCommand('server-info', [], { address: n0 })).raw, /^Pegasus Server 2\.5\.0/);
        assert.equal(
          (await client.remoteCommand('meta.lb.assign_delay_ms', [], { address: n0 })).raw,
          "unknown command 'meta.lb.assign_delay_ms'",
        );
        // all four nodes capped at 10 MB/s: a 100 MB re-copy takes ≥ 10 s
        for (let i = 2; i < 4; i++)
          await client.remoteCommand('nfs.max_copy_rate_megabytes_per_disk', ['10'], { address: `127.0.0.1:${base + i}` });
        await client.remoteCommand('meta.lb.assign_delay_ms', ['10']);
        await control(sim, 'POST', `/nodes/127.0.0.1:${base + 3}/stop`);
        sim.advance(20); // dead after grace (10 s), re-adds start at the next tick
        const learning = sim.model.partitions.filter((p) => p.inflight?.learn).length;
        assert.ok(learning > 0, 'learning under way');
        sim.advance(200);
        assert.equal(sim.model.groundTruth().partitionsUnderReplicated, 0);
        const learns = sim.model.log.filter((e) => e.kind === 'learn' && e.event === 'done');
        assert.ok(learns.length > 0);
        for (const done of learns) {
          const start = sim.model.log.find((e) => e.kind === 'learn' && e.event === 'start' && e.gpid === done.gpid)!;
          assert.ok(done.t - start.t >= 10 - 1e-9, `100 MB at ≤ 10 MB/s took ${done.t - start.t} s`);
        }
        const state = await control(sim, 'GET', '/state?partitions=false');
        const stopped = (state.json.nodes as { address: string; listening?: boolean }[]).find((n) => n.address === `127.0.0.1:${base + 3}`);
        assert.equal(stopped?.listening, false);
        const err = (await client.remoteCommandOn([`127.0.0.1:${base + 3}`], 'server-info'))[0]!;
        assert.ok(err.error, 'a stopped replica server does not answer');
        await control(sim, 'POST', `/nodes/127.0.0.1:${base + 3}/start`);
        await new Promise((r) => setTimeout(r, 20));
        assert.equal(
          (await client.remoteCommand('nfs.max_copy_rate_megabytes_per_disk', [], { address: `127.0.0.1:${base + 3}` })).raw,
          '0',
          'a restart resets the process variable',
        );
      } finally {
        client.close();
      }
    },
  );
});

test('real-time driver: --time-scale 200 runs the clock by itself; POST /advance is refused then', async () => {
  await withCluster({ version: '2.6', nodes: 5, timeScale: 200 }, async (sim) => {
    await control(sim, 'POST', '/nodes/127.0.0.1:34801/stop');
    const client = new MetaClient({ metaServers: sim.metaServers, timeoutMs: 5000 });
    try {
      let status = 1;
      const t0 = Date.now();
      // grace 22 s + check ≤ 2 s simulated ≈ 0.12 s of wall time at 200x; poll up to 5 s
      while (status !== 2 && Date.now() - t0 < 5000) {
        await new Promise((r) => setTimeout(r, 25));
        status = (await client.listNodes()).find((n) => n.address === '127.0.0.1:34801')!.status;
      }
      assert.equal(status, 2, 'UNALIVE without any manual advance');
      const m = (await control(sim, 'GET', '/metrics')).json;
      assert.ok((m.simulatedSeconds as number) >= 22);
      assert.equal((m.driver as { timeScale: number }).timeScale, 200);
      assert.equal((await control(sim, 'POST', '/advance', { seconds: 1 })).status, 409);
    } finally {
      client.close();
    }
  });
});
