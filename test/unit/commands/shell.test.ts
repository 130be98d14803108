import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  commandHelp,
  createRegistry,
  runCommandLine,
  CommandDeclinedError,
  describeError,
  type CommandContext,
  type ConfirmRequest,
} from '../../../src/commands';
import { app, fakeClient, smallCluster, node, N1, N2, N3, N4, type FakeState } from '../../support/metaFixtures';
import { assertLines } from '../../support/lines';

import { PegasusError } from '../../../src/pegasus/errors';

const reg = createRegistry();

function ctxFor(state: FakeState = smallCluster(), confirmAnswer = true) {
  const client = fakeClient(state);
  const asked: ConfirmRequest[] = [];
  let invalidated = 0;
  const ctx: CommandContext = {
    client,
    profile: { name: 'onebox', metaServers: ['127.0.0.1:34601'], production: true },
    signal: new AbortController().signal,
    progress: () => undefined,
    confirm: async (r) => {
      asked.push(r);
      return confirmAnswer;
    },
    snapshotCache: {
      get: () => Promise.reject(new Error('unused')),
      invalidate: () => {
        invalidated++;
      },
    },
  };
  return { ctx, client, asked, invalidated: () => invalidated };
}

test('nodes -d: the shell layout, counts from partition configs, and JSON data', async () => {
  const { ctx } = ctxFor();
  const r = await runCommandLine(reg, ctx, 'nodes -d');
  assert.equal(
    r.text,
    [
      '[details]',
      'address         status   replica_count  primary_count  secondary_count',
      '10.0.0.1:34801  ALIVE    4              2              2',
      '10.0.0.2:34801  ALIVE    4              2              2',
      '10.0.0.3:34801  ALIVE    5              1              4',
      '10.0.0.4:34801  UNALIVE  0              0              0',
      '',
      '[summary]',
      'total_node_count    : 4',
      'alive_node_count    : 3',
      'unalive_node_count  : 1',
    ].join('\n'),
  );
  const data = r.data as { details: { address: string; replicaCount: number }[]; summary: { aliveNodeCount: number } };
  assert.equal(data.details[2]!.replicaCount, 5);
  assert.equal(data.summary.aliveNodeCount, 3);
  // Scripts read `$2` status, `$3` replica_count, `$4` primary_count.
  const fields = r.text.split('\n')[4]!.split(/\s+/);
  assert.deepEqual(fields.slice(1, 4), ['ALIVE', '5', '1']);
  const alive = await runCommandLine(reg, ctx, 'nodes -s unalive');
  assert.deepEqual(alive.tables.find((t) => t.title === 'details')!.rows, [['10.0.0.4:34801', 'UNALIVE']]);
  // master src/shell/commands/node_management.cpp ls_nodes: [parameters] names the -s status, and the
  // [summary] counts the nodes the meta returned for that status.
  assert.equal(
    alive.text,
    [
      '[parameters]',
      'status  : unalive',
      '',
      '[details]',
      'address         status',
      '10.0.0.4:34801  UNALIVE',
      '',
      '[summary]',
      'total_node_count    : 1',
      'alive_node_count    : 0',
      'unalive_node_count  : 1',
    ].join('\n'),
  );
});

test('nodes -r and app -r on 2.5: ip:port becomes the host name (v2.5.0 src/client/replication_ddl_client.cpp host_name_resolve)', async () => {
  const { ctx: base } = ctxFor();
  const names: Record<string, string> = { [N1]: 'node1:34801', [N2]: 'node2:34801' };
  const ctx: CommandContext = { ...base, services: { hostNameOf: async (a) => names[a] } };
  const r = await runCommandLine(reg, ctx, 'nodes -r');
  assert.deepEqual(
    r.tables[0]!.rows.map((x) => x[0]),
    ['node1:34801', 'node2:34801', N3, N4],
  );
  const app = await runCommandLine(reg, ctx, 'app temp -d -r');
  // Both [replicas] and [nodes] are resolved on 2.5.
  assertLines(app.text, ['0     3       3/3            node1:34801     [node2:34801,10.0.0.3:34801]']);
  // The rows keep the order of the addresses, as the shell's map does.
  assertLines(app.text, [
    'node1:34801     1        1          2',
    'node2:34801     1        1          2',
    '10.0.0.3:34801  1        2          3',
  ]);
});

