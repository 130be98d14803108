import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimModel } from '../../../src/simulator/model/model';
import { nlohmannDump, runRemoteCommand } from '../../../src/simulator/model/commands';
import { handleHttp, queryConfig, clusterInfo, listNodes } from '../../../src/simulator/model/views';

function pair(): { v25: SimModel; v26: SimModel } {
  const o = { nodes: 4, tables: [{ name: 'temp', partitions: 4, replicas: 3 }] };
  return { v25: new SimModel({ ...o, version: '2.5' }), v26: new SimModel({ ...o, version: '2.6' }) };
}

const j = (o: Record<string, unknown>): string => nlohmannDump(o);

test('nlohmann dump(2): sorted keys, 2-space indent, no trailing newline', () => {
  assert.equal(j({ 'meta.live_percentage': '65', error: 'ok' }), '{\n  "error": "ok",\n  "meta.live_percentage": "65"\n}');
});

test('int commands: query, set, DEFAULT, invalid values, extra arguments (2.5 text vs 2.6 JSON)', () => {
  const { v25, v26 } = pair();
  const r25 = (c: string, ...a: string[]): string => runRemoteCommand(v25, 0, c, a);
  const r26 = (c: string, ...a: string[]): string => runRemoteCommand(v26, 0, c, a);
  assert.equal(r25('meta.lb.assign_delay_ms'), '300000');
  assert.equal(r26('meta.lb.assign_delay_ms'), j({ error: 'ok', 'meta.lb.assign_delay_ms': '600000' }));
  assert.equal(r25('meta.lb.assign_delay_ms', '0'), 'ERR: invalid arguments', '2.5 requires > 0');
  assert.equal(r26('meta.lb.assign_delay_ms', '0'), j({ error: 'ok' }), 'master accepts 0');
  assert.equal(r26('meta.lb.assign_delay_ms', '-1'), j({ error: "ERR: invalid argument '-1', the value is not acceptable" }));
  assert.equal(r25('meta.lb.assign_delay_ms', '10', 'x'), 'OK', '2.5 uses the first argument');
  assert.equal(v25.leader!.assignDelayMs, 10);
  assert.equal(r26('meta.lb.assign_delay_ms', '10', 'x'), j({ error: "ERR: invalid arguments '10 x', only one argument is acceptable" }));
  assert.equal(r25('meta.lb.assign_delay_ms', 'DEFAULT'), 'OK');
  assert.equal(
    r26('meta.lb.assign_delay_ms', 'DEFAULT'),
    '{\n  "error": "ok",\n  "meta.lb.assign_delay_ms": 600000\n}',
    'a JSON number after DEFAULT',
  );
  assert.equal(r25('meta.live_percentage', '200'), 'OK', '2.5 accepts any value ≥ 0');
  assert.equal(v25.effectiveLevel(), 300, 'and then freezes for good');
  assert.equal(r26('meta.live_percentage', '101'), j({ error: "ERR: invalid argument '101', the value is not acceptable" }));
  assert.equal(r25('meta.live_percentage', '-3'), 'ERR: invalid arguments');
  assert.equal(r25('meta.lb.add_secondary_max_count_for_one_node'), '10');
  assert.equal(r26('meta.lb.add_secondary_max_count_for_one_node', '0'), j({ error: 'ok' }));
});

