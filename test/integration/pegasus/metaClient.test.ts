import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  clusterInfoRecord,
  Connection,
  encodeResponse,
  MetaClient,
  MetaFunctionLevel,
  PegasusError,
  RPC,
  type LeaderChange,
  type RpcDef,
} from '../../../src/pegasus';
import { closedPort, samplePartitions, withCluster } from '../../support/fixtureCluster';

function isErr(code: string, kind?: string) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof PegasusError, `expected PegasusError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (kind) assert.equal(e.kind, kind);
    return true;
  };
}

for (const version of ['2.5', '2.6'] as const) {
  test(`every RPC against the leader (${version})`, async () => {
    await withCluster(1, version, 0, async (c) => {
      const client = new MetaClient({ metaServers: c.addresses, retryDelayMs: 5 });
      try {
        const nodes = await client.listNodes();
        assert.equal(nodes.length, 3);
        assert.equal(nodes[0]!.address, '10.0.0.1:34801');
        assert.equal(nodes[0]!.hpAddress, version === '2.6' ? 'node1:34801' : undefined);
        assert.deepEqual(
          (await client.listNodes({ status: 2 })).map((x) => x.address),
          ['10.0.0.3:34801'],
        );

        const apps = await client.listApps();
        assert.equal(apps[0]!.appName, 'temp');
        assert.deepEqual(apps[0]!.envs, { 'replica.deny_client_request': 'timeout*write' });
        assert.equal(apps[0]!.atomicIdempotent, version === '2.6' ? false : undefined);

        const cfg = await client.queryPartitionConfig('temp');
        assert.equal(cfg.partitionCount, 8);
        assert.deepEqual(cfg.partitions, samplePartitions(2, 8, version));
        const some = await client.queryPartitionConfig('temp', { partitionIndices: [1, 5] });
        assert.deepEqual(
          some.partitions.map((p) => p.pid.partitionIndex),
          [1, 5],
        );
        await assert.rejects(client.queryPartitionConfig('nope'), (e) => {
          isErr('ERR_OBJECT_NOT_FOUND', 'app')(e);
          const pe = e as PegasusError;
          assert.equal(pe.rpc, 'RPC_CM_QUERY_PARTITION_CONFIG_BY_INDEX');
          assert.equal(pe.address, c.addresses[0]);
          assert.match(pe.hint, /ls/);
          return true;
        });

        const info = clusterInfoRecord(await client.clusterInfo());
        assert.equal(info.meta_function_level, 'steady');
        assert.equal(info.primary_meta_server, c.addresses[0]);

        assert.equal(await client.getMetaLevel(), MetaFunctionLevel.fl_steady);
        assert.equal(await client.setMetaLevel(MetaFunctionLevel.fl_lively), MetaFunctionLevel.fl_steady);
        assert.equal(await client.controlMeta(MetaFunctionLevel.fl_invalid), MetaFunctionLevel.fl_lively);

        const get = await client.remoteCommand('meta.lb.assign_delay_ms');
        assert.equal(get.ok, true);
        assert.equal(get.value, '300000');
        assert.equal(get.dialect, version === '2.6' ? 'json' : 'text');
        const set = await client.remoteCommand('meta.lb.assign_delay_ms', ['10']);
        assert.equal(set.ok, true);
        assert.equal((await client.remoteCommand('meta.lb.assign_delay_ms')).value, '10');
        const bad = await client.remoteCommand('meta.lb.assign_delay_ms', ['-1']);
        assert.equal(bad.ok, false);
        assert.match(bad.error!, /invalid argument/);
        const unknown = await client.remoteCommand('nope');
        assert.deepEqual([unknown.ok, unknown.error], [false, "unknown command 'nope'"]);

        await client.proposeBalancer({
          gpid: { appId: 2, partitionIndex: 1 },
          actionList: [{ target: '', node: '10.0.0.2:34801', type: 3 }],
          force: false,
        });
        await assert.rejects(
          client.proposeBalancer({ gpid: { appId: 2, partitionIndex: 99 }, actionList: [] }),
          isErr('ERR_INVALID_PARAMETERS', 'app'),
        );
        const proposal = c.state.received.find((r) => r.name === 'RPC_CM_PROPOSE_BALANCER');
        assert.deepEqual(proposal?.args, {
          gpid: { appId: 2, partitionIndex: 1 },
          actionList: [{ target: '', node: '10.0.0.2:34801', type: 3 }],
          force: false,
        });
        assert.equal(client.leader, c.addresses[0]);
      } finally {
        client.close();
      }
    });
  });
}

test('follower forwarding: query_cfg hint, hint to a meta not in the list, and no-hint round robin', async () => {
  await withCluster(3, '2.6', 2, async (c) => {
    const changes: LeaderChange[] = [];
    // Only the two followers are configured: the hint must add the leader.
    const client = new MetaClient({
      metaServers: [c.addresses[0]!, c.addresses[1]!],
      retryDelayMs: 5,
      onLeaderChange: (x) => changes.push(x),
    });
    try {
      const cfg = await client.queryPartitionConfig('temp');
      assert.equal(cfg.partitions.length, 8);
      assert.equal(client.leader, c.addresses[2]);
      assert.deepEqual(client.metaServers, [c.addresses[0], c.addresses[1], c.addresses[2]]);
      assert.deepEqual(changes, [{ previous: undefined, current: c.addresses[2] }]);
      // query_cfg went follower 0 → leader 2 directly thanks to the hint
      assert.deepEqual(
        c.state.received.map((r) => r.meta),
        [0, 2],
      );
    } finally {
      client.close();
    }
  });
  await withCluster(3, '2.5', 2, async (c) => {
    const client = new MetaClient({ metaServers: c.addresses, retryDelayMs: 5 });
    try {
      // cluster_info carries no hint: 0 → 1 → 2.
      assert.equal(clusterInfoRecord(await client.clusterInfo()).primary_meta_server, c.addresses[2]);
      assert.deepEqual(
        c.state.received.map((r) => r.meta),
        [0, 1, 2],
      );
      // next call goes to the known leader directly
      await client.listNodes();
      assert.equal(c.state.received.at(-1)!.meta, 2);
    } finally {
      client.close();
    }
  });
});

test('leader change: FORWARD from the old leader, the new one is found and reported', async () => {
  await withCluster(3, '2.5', 0, async (c) => {
    const changes: LeaderChange[] = [];
    const client = new MetaClient({ metaServers: c.addresses, retryDelayMs: 5 });
    const off = client.onLeaderChange((x) => changes.push(x));
    try {
      await client.listApps();
      c.state.leader = 1;
      await client.listApps();
      assert.equal(client.leader, c.addresses[1]);
      assert.deepEqual(changes, [
        { previous: undefined, current: c.addresses[0] },
        { previous: c.addresses[0], current: c.addresses[1] },
      ]);
      // remote commands go to the (re-confirmed) leader; followers do not know leader-only commands
      c.state.leader = 2;
      const r = await client.remoteCommand('meta.lb.assign_delay_ms');
      assert.equal(r.ok, true, r.raw);
      assert.equal(client.leader, c.addresses[2]);
      // propose_balancer: a 2.5 follower says ERR_INVALID_PARAMETERS; the client re-finds the leader
      c.state.leader = 0;
      await client.proposeBalancer({ gpid: { appId: 2, partitionIndex: 0 }, actionList: [] });
      assert.equal(client.leader, c.addresses[0]);
      off();
      c.state.leader = 1;
      await client.listNodes();
      assert.equal(changes.length, 4);
    } finally {
      client.close();
    }
  });
});

for (const version of ['2.5', '2.6'] as const) {
  // v2.5.0 src/meta/meta_service.cpp (on_propose_balancer, CHECK_APP_ID_STATUS_AND_AUTHZ) and master
  // src/meta/meta_service.cpp: the app lookup comes before the leader check, so a follower answers
  // ERR_INVALID_PARAMETERS (2.5) / ERR_APP_NOT_EXIST (master) for every app instead of forwarding.
  test(`propose_balancer (${version}): a follower's "no such app" sends the proposal to the re-resolved leader`, async () => {
    await withCluster(3, version, 0, async (c) => {
      const client = new MetaClient({ metaServers: c.addresses, retryDelayMs: 5 });
      try {
        await client.listApps();
        assert.equal(client.leader, c.addresses[0]);
        // The leader moved while the client still trusts meta 0, which now answers as a follower.
        c.state.leader = 2;
        c.state.received.length = 0;
        await client.proposeBalancer({ gpid: { appId: 2, partitionIndex: 1 }, actionList: [] });
        assert.equal(client.leader, c.addresses[2]);
        const proposals = c.state.received.filter((r) => r.name === RPC.proposeBalancer.name).map((r) => r.meta);
        assert.deepEqual(proposals, [0, 2], 'the follower first, then the leader');
        // The leader's own answer is final: an unknown app is not retried elsewhere.
        c.state.received.length = 0;
        await assert.rejects(
          client.proposeBalancer({ gpid: { appId: 9, partitionIndex: 0 }, actionList: [] }),
          isErr(version === '2.5' ? 'ERR_INVALID_PARAMETERS' : 'ERR_APP_NOT_EXIST', 'app'),
        );
        assert.deepEqual(
          c.state.received.filter((r) => r.name === RPC.proposeBalancer.name).map((r) => r.meta),
          [2],
        );
        assert.equal(client.leader, c.addresses[2]);
      } finally {
        client.close();
      }
    });
  });
}