test('nodes on 2.6/master prints host:port, -r prints ip:port', async () => {
  const s = smallCluster();
  s.nodes = [node(N1, true, 'node1:34801'), node(N2, true, 'node2:34801'), node(N3, true, 'node3:34801')];
  const { ctx } = ctxFor(s);
  const r = await runCommandLine(reg, ctx, 'nodes -d');
  assert.deepEqual(
    r.tables[0]!.rows.map((x) => x[0]),
    ['node1:34801', 'node2:34801', 'node3:34801'],
  );
  const ip = await runCommandLine(reg, ctx, 'nodes -r');
  assert.deepEqual(
    ip.tables[0]!.rows.map((x) => x[0]),
    [N1, N2, N3],
  );
  // master src/common/replication_common.cpp add_app_info: -r resolves the [nodes] rows only; [replicas] keeps host:port.
  const app = await runCommandLine(reg, ctx, 'app temp -d -r');
  assert.deepEqual(app.tables.find((t) => t.title === 'replicas')!.rows[0], [0, 3, '3/3', 'node1:34801', '[node2:34801,node3:34801]']);
  assert.deepEqual(
    app.tables.find((t) => t.title === 'nodes')!.rows.map((x) => x[0]),
    [N1, N2, N3, ''],
  );
});

test('ls -d: general info, healthy_info with the four counters, summary', async () => {
  const { ctx, client } = ctxFor();
  const r = await runCommandLine(reg, ctx, 'ls -d');
  const healthy = r.tables.find((t) => t.title === 'healthy_info')!;
  assert.deepEqual(healthy.columns, [
    'app_id',
    'app_name',
    'partition_count',
    'fully_healthy',
    'unhealthy',
    'write_unhealthy',
    'read_unhealthy',
  ]);
  assert.deepEqual(healthy.rows, [
    [1, 't1', 2, 2, 0, 0, 0],
    [2, 'temp', 4, 1, 3, 2, 1],
  ]);
  assertLines(r.text, [
    '[healthy_info]',
    'app_id  app_name  partition_count  fully_healthy  unhealthy  write_unhealthy  read_unhealthy',
    '1       t1        2                2              0          0                0',
    '2       temp      4                1              3          2                1',
  ]);
  // The summary closes the output.
  assert.deepEqual(r.text.split('\n').slice(-6), [
    '[summary]',
    'total_app_count            : 2',
    'fully_healthy_app_count    : 1',
    'unhealthy_app_count        : 1',
    'write_unhealthy_app_count  : 1',
    'read_unhealthy_app_count   : 1',
  ]);
  // dropped tables only with -a; plain ls does not query partitions
  const before = client.calls.queries.length;
  const plain = await runCommandLine(reg, ctx, 'ls');
  assert.equal(client.calls.queries.length, before);
  assert.deepEqual(
    plain.tables[0]!.rows.map((x) => x[2]),
    ['t1', 'temp'],
  );
  const all = await runCommandLine(reg, ctx, 'ls -a');
  assert.deepEqual(
    all.tables[0]!.rows.map((x) => [x[2], x[1]]),
    [
      ['t1', 'AVAILABLE'],
      ['temp', 'AVAILABLE'],
      ['gone', 'DROPPED'],
    ],
  );
  // v2.5.0 src/client/replication_ddl_client.cpp list_apps: drop_time / drop_expire only for a dropped table with an expiry.
  assert.match(String(all.tables[0]!.rows[2]![8]), /^\d{4}-\d\d-\d\d_\d\d:\d\d:\d\d$/); // drop_time
  assert.match(String(all.tables[0]!.rows[2]![9]), /^\d{4}-\d\d-\d\d_\d\d:\d\d:\d\d$/); // drop_expire
  // total_app_count counts the AVAILABLE tables only, even with -a.
  assert.deepEqual(all.tables.at(-1)!.rows, [['total_app_count', 2]]);
  // 2.5 keeps only AVAILABLE tables unless -a, whatever -s asked for.
  assert.equal((await runCommandLine(reg, ctx, 'ls -s dropped')).tables[0]!.rows.length, 0);
  const dropped = await runCommandLine(reg, ctx, 'ls -a -s dropped');
  assert.equal(dropped.tables[0]!.rows.length, 1);
});

