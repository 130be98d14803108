import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PartitionHealth,
  addHealth,
  emptyHealthCounts,
  isReadUnhealthy,
  isWriteUnhealthy,
  partitionHealth,
  replicaRatio,
} from '../../../src/cluster/health';
import { buildSnapshot, SnapshotBuilder } from '../../../src/cluster/snapshot';
import { parseBalanceOperationCount, parseClusterInfo } from '../../../src/cluster/metaInfo';
import { app, cfg, clusterInfo, node, pc, smallCluster, N1, N2, N3, N4 } from '../../support/metaFixtures';

test('partition health: every class, with the shell quorum of 2', () => {
  // max 3
  assert.equal(partitionHealth(true, 2, 3), PartitionHealth.HEALTHY);
  assert.equal(partitionHealth(true, 3, 3), PartitionHealth.HEALTHY); // a redundant secondary is still fully healthy
  assert.equal(partitionHealth(true, 1, 3), PartitionHealth.WRITABLE_ILL);
  assert.equal(partitionHealth(true, 0, 3), PartitionHealth.UNWRITABLE);
  assert.equal(partitionHealth(false, 2, 3), PartitionHealth.UNREADABLE);
  assert.equal(partitionHealth(false, 0, 3), PartitionHealth.DEAD);
  // max 2: primary + 1 is fully healthy; primary alone is write-unhealthy
  assert.equal(partitionHealth(true, 1, 2), PartitionHealth.HEALTHY);
  assert.equal(partitionHealth(true, 0, 2), PartitionHealth.UNWRITABLE);
  // max 1: the primary alone is fully healthy (replica_count >= max is checked first)
  assert.equal(partitionHealth(true, 0, 1), PartitionHealth.HEALTHY);
  assert.equal(partitionHealth(false, 0, 1), PartitionHealth.DEAD);
  // max 5: 2 of 5 is writable-ill (the shell's literal 2, not a majority)
  assert.equal(partitionHealth(true, 1, 5), PartitionHealth.WRITABLE_ILL);
});

test('health counters: write_unhealthy counts no-primary and <2 replicas; read_unhealthy counts no-primary', () => {
  assert.equal(isWriteUnhealthy(PartitionHealth.WRITABLE_ILL), false);
  assert.equal(isWriteUnhealthy(PartitionHealth.UNWRITABLE), true);
  assert.equal(isReadUnhealthy(PartitionHealth.UNWRITABLE), false);
  assert.equal(isReadUnhealthy(PartitionHealth.DEAD), true);
  const c = emptyHealthCounts();
  for (const h of [0, 1, 2, 3, 4] as const) addHealth(c, h);
  assert.deepEqual(c, { partitionCount: 5, fullyHealthy: 1, unhealthy: 4, writeUnhealthy: 3, readUnhealthy: 2 });
  assert.equal(replicaRatio(false, 1, 3), '1/3');
});

test('snapshot: per-node counts, per-table health and per-partition views', () => {
  const s = smallCluster();
  const snap = buildSnapshot({ nodes: s.nodes, apps: s.apps, configs: s.configs, clusterInfo: s.clusterInfo });
  const byAddr = Object.fromEntries(snap.nodes.map((n) => [n.address, [n.status, n.primaryCount, n.secondaryCount, n.replicaCount]]));
  // temp: p0 N1/[N2,N3], p1 N2/[N3], p2 -/[N1], p3 N3/[]; t1: p0 N1/[N2,N3], p1 N2/[N1,N3]
  assert.deepEqual(byAddr, {
    [N1]: ['ALIVE', 2, 2, 4],
    [N2]: ['ALIVE', 2, 2, 4],
    [N3]: ['ALIVE', 1, 4, 5],
    [N4]: ['UNALIVE', 0, 0, 0],
  });
  const temp = snap.table('temp')!;
  assert.deepEqual(temp.health, { partitionCount: 4, fullyHealthy: 1, unhealthy: 3, writeUnhealthy: 2, readUnhealthy: 1 });
  assert.deepEqual(snap.table('t1')!.health, { partitionCount: 2, fullyHealthy: 2, unhealthy: 0, writeUnhealthy: 0, readUnhealthy: 0 });
  // The dropped table is not queried: no health, no error.
  assert.equal(snap.table('gone')!.status, 'DROPPED');
  assert.equal(snap.table('gone')!.health, undefined);
  assert.deepEqual(
    snap.unhealthyPartitions(temp).map((p) => [p.partitionIndex, p.health]),
    [
      [1, 'writable_ill'],
      [2, 'unreadable'],
      [3, 'unwritable'],
    ],
  );
  const p2 = snap.partition(temp, 2)!;
  assert.equal(p2.primary, '');
  assert.deepEqual(p2.secondaries, [N1]);
  assert.equal(p2.replicaCount, 1);
  assert.deepEqual(snap.totalHealth(), { partitionCount: 6, fullyHealthy: 3, unhealthy: 3, writeUnhealthy: 2, readUnhealthy: 1 });
  // tables are ordered by app id
  assert.deepEqual(
    snap.tables.map((t) => t.appId),
    [1, 2, 3],
  );
  assert.equal(snap.tableById(2)!.name, 'temp');
});