test('ERR_SERVICE_NOT_ACTIVE is retried with backoff; no leader at all ends in ERR_FORWARD_TO_OTHERS', async () => {
  await withCluster(2, '2.5', 0, async (c) => {
    c.state.notActive = 3;
    const changes: LeaderChange[] = [];
    const client = new MetaClient({ metaServers: c.addresses, retryDelayMs: 2, onLeaderChange: (x) => changes.push(x) });
    try {
      assert.equal((await client.listNodes()).length, 3);
      assert.equal(c.state.received.length, 4);
      assert.ok(c.state.received.every((r) => r.meta === 0));
      assert.deepEqual(changes, [{ previous: undefined, current: c.addresses[0] }]);
      // The known leader says "starting" again (a restarted process): reported as a restart.
      c.state.notActive = 1;
      await client.listNodes();
      assert.deepEqual(changes[1], { previous: c.addresses[0], current: c.addresses[0], restarted: true });
      await client.listNodes();
      assert.equal(changes.length, 2);
    } finally {
      client.close();
    }
  });
  await withCluster(2, '2.5', undefined, async (c) => {
    const client = new MetaClient({ metaServers: c.addresses, retryDelayMs: 2, maxAttempts: 6 });
    try {
      await assert.rejects(client.listNodes(), isErr('ERR_FORWARD_TO_OTHERS'));
    } finally {
      client.close();
    }
  });
});