test('ls on master: -s alone selects, atomic_idempotent always printed, no drop times without an expiry (master src/client/replication_ddl_client.cpp list_apps)', async () => {
  const s = smallCluster();
  s.nodes = [node(N1, true, 'node1:34801'), node(N2, true, 'node2:34801'), node(N3, true, 'node3:34801')];
  s.apps = [...s.apps, app(4, 'old', 2, { status: 6, dropSecond: 1_700_000_000 })];
  const { ctx } = ctxFor(s);
  const plain = await runCommandLine(reg, ctx, 'ls');
  assert.equal(plain.tables[0]!.columns.at(-1), 'atomic_idempotent');
  assert.deepEqual(
    plain.tables[0]!.rows.map((x) => [x[2], x.at(-1)]),
    [
      ['t1', false],
      ['temp', false],
    ],
  );
  // -s is sent to the meta as it is: dropped tables without -a.
  const dropped = await runCommandLine(reg, ctx, 'ls -s dropped');
  assert.deepEqual(
    dropped.tables[0]!.rows.map((x) => [x[2], x[8], x[9]]),
    [
      ['gone', dropped.tables[0]!.rows[0]![8], dropped.tables[0]!.rows[0]![9]],
      ['old', '-', '-'],
    ],
  );
  assert.notEqual(dropped.tables[0]!.rows[0]![8], '-');
  assert.deepEqual(dropped.tables.at(-1)!.rows, [['total_app_count', 0]]);
});

test('app <table> -d: partitions, per-node spread with a total row, health counters', async () => {
  const { ctx } = ctxFor();
  const r = await runCommandLine(reg, ctx, 'app temp -d');
  // v2.5.0 src/client/replication_ddl_client.cpp list_app: [parameters], [general], [replicas], [nodes] whose
  // total row has an empty name, [healthy].
  assert.equal(
    r.text,
    [
      '[parameters]',
      'app_name  : temp',
      'detailed  : true',
      '',
      '[general]',
      'app_name           : temp',
      'app_id             : 2',
      'partition_count    : 4',
      'max_replica_count  : 3',
      '',
      '[replicas]',
      'pidx  ballot  replica_count  primary         secondaries',
      '0     3       3/3            10.0.0.1:34801  [10.0.0.2:34801,10.0.0.3:34801]',
      '1     3       2/3            10.0.0.2:34801  [10.0.0.3:34801]',
      '2     3       1/3            -               [10.0.0.1:34801]',
      '3     3       1/3            10.0.0.3:34801  []',
      '',
      '[nodes]',
      'node            primary  secondary  total',
      '10.0.0.1:34801  1        1          2',
      '10.0.0.2:34801  1        1          2',
      '10.0.0.3:34801  1        2          3',
      '                3        4          7',
      '',
      '[healthy]',
      'fully_healthy_partition_count    : 1',
      'unhealthy_partition_count        : 3',
      'write_unhealthy_partition_count  : 2',
      'read_unhealthy_partition_count   : 1',
    ].join('\n'),
  );
  const short = await runCommandLine(reg, ctx, 'app temp');
  assert.deepEqual(
    short.tables.map((t) => t.title),
    ['parameters', 'general'],
  );
  assertLines(short.text, ['detailed  : false']);
  await assert.rejects(runCommandLine(reg, ctx, 'app nope'), (e: Error & { code?: string }) => e.code === 'ERR_OBJECT_NOT_FOUND');
});

test('cluster_info and get_meta_level: effective vs stored, with a warning when they differ', async () => {
  const s = smallCluster();
  const { ctx } = ctxFor(s);
  const ci = await runCommandLine(reg, ctx, 'cluster_info');
  assert.deepEqual(ci.text.split('\n').slice(0, 2), ['[cluster_info]', 'meta_servers                  : 127.0.0.1:34601,127.0.0.1:34602']);
  assert.equal((ci.data as { effectiveLevel: string }).effectiveLevel, 'steady');
  let r = await runCommandLine(reg, ctx, 'get_meta_level');
  assert.equal(r.text, 'current meta level is fl_steady');
  s.storedLevel = 500;
  s.clusterInfo.values[s.clusterInfo.keys.indexOf('meta_function_level')] = 'freezed';
  r = await runCommandLine(reg, ctx, 'get_meta_level');
  assert.equal(r.text.split('\n')[0], 'current meta level is fl_lively');
  assert.match(r.text, /warning: the effective level is freezed \(cluster_info\); the meta is frozen/);
});