test('snapshot: replicasOf lists each node replica once, with role and ballot, ordered by table', () => {
  const s = smallCluster();
  const snap = buildSnapshot({ nodes: s.nodes, apps: s.apps, configs: s.configs });
  const r = snap.replicasOf(snap.node(N3)!);
  assert.deepEqual(
    r.map((x) => `${x.table}.${x.partitionIndex}:${x.role}`),
    ['t1.0:secondary', 't1.1:secondary', 'temp.0:secondary', 'temp.1:secondary', 'temp.3:primary'],
  );
  assert.equal(r[0]!.ballot, 3);
  assert.equal(snap.replicasOf(snap.node(N4)!).length, 0);
  let total = 0;
  for (const n of snap.nodes) total += snap.replicasOf(n).length;
  assert.equal(
    total,
    snap.nodes.reduce((a, n) => a + n.replicaCount, 0),
  );
  const dist = snap.tableDistribution(snap.table('temp')!);
  assert.deepEqual(
    dist.map((d) => [d.node.address, d.primary, d.secondary]),
    [
      [N1, 1, 1],
      [N2, 1, 1],
      [N3, 1, 2],
    ],
  );
});

test('snapshot (2.6/master): host:port identities from hp_* fields, ip lookups still work', () => {
  const nodes = [node(N1, true, 'node1:34801'), node(N2, true, 'node2:34801'), node(N3, false, 'node3:34801')];
  const parts = [
    pc(1, 0, N1, [N2], 2, { hpPrimary: 'node1:34801', hpSecondaries: ['node2:34801'] }),
    // A partition whose ip fields are empty but hp fields are set.
    pc(1, 1, '', [], 2, { hpPrimary: 'node2:34801', hpSecondaries: ['node1:34801'] }),
  ];
  const snap = buildSnapshot({ nodes, apps: [app(1, 'hp', 2, { maxReplicaCount: 2 })], configs: { hp: cfg(1, parts) } });
  assert.deepEqual(
    snap.nodes.map((n) => [n.address, n.ip, n.primaryCount, n.secondaryCount]),
    [
      ['node1:34801', N1, 1, 1],
      ['node2:34801', N2, 1, 1],
      ['node3:34801', N3, 0, 0],
    ],
  );
  assert.equal(snap.node(N2)!.address, 'node2:34801');
  assert.equal(snap.partition(snap.table('hp')!, 1)!.primary, 'node2:34801');
  assert.equal(snap.table('hp')!.health!.fullyHealthy, 2);
});

test('snapshot: an address only partition configs mention becomes an UNKNOWN node, counted', () => {
  const snap = buildSnapshot({ nodes: [node(N1)], apps: [app(1, 'x', 1)], configs: { x: cfg(1, [pc(1, 0, N1, [N2, N3])]) } });
  assert.deepEqual(
    snap.nodes.map((n) => [n.address, n.status, n.replicaCount]),
    [
      [N1, 'ALIVE', 1],
      [N2, 'UNKNOWN', 1],
      [N3, 'UNKNOWN', 1],
    ],
  );
  // UNKNOWN nodes are neither alive nor dead for the freeze rule.
  assert.equal(snap.freeze.alive, 1);
  assert.equal(snap.freeze.dead, 0);
});

test('snapshot: many unlisted addresses grow the count arrays without losing counts', () => {
  const parts = Array.from({ length: 200 }, (_, i) => pc(1, i, `10.1.${i >> 8}.${i & 255}:1`, []));
  const snap = buildSnapshot({ nodes: [], apps: [app(1, 'x', 200)], configs: { x: cfg(1, parts) } });
  assert.equal(snap.nodes.length, 200);
  assert.ok(snap.nodes.every((n) => n.primaryCount === 1 && n.replicaCount === 1));
});