test('remote commands on given addresses (-l), including an unreachable one', async () => {
  await withCluster(2, '2.6', 0, async (c) => {
    const dead = await closedPort();
    const client = new MetaClient({ metaServers: c.addresses, timeoutMs: 2000 });
    try {
      const res = await client.remoteCommandOn([c.addresses[1]!, dead], 'server-info');
      assert.equal(res[0]!.result?.ok, true);
      assert.deepEqual(res[0]!.result?.fields, { role: 'meta', index: '1', start_time: '2026-11-26 10:00:01' });
      assert.equal(res[1]!.error?.code, 'ERR_NETWORK_FAILURE');
      assert.equal(res[1]!.error?.address, dead);
    } finally {
      client.close();
    }
  });
});

test('an unreachable first meta is skipped', async () => {
  await withCluster(1, '2.5', 0, async (c) => {
    const dead = await closedPort();
    const client = new MetaClient({ metaServers: [dead, c.addresses[0]!], retryDelayMs: 2 });
    try {
      assert.equal((await client.listNodes()).length, 3);
      assert.equal(client.leader, c.addresses[0]);
    } finally {
      client.close();
    }
  });
});

const FOO: RpcDef<{ status: number }, { err: string; infos: never[] }> = {
  ...RPC.listNodes,
  name: 'RPC_CM_FOO',
  ackName: 'RPC_CM_FOO_ACK',
} as never;

test('unknown RPC: ERR_HANDLER_NOT_FOUND without body, connection stays usable', async () => {
  await withCluster(1, '2.5', 0, async (c) => {
    const conn = new Connection(c.addresses[0]!);
    try {
      await assert.rejects(conn.call(FOO, { status: 0 }), (e) => {
        isErr('ERR_HANDLER_NOT_FOUND', 'rpc')(e);
        assert.equal((e as PegasusError).rpc, 'RPC_CM_FOO');
        return true;
      });
      assert.equal((await conn.call(RPC.listNodes, { status: 0 })).infos.length, 3);
    } finally {
      conn.close();
    }
  });
});

test('server closes mid-frame: ERR_SESSION_RESET, then the next call reconnects', async () => {
  await withCluster(1, '2.5', 0, async (c) => {
    let first = true;
    c.state.override = (req) => {
      if (!first) return { kind: 'default' };
      first = false;
      const full = encodeResponse(RPC.listNodes, { err: 'ERR_OK', infos: c.state.nodes }, { seqid: req.seqid });
      return { kind: 'raw', bytes: full.subarray(0, 30), thenClose: true };
    };
    const conn = new Connection(c.addresses[0]!);
    try {
      await assert.rejects(conn.call(RPC.listNodes, { status: 0 }), (e) => {
        isErr('ERR_SESSION_RESET', 'transport')(e);
        assert.match((e as PegasusError).detail, /mid-frame/);
        return true;
      });
      assert.equal((await conn.call(RPC.listNodes, { status: 0 })).infos.length, 3);
    } finally {
      conn.close();
    }
  });
});