test('set_meta_level asks first (naming cluster and change), then prints the old level', async () => {
  const { ctx, client, asked, invalidated } = ctxFor();
  const r = await runCommandLine(reg, ctx, 'set_meta_level lively');
  assert.equal(r.text, 'control meta level ok, the old level is fl_steady');
  assert.deepEqual(client.calls.levels, [500]);
  assert.equal(asked.length, 1);
  assert.deepEqual(asked[0], {
    cluster: 'onebox',
    command: 'set_meta_level lively',
    change: 'set the meta function level to lively',
    production: true,
  });
  assert.equal(r.changed, true);
  assert.equal(invalidated(), 1);
  await runCommandLine(reg, ctx, 'set_meta_level STEADY');
  assert.match(asked[1]!.change, /pending balancer proposals are cleared/);
  assert.deepEqual(client.calls.levels, [500, 400]);
});

test('a declined confirmation changes nothing', async () => {
  const { ctx, client } = ctxFor(smallCluster(), false);
  await assert.rejects(runCommandLine(reg, ctx, 'set_meta_level lively'), CommandDeclinedError);
  assert.deepEqual(client.calls.levels, []);
  await assert.rejects(runCommandLine(reg, ctx, 'balance -g 2.0 -p move_pri -f 10.0.0.1:34801 -t 10.0.0.2:34801'), CommandDeclinedError);
  assert.equal(client.calls.proposals.length, 0);
  // read-only commands never ask
  await runCommandLine(reg, ctx, 'remote_command meta.lb.assign_delay_ms');
});

test('remote_command: every server by default, -l list, failures per server, the real layout then our summary', async () => {
  const { ctx, client, asked } = ctxFor();
  let r = await runCommandLine(reg, ctx, 'remote_command meta.lb.assign_delay_ms');
  // v2.5.0 src/shell/command_helper.h fill_nodes: no -t/-l means every meta and every ALIVE replica server;
  // v2.5.0 src/shell/commands/node_management.cpp remote_command prints "succeed" for every answer that came.
  assert.equal(
    r.text,
    [
      'COMMAND: meta.lb.assign_delay_ms',
      '',
      'CALL [meta-server] [127.0.0.1:34601] succeed: 300000',
      'CALL [meta-server] [127.0.0.1:34602] succeed: 300000',
      "CALL [replica-server] [10.0.0.1:34801] succeed: unknown command 'meta.lb.assign_delay_ms'",
      "CALL [replica-server] [10.0.0.2:34801] succeed: unknown command 'meta.lb.assign_delay_ms'",
      "CALL [replica-server] [10.0.0.3:34801] succeed: unknown command 'meta.lb.assign_delay_ms'",
      '',
      'Succeed count: 5',
      'Failed count: 0',
      '',
      '[summary]',
      'meta-server 127.0.0.1:34601: ok',
      'meta-server 127.0.0.1:34602: ok',
      'replica-server 10.0.0.1:34801: skipped (replica server: this setting lives on the meta leader)',
      'replica-server 10.0.0.2:34801: skipped (replica server: this setting lives on the meta leader)',
      'replica-server 10.0.0.3:34801: skipped (replica server: this setting lives on the meta leader)',
      'ok: 2, skipped: 3, failed: 0',
    ].join('\n'),
  );
  assert.equal(r.ok, true);
  assert.equal(asked.length, 0);
  r = await runCommandLine(reg, ctx, 'remote_command meta.lb.assign_delay_ms 10');
  assert.equal(asked.length, 1);
  assert.equal(r.changed, true);
  r = await runCommandLine(reg, ctx, 'remote_command -l 10.0.0.1:34801,down:1 server-info');
  assert.equal(r.ok, false);
  assert.deepEqual(
    client.calls.remote.slice(-2).map((c) => c.address),
    ['10.0.0.1:34801', 'down:1'],
  );
  // -l servers are "user-specified"; only a server that did not answer is "failed".
  assertLines(r.text, [
    'CALL [user-specified] [10.0.0.1:34801] succeed: Pegasus Server 2.5.0 (fixture) Release, Started at 2026-01-01 00:00:00',
    'CALL [user-specified] [down:1] failed: ERR_NETWORK_FAILURE',
    '',
    'Succeed count: 1',
    'Failed count: 1',
  ]);
  assertLines(r.text, ['replica-server down:1: no reply', 'ok: 1, skipped: 0, failed: 1']);
  r = await runCommandLine(reg, ctx, 'remote_command -t meta-server meta.lb.only_move_primary');
  assert.deepEqual(
    client.calls.remote.slice(-2).map((c) => c.address),
    ['127.0.0.1:34601', '127.0.0.1:34602'],
  );
  assert.equal(r.ok, false); // unknown command on both
  // The leader's own "unknown command" is the failure; the follower is only skipped.
  assertLines(r.text, [
    'meta-server 127.0.0.1:34601: error',
    'meta-server 127.0.0.1:34602: skipped (follower: this setting lives on the leader)',
  ]);
  r = await runCommandLine(reg, ctx, 'remote_command -t replica-server server-info');
  assert.deepEqual(
    client.calls.remote.slice(-3).map((c) => c.address),
    [N1, N2, N3],
  ); // alive only
});