test('snapshot: the same node in both alive and dead lists is one ALIVE node', () => {
  const snap = buildSnapshot({ nodes: [node(N1, false), node(N1, true)], apps: [], configs: {} });
  assert.deepEqual(
    snap.nodes.map((n) => n.status),
    ['ALIVE'],
  );
});

test('snapshot: failed tables keep their error; a partial builder snapshot is marked incomplete', () => {
  const s = smallCluster();
  const b = new SnapshotBuilder();
  b.setNodes(s.nodes);
  b.setApps(s.apps);
  const first = b.finish(false);
  assert.equal(first.complete, false);
  assert.equal(first.tables.length, 3);
  assert.ok(first.nodes.every((n) => n.replicaCount === 0));
  assert.deepEqual(b.tablesToFetch().sort(), ['t1', 'temp']);
  b.addTable('temp', s.configs.temp!);
  b.tableFailed('t1', 'ERR_BUSY_DROPPING: gone');
  const snap = b.finish();
  assert.equal(snap.complete, true);
  assert.equal(snap.table('t1')!.error, 'ERR_BUSY_DROPPING: gone');
  assert.equal(snap.table('t1')!.health, undefined);
  // The first snapshot is not changed by later additions.
  assert.equal(first.table('temp')!.health, undefined);
});

test('freeze model: counts ALIVE/UNALIVE from list_nodes and uses the read percentage', () => {
  const s = smallCluster();
  // 3 alive, 1 dead, pct 50, minLive 3: one more loss → alive 2 < 3 freezes.
  const snap = buildSnapshot({ nodes: s.nodes, apps: [], configs: {}, extras: { livePercentage: 50 } });
  assert.deepEqual([snap.freeze.alive, snap.freeze.dead, snap.freeze.pct, snap.freeze.minLive], [3, 1, 50, 3]);
  assert.equal(snap.freeze.frozen, false);
  assert.equal(snap.freeze.margin, 0);
  assert.equal(snap.freeze.assumed.length, 1); // min live is assumed
  const many = Array.from({ length: 10 }, (_, i) => node(`10.0.1.${i}:34801`, i < 6));
  const frozen = buildSnapshot({ nodes: many, apps: [], configs: {} });
  // default pct 65: 600 < 650
  assert.equal(frozen.freeze.pct, 65);
  assert.equal(frozen.freeze.frozen, true);
  assert.deepEqual(frozen.freeze.reasons, ['percentage']);
  assert.equal(frozen.freeze.margin, -1);
});

test('meta info: effective vs stored level, leader, balance counts in both dialects', () => {
  const ci = clusterInfo({
    meta_servers: 'a:1,b:2',
    primary_meta_server: 'b:2',
    meta_function_level: 'freezed',
    balance_operation_count: '{\n  "copy_pri": 1,\n  "copy_sec": 2,\n  "move_pri": 3,\n  "total": 6\n}',
  });
  const m = parseClusterInfo(ci, 500);
  assert.equal(m.leader, 'b:2');
  assert.deepEqual(m.metaServers, ['a:1', 'b:2']);
  assert.equal(m.effectiveLevel, 'freezed');
  assert.equal(m.storedLevel, 'lively');
  assert.equal(m.autoFrozen, true);
  assert.deepEqual(m.balanceOperationCount, { movePri: 3, copyPri: 1, copySec: 2, total: 6 });
  assert.equal(parseClusterInfo(ci, 300).autoFrozen, false); // stored freezed: set by hand
  assert.equal(parseClusterInfo(ci).autoFrozen, false); // stored level unknown: no claim
  assert.deepEqual(parseBalanceOperationCount('move_pri=1,copy_pri=0,copy_sec=2,total=3'), {
    movePri: 1,
    copyPri: 0,
    copySec: 2,
    total: 3,
  });
  assert.equal(parseBalanceOperationCount('{"total": -1, "move_pri": 0, "copy_pri": 0, "copy_sec": 0}')!.total, -1);
  assert.equal(parseBalanceOperationCount('garbage'), undefined);
  assert.equal(parseBalanceOperationCount('{not json'), undefined);
});

test('black list marks nodes by ip or host:port', () => {
  const nodes = [node(N1, true, 'node1:34801'), node(N2, true, 'node2:34801'), node(N3)];
  const snap = buildSnapshot({ nodes, apps: [], configs: {}, extras: { blackList: ['node1:34801', N3] } });
  assert.deepEqual(
    snap.nodes.map((n) => n.blackListed),
    [true, false, true],
  );
});