test('a response over the frame cap fails with ERR_CAPACITY_EXCEEDED as soon as its header arrives', async () => {
  await withCluster(1, '2.5', 0, async (c) => {
    const conn = new Connection(c.addresses[0]!, { maxFrameBytes: 1024 });
    c.state.override = (req) => {
      if (req.name !== RPC.queryConfig.name) return { kind: 'default' };
      const full = encodeResponse(
        RPC.queryConfig,
        { err: 'ERR_OK', appId: 2, partitionCount: 64, isStateful: true, partitions: samplePartitions(2, 64, '2.5') },
        { seqid: req.seqid },
      );
      // Only the first 100 bytes: the cap must trigger on the length prefix alone.
      return { kind: 'raw', bytes: full.subarray(0, 100) };
    };
    try {
      await assert.rejects(conn.call(RPC.queryConfig, { appName: 'temp', partitionIndices: [] }), isErr('ERR_CAPACITY_EXCEEDED', 'wire'));
      c.state.override = undefined;
      assert.equal((await conn.call(RPC.listNodes, { status: 0 })).infos.length, 3);
    } finally {
      conn.close();
    }
  });
});

test('timeout, late reply ignored; cancellation; pipelined replies out of order', async () => {
  await withCluster(1, '2.5', 0, async (c) => {
    const conn = new Connection(c.addresses[0]!);
    const held: Array<() => void> = [];
    c.state.override = (req) =>
      req.name === RPC.clusterInfo.name ? new Promise((resolve) => held.push(() => resolve({ kind: 'default' }))) : { kind: 'default' };
    try {
      const t0 = Date.now();
      await assert.rejects(conn.call(RPC.clusterInfo, {}, { timeoutMs: 30 }), isErr('ERR_TIMEOUT', 'transport'));
      assert.ok(Date.now() - t0 < 2000);
      held.shift()!(); // the late reply arrives and is dropped
      assert.equal((await conn.call(RPC.listNodes, { status: 0 })).infos.length, 3);

      const ac = new AbortController();
      const p = conn.call(RPC.clusterInfo, {}, { signal: ac.signal });
      ac.abort();
      await assert.rejects(p, isErr('ERR_CANCELLED'));
      await assert.rejects(conn.call(RPC.clusterInfo, {}, { signal: ac.signal }), isErr('ERR_CANCELLED'));
      while (held.length < 1) await new Promise((r) => setImmediate(r));
      held.shift()!();

      // 20 calls in flight, answered in reverse order, each matched by seqid.
      const calls = Array.from({ length: 20 }, (_, i) => conn.call(RPC.controlMeta, { level: 10000 }).then((r) => [i, r.oldLevel]));
      const infos = Array.from({ length: 5 }, () => conn.call(RPC.clusterInfo, {}));
      while (held.length < 5) await new Promise((r) => setImmediate(r));
      held.reverse().forEach((release) => release());
      held.length = 0;
      assert.equal((await Promise.all(calls)).length, 20);
      for (const r of await Promise.all(infos)) assert.equal(r.err, 'ERR_OK');
      assert.equal(conn.inFlight, 0);
    } finally {
      for (const h of held) h();
      conn.close();
    }
  });
});

test('MetaClient: whole-call timeout against a silent meta, and cancellation while waiting', async () => {
  await withCluster(1, '2.5', 0, async (c) => {
    c.state.override = () => ({ kind: 'silent' });
    const client = new MetaClient({ metaServers: c.addresses, timeoutMs: 60, attemptTimeoutMs: 20, retryDelayMs: 5 });
    try {
      await assert.rejects(client.listNodes(), isErr('ERR_TIMEOUT'));
      const ac = new AbortController();
      const p = client.listApps({ signal: ac.signal, timeoutMs: 5000 });
      setTimeout(() => ac.abort(), 10);
      await assert.rejects(p, isErr('ERR_CANCELLED'));
    } finally {
      client.close();
    }
  });
});

test('v1 request header and a closed client', async () => {
  await withCluster(1, '2.6', 0, async (c) => {
    const client = new MetaClient({ metaServers: c.addresses, header: { version: 1 } });
    assert.equal((await client.listNodes()).length, 3);
    assert.equal(c.state.received[0]!.frame.header.version, 1);
    assert.ok(c.state.received[0]!.frame.header.clientTimeoutMs > 0);
    client.close();
    const t0 = Date.now();
    await assert.rejects(client.listNodes(), isErr('ERR_SESSION_RESET'));
    await assert.rejects(client.remoteCommand('x', [], { address: c.addresses[0]! }), isErr('ERR_SESSION_RESET'));
    assert.ok(Date.now() - t0 < 1000);
  });
});