test('remote_command on master prints the JSON object, keys sorted, command with its trailing space (master src/shell/commands/node_management.cpp)', async () => {
  const s = smallCluster();
  s.nodes = [node(N1, true, 'node1:34801'), node(N2, false, 'node2:34801')];
  s.remote['meta.live_percentage'] = '{\n  "error": "ok",\n  "meta.live_percentage": "65"\n}';
  const { ctx } = ctxFor(s);
  const r = await runCommandLine(reg, ctx, 'remote_command meta.live_percentage');
  const [real, summary] = r.text.split('\n\n[summary]\n');
  assert.equal(
    real,
    JSON.stringify(
      {
        command: 'meta.live_percentage ',
        details: {
          '127.0.0.1:34601': { acked: true, message: { error: 'ok', 'meta.live_percentage': '65' }, role: 'meta-server' },
          '127.0.0.1:34602': { acked: true, message: { error: 'ok', 'meta.live_percentage': '65' }, role: 'meta-server' },
          'node1:34801': { acked: true, message: "unknown command 'meta.live_percentage'", role: 'replica-server' },
        },
        failed_count: 0,
        succeed_count: 3,
      },
      null,
      2,
    ),
  );
  // A meta.* command is not a replica server's: its "unknown command" is a skip when the metas were asked.
  assert.match(summary!, /node1:34801: skipped \(replica server: a meta server command\)\nok: 2, skipped: 1, failed: 0$/);
  assert.equal(r.ok, true);
});