test('bool commands, black list, ignored apps, balance count, meta.dump, unknown', () => {
  const { v25, v26 } = pair();
  const r25 = (c: string, ...a: string[]): string => runRemoteCommand(v25, 0, c, a);
  const r26 = (c: string, ...a: string[]): string => runRemoteCommand(v26, 0, c, a);
  assert.equal(r25('meta.lb.only_move_primary'), 'false');
  assert.equal(r25('meta.lb.only_move_primary', 'TRUE'), 'ERR: invalid arguments', '2.5 wants exactly true/false');
  assert.equal(r26('meta.lb.only_move_primary', 'TRUE'), j({ error: 'ok' }), 'master is case-insensitive');
  assert.equal(r26('meta.lb.only_move_primary'), j({ error: 'ok', 'meta.lb.only_move_primary': 'true' }));
  assert.equal(r26('meta.lb.balancer_in_turn', 'a', 'b'), j({ error: 'ERR: invalid arguments, only one boolean argument is acceptable' }));
  assert.equal(r25('meta.lb.assign_secondary_black_list'), 'get ok: ');
  assert.equal(r25('meta.lb.assign_secondary_black_list', 'node1:34801'), 'invalid arguments', '2.5 takes IPv4 only');
  assert.equal(r26('meta.lb.assign_secondary_black_list', 'bad'), j({ error: "invalid argument, bad host:port 'bad'" }));
  assert.equal(r26('meta.lb.assign_secondary_black_list', 'a', 'b'), j({ error: 'invalid argument, 0 or 1 argument is acceptable' }));
  assert.equal(r25('meta.lb.assign_secondary_black_list', 'clear'), 'clear ok');
  assert.equal(r25('meta.lb.ignored_app_list', 'get'), 'no ignored apps');
  assert.equal(r26('meta.lb.ignored_app_list', 'get'), j({ ignored_app_id_list: '' }));
  assert.equal(r25('meta.lb.ignored_app_list', 'set', '1,2'), 'set ok');
  assert.equal(r25('meta.lb.ignored_app_list', 'get'), 'ignored_app_id_list: 1,2\0');
  assert.equal(r26('meta.lb.ignored_app_list', 'set', 'x'), j({ error: 'invalid argument' }));
  assert.equal(r26('meta.lb.ignored_app_list'), j({ error: 'invalid arguments' }));
  assert.equal(r25('meta.lb.get_balance_operation_count'), 'total=0');
  assert.equal(r25('meta.lb.get_balance_operation_count', 'copy_sec'), 'copy_sec=0');
  assert.equal(r26('meta.lb.get_balance_operation_count', 'total'), j({ total: 0 }));
  assert.equal(r25('meta.lb.get_balance_operation_count', 'x'), 'ERR: invalid arguments');
  assert.equal(r26('meta.lb.get_balance_operation_count', 'x'), j({ error: 'invalid arguments' }));
  assert.equal(r25('meta.dump', '-t', '/tmp/x'), 'ERR_OK');
  assert.equal(r26('meta.dump', '/tmp/x'), 'ERR_OK');
  assert.equal(r26('no.such'), "unknown command 'no.such'");
  assert.match(r25('server-info'), /^Pegasus Server 2\.5\.0 \([0-9a-f]{40}\) Release, Started at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  assert.deepEqual(Object.keys(JSON.parse(r26('server-info')) as object), ['build_type', 'git_SHA', 'start_time', 'version']);
  assert.equal(
    r25('help')
      .split('\n')
      .filter((l) => l.endsWith('Display help information')).length,
    4,
    '2.5 prints help once per alias',
  );
  assert.ok(r26('help').includes('H|Help|h|help - Display help information'));
  // followers: leader-only commands are unknown, meta.live_percentage is known
  assert.equal(runRemoteCommand(v26, 1, 'meta.lb.only_move_primary', []), "unknown command 'meta.lb.only_move_primary'");
  assert.equal(runRemoteCommand(v26, 1, 'meta.live_percentage', []), j({ error: 'ok', 'meta.live_percentage': '65' }));
});

test('follower RPC answers: FORWARD with defaults, the leader hint only in query-config', () => {
  const { v25 } = pair();
  v25.setMetaAddresses(['127.0.0.1:1', '127.0.0.1:2', '127.0.0.1:3']);
  assert.deepEqual(listNodes(v25, 1, 0), { err: 'ERR_FORWARD_TO_OTHERS', infos: [] });
  assert.deepEqual(clusterInfo(v25, 2), { err: 'ERR_FORWARD_TO_OTHERS', keys: [], values: [] });
  const q = queryConfig(v25, 1, { appName: 'temp', partitionIndices: [] });
  assert.equal(q.err, 'ERR_FORWARD_TO_OTHERS');
  assert.equal(q.partitions.length, 1);
  assert.equal(q.partitions[0]!.primary, '127.0.0.1:1');
  assert.equal(q.partitions[0]!.hpPrimary, undefined, 'no hp_* on 2.5');
  v25.killLeader();
  assert.equal(queryConfig(v25, 1, { appName: 'temp', partitionIndices: [] }).partitions.length, 0, 'no leader known: no hint');
  const redirect = handleHttp(v25, 1, 'GET', '/meta/app?name=temp&detail');
  assert.equal(redirect.status, 307);
  assert.equal(redirect.location, 'http://invalid address/meta/app?name=temp&detail=');
  v25.advance(3.5); // elected after 3 s, loads state for 1 s
  assert.equal(
    queryConfig(v25, 1, { appName: 'temp', partitionIndices: [] }).err,
    'ERR_SERVICE_NOT_ACTIVE',
    'the new leader is still starting',
  );
  v25.advance(1);
  const ok = queryConfig(v25, 1, { appName: 'temp', partitionIndices: [2, 99] });
  assert.equal(ok.err, 'ERR_OK');
  assert.deepEqual(
    ok.partitions.map((p) => p.pid.partitionIndex),
    [2],
  );
  assert.equal(queryConfig(v25, 1, { appName: 'temp', partitionIndices: [99] }).partitions.length, 4, 'no valid index: all partitions');
  assert.equal(queryConfig(v25, 1, { appName: 'nope', partitionIndices: [] }).err, 'ERR_OBJECT_NOT_FOUND');
});

test('HTTP views: shapes, health counts, unknown paths and keys, /updateConfig', () => {
  const { v26 } = pair();
  v26.setMetaAddresses(['127.0.0.1:1', '127.0.0.1:2', '127.0.0.1:3']);
  const apps = handleHttp(v26, 0, 'GET', '/meta/apps?detail');
  assert.equal(apps.status, 200);
  assert.ok(apps.body.endsWith('}\n'));
  const a = JSON.parse(apps.body) as { healthy_info: Record<string, Record<string, string>>; summary: Record<string, string> };
  assert.deepEqual(a.healthy_info['1'], {
    app_id: '1',
    app_name: 'temp',
    partition_count: '4',
    fully_healthy: '4',
    unhealthy: '0',
    write_unhealthy: '0',
    read_unhealthy: '0',
  });
  assert.equal(a.summary.fully_healthy_app_count, '1');
  const app = JSON.parse(handleHttp(v26, 0, 'GET', '/meta//app/?name=temp&detail').body) as {
    replicas: Record<string, Record<string, string>>;
    nodes: Record<string, Record<string, string>>;
  };
  assert.equal(app.replicas['0']!.replica_count, '3/3');
  assert.equal(app.nodes.total!.total, '12');
  assert.deepEqual(handleHttp(v26, 0, 'GET', '/nope'), { status: 404, body: 'service not found for "/nope"' });
  assert.equal(handleHttp(v26, 0, 'GET', '/meta/app?name=').status, 400);
  assert.equal(handleHttp(v26, 0, 'GET', '/meta/nodes?x=1').status, 400);
  const cluster = JSON.parse(handleHttp(v26, 0, 'GET', '/meta/cluster').body) as Record<string, string>;
  assert.equal(cluster.balance_operation_count, '{\n  "copy_pri": 0,\n  "copy_sec": 0,\n  "move_pri": 0,\n  "total": 0\n}');
  assert.equal(Object.keys(cluster).length, 8);
  assert.deepEqual(JSON.parse(handleHttp(v26, 0, 'GET', '/updateConfig?min_live_node_count_for_unfreeze=2').body), {
    update_status: 'ERR_OK',
  });
  assert.equal(v26.freezeVerdict().minLive, 2);
  assert.deepEqual(JSON.parse(handleHttp(v26, 0, 'GET', '/updateConfig?fd_grace_seconds=2').body), {
    update_status: 'ERR_INVALID_PARAMETERS: fd_grace_seconds is not mutable',
  });
  assert.equal(handleHttp(v26, 0, 'GET', '/config?name=nope').body, "ERR_OBJECT_NOT_FOUND: 'nope' is not found");
});