test("remote_command -t meta-server meta.lb.*: a follower's unknown command is skipped, not failed, when the leader succeeded", async () => {
  const st = smallCluster();
  st.remote['meta.dump /tmp/x'] = 'ERR_OK';
  const { ctx, client } = ctxFor(st);
  const leaderOnly = client.remoteCommand.bind(client);
  // Only the leader registers the load balancer's commands (and meta.dump).
  (client as { remoteCommand: typeof client.remoteCommand }).remoteCommand = (cmd, args, o) =>
    o?.address === '127.0.0.1:34602' && (cmd.startsWith('meta.lb.') || cmd === 'meta.dump')
      ? leaderOnly(`unknown ${cmd}`, [], o)
      : leaderOnly(cmd, args, o);
  let r = await runCommandLine(reg, ctx, 'remote_command -t meta-server meta.lb.assign_delay_ms 10');
  assert.equal(r.ok, true);
  assert.equal(
    r.text,
    [
      'COMMAND: meta.lb.assign_delay_ms 10',
      '',
      'CALL [meta-server] [127.0.0.1:34601] succeed: OK',
      "CALL [meta-server] [127.0.0.1:34602] succeed: unknown command 'unknown meta.lb.assign_delay_ms'",
      '',
      'Succeed count: 2',
      'Failed count: 0',
      '',
      '[summary]',
      'meta-server 127.0.0.1:34601: ok',
      'meta-server 127.0.0.1:34602: skipped (follower: this setting lives on the leader)',
      'ok: 1, skipped: 1, failed: 0',
    ].join('\n'),
  );
  const data = r.data as { calls: { status: string }[]; succeedCount: number; skippedCount: number; failedCount: number };
  assert.deepEqual(
    data.calls.map((c) => c.status),
    ['succeed', 'skipped'],
  );
  assert.deepEqual([data.succeedCount, data.skippedCount, data.failedCount], [1, 1, 0]);
  // meta.dump is leader-only too (master src/meta/server_state.cpp registers it once the leader lock is held).
  r = await runCommandLine(reg, ctx, 'remote_command -t meta-server meta.dump /tmp/x');
  assert.equal(r.ok, true);
  assert.deepEqual(
    (r.data as { calls: { status: string }[] }).calls.map((c) => c.status),
    ['succeed', 'skipped'],
  );
  // Not a leader-only command: the same answer stays a failure.
  r = await runCommandLine(reg, ctx, 'remote_command -t meta-server server-info');
  assert.equal(r.ok, false);
  assertLines(r.text, ['meta-server 127.0.0.1:34602: error']);
  // Only a follower asked: nothing reached the leader, so it stays a failure.
  r = await runCommandLine(reg, ctx, 'remote_command -l 127.0.0.1:34602 meta.lb.assign_delay_ms');
  assert.equal(r.ok, false);
  assert.match(r.text, /failed: 1$/);
});

test('balance: the proposal actions of move_pri, copy_pri and copy_sec', async () => {
  const { ctx, client } = ctxFor();
  let r = await runCommandLine(reg, ctx, `balance -g 2.1 -p move_pri -f ${N2} -t ${N3}`);
  assert.equal(r.text, 'send balance proposal result: ERR_OK');
  assert.deepEqual(client.calls.proposals[0], {
    gpid: { appId: 2, partitionIndex: 1 },
    actionList: [
      { target: N2, node: N2, type: 5 }, // DOWNGRADE_TO_SECONDARY
      { target: N3, node: N3, type: 2 }, // UPGRADE_TO_PRIMARY
    ],
    force: false,
    balanceType: 0,
  });
  // 2.1: primary N2, secondary N3; N1 holds no replica of it.
  await runCommandLine(reg, ctx, `balance -g 2.1 -p copy_pri -f ${N2} -t ${N1}`);
  assert.deepEqual(
    client.calls.proposals[1]!.actionList.map((a) => [a.target, a.node, a.type]),
    [
      [N2, N1, 8],
      [N2, N2, 5],
      [N1, N1, 2],
    ],
  );
  assert.equal(client.calls.proposals[1]!.balanceType, 1);
  await runCommandLine(reg, ctx, `balance -g 2.1 -p copy_sec -f ${N3} -t ${N1}`);
  assert.deepEqual(
    client.calls.proposals[2]!.actionList.map((a) => [a.target, a.node, a.type]),
    [
      ['', N1, 8],
      ['', N3, 6],
    ],
  );
  r = await runCommandLine(reg, ctx, `propose -f -g 2.1 -p upgrade_to_primary -t ${N3} -n ${N3}`);
  assert.equal(r.text, 'send proposal response: ERR_OK');
  assert.deepEqual(client.calls.proposals[3], {
    gpid: { appId: 2, partitionIndex: 1 },
    actionList: [{ target: N3, node: N3, type: 2 }],
    force: true,
  });
  await assert.rejects(
    runCommandLine(reg, ctx, `balance -g 2.1 -p move_pri -f nowhere:1 -t ${N3}`),
    (e: Error) => describeError(e).name === 'ERR_INVALID_PARAMETERS' && /-f 'nowhere:1'/.test(e.message),
  );
});

test('balance/propose/app: a wrong partition, member or table is named with the fix before anything is sent', async () => {
  const { ctx, client } = ctxFor();
  const rejects = async (line: string, re: RegExp, fix?: RegExp) =>
    assert.rejects(runCommandLine(reg, ctx, line), (e: Error) => {
      const d = describeError(e);
      assert.match(d.message, re, line);
      if (fix) assert.match(d.fix, fix, line);
      return true;
    });
  // 2.0: primary N1, secondaries N2, N3.
  await rejects(
    `balance -g 2.0 -p move_pri -f ${N2} -t ${N3}`,
    /-f 10\.0\.0\.2:34801: 2\.0's primary is 10\.0\.0\.1:34801, not 10\.0\.0\.2:34801/,
    /use -f 10\.0\.0\.1:34801/,
  );
  await rejects(`balance -g 2.9 -p move_pri -f ${N1} -t ${N2}`, /-g 2\.9: temp has 4 partitions \(2\.0\.\.2\.3\)/, /0 to 3/);
  await rejects(
    `balance -g 9.0 -p move_pri -f ${N1} -t ${N2}`,
    /-g 9\.0: no table has app_id 9; tables: temp \(app_id 2\), t1 \(app_id 1\)/,
  );
  await rejects(
    `balance -g 2.1 -p move_pri -f ${N2} -t ${N1}`,
    /-t 10\.0\.0\.1:34801: not a secondary of 2\.1 \(secondaries: 10\.0\.0\.3:34801\)/,
    /copy_pri/,
  );
  await rejects(
    `balance -g 2.0 -p copy_sec -f ${N1} -t ${N4}`,
    /-f 10\.0\.0\.1:34801: not a secondary of 2\.0/,
    /for the primary use copy_pri/,
  );
  await rejects(`balance -g 2.0 -p copy_pri -f ${N1} -t ${N2}`, /already holds a replica of 2\.0/);
  await rejects(`propose -g 2.7 -p ASSIGN_PRIMARY -t ${N1} -n ${N1}`, /temp has 4 partitions/);
  assert.equal(client.calls.proposals.length, 0, 'nothing was sent');
  await rejects('app nosuch -d', /no table 'nosuch'; tables: temp, t1/, /ls/);
  await rejects('app tmep', /no table 'tmep' \(did you mean 'temp'\?\)/);
  // The members check out but the meta still refuses: most likely a proposal already pending.
  (client as { proposeBalancer: typeof client.proposeBalancer }).proposeBalancer = () =>
    Promise.reject(new PegasusError('ERR_INVALID_PARAMETERS', 'propose', { kind: 'app' }));
  await rejects(
    `balance -g 2.0 -p move_pri -f ${N1} -t ${N2}`,
    /the meta rejected move_pri of 2\.0 .*although 2\.0's primary is 10\.0\.0\.1:34801/,
    /proposal for 2\.0 is probably still pending/,
  );
});

test('--json shapes: cluster_info is structured (camelCase, numbers, arrays); levels named as set_meta_level takes them; -j works', async () => {
  const { ctx } = ctxFor();
  const ci = await runCommandLine(reg, ctx, 'cluster_info');
  assert.deepEqual(ci.data, {
    clusterName: 'onebox',
    leader: '127.0.0.1:34601',
    metaServers: ['127.0.0.1:34601', '127.0.0.1:34602'],
    effectiveLevel: 'steady',
    zookeeperHosts: ['127.0.0.1:2181'],
    zookeeperRoot: '/pegasus/onebox',
    balanceOperationCount: { movePri: 0, copyPri: 0, copySec: 0, total: 0 },
    primaryReplicaCountStddev: 0.47,
    totalReplicaCountStddev: 0.94,
  });
  assert.deepEqual((await runCommandLine(reg, ctx, 'get_meta_level')).data, { storedLevel: 'steady', effectiveLevel: 'steady' });
  const j = await runCommandLine(reg, ctx, 'ls -d -j');
  assert.deepEqual(JSON.parse(j.text), j.data);
  assert.equal((j.data as { summary: { totalAppCount: number } }).summary.totalAppCount, 2);
  assert.deepEqual(JSON.parse((await runCommandLine(reg, ctx, 'nodes --json')).text), (await runCommandLine(reg, ctx, 'nodes')).data);
  assert.match((await runCommandLine(reg, ctx, 'help ls')).text, /-j\|--json +print the result as JSON/);
});

test('help: a default is shown once (durations as typed); engine steps say what they need, change and journal', () => {
  const wait = commandHelp(reg.list().find((c) => c.name === 'wait-healthy')!);
  assert.match(wait, /give up after this long \(30m by default\)\n/);
  assert.doesNotMatch(wait, /\(default 1800000\)/);
  const step = {
    ...reg.list().find((c) => c.name === 'scale-in')!,
    step: { nodeControl: true, settings: ['meta level steady', 'meta.lb.assign_secondary_black_list = the leaving nodes'] },
  };
  const h = commandHelp(step);
  assert.match(h, /Node control: stops or starts replica servers through the cluster's nodeControl/);
  assert.match(
    h.replace(/\n/g, ' '),
    /Settings it changes while it runs: meta level steady; meta\.lb\.assign_secondary_black_list = the leaving nodes\./,
  );
  assert.match(h, /Journal: every setting change .*\n?.*--resume/s);
  assert.doesNotMatch(commandHelp(reg.list().find((c) => c.name === 'nodes')!), /Journal:/);
  const dur = {
    name: 'x',
    category: 'shell' as const,
    summary: 's',
    flags: [{ name: 'wait', type: 'duration' as const, default: 90_000, description: 'how long' }],
    positionals: [],
    mutating: false,
    execute: () => Promise.reject(new Error('unused')),
  };
  assert.match(commandHelp(dur), /how long \(default 90s\)/);
});

test('balance on 2.6/master accepts host names and sends hp_* fields too', async () => {
  const s = smallCluster();
  s.nodes = [node(N1, true, 'node1:34801'), node(N2, true, 'node2:34801')];
  const { ctx, client } = ctxFor(s);
  await runCommandLine(reg, ctx, 'balance -g 2.0 -p move_pri -f node1:34801 -t node2:34801');
  assert.deepEqual(client.calls.proposals[0]!.actionList[0], {
    target: N1,
    node: N1,
    type: 5,
    hpTarget: 'node1:34801',
    hpNode: 'node1:34801',
  });
});

test('help: index and per-command help', async () => {
  const { ctx } = ctxFor();
  const idx = await runCommandLine(reg, ctx, 'help');
  const [heading, firstCommand] = idx.text.split('\n');
  assert.equal(heading, 'Pegasus shell commands:');
  assert.ok(firstCommand!.startsWith('  nodes '), firstCommand);
  assert.match(idx.text, /set_meta_level .*\(asks first\)/);
  const one = await runCommandLine(reg, ctx, 'help app');
  assert.match(one.text, /^usage: app <table> \[-d\] \[-r\] \[-j\]\n/);
  assert.match(one.text, /-d\|--detailed/);
  await assert.rejects(runCommandLine(reg, ctx, 'help nodez'), /did you mean 'nodes'/);
});

test('warnings: setting lively while auto-frozen, proposals that cannot run yet or may be undone', async () => {
  const s = smallCluster();
  const lvl = s.clusterInfo.keys.indexOf('meta_function_level');
  s.clusterInfo.values[lvl] = 'freezed';
  const { ctx } = ctxFor(s);
  const set = await runCommandLine(reg, ctx, 'set_meta_level lively');
  assert.match(set.text, /^control meta level ok, the old level is fl_steady\nwarning: the meta is frozen/);
  const b = await runCommandLine(reg, ctx, `balance -g 2.1 -p move_pri -f ${N2} -t ${N3}`);
  assert.match(b.text, /^send balance proposal result: ERR_OK\nwarning: the effective meta level is freezed; the proposal waits/);
  s.clusterInfo.values[lvl] = 'lively';
  const l = await runCommandLine(reg, ctx, `balance -g 2.1 -p move_pri -f ${N2} -t ${N3}`);
  assert.match(l.text, /note: the meta is lively; its own balancer may move this partition again/);
  const f = await runCommandLine(reg, ctx, `propose -f -g 2.1 -p upgrade_to_primary -t ${N3} -n ${N3}`);
  assert.equal(f.text, 'send proposal response: ERR_OK');
  s.clusterInfo.values[lvl] = 'steady';
  assert.equal((await runCommandLine(reg, ctx, 'set_meta_level steady')).text, 'control meta level ok, the old level is fl_lively');
});
