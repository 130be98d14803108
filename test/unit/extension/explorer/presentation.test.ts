import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  COLOR,
  clusterHealth,
  clusterItem,
  marginSeverity,
  metaServerItem,
  metaTooltip,
  unfreezeAdvice,
  freezeMarginSentence,
  md,
  nodeTooltip,
  partitionItem,
  partitionTooltip,
  statusBarView,
  tableItem,
  type ClusterFacts,
} from '../../../../src/extension/explorer/presentation';

const base: ClusterFacts = {
  name: 'prod',
  metaServers: ['10.0.0.1:34601'],
  production: true,
  simulated: false,
  active: true,
  status: { kind: 'ok' },
  hasData: true,
  effectiveLevel: 'steady',
  storedLevel: 'steady',
  alive: 10,
  unalive: 0,
  freezeMargin: 3,
  unhealthyPartitions: 0,
  partitions: 1024,
  fetchedAt: Date.UTC(2026, 0, 1, 12, 0, 0),
};

test('status bar: healthy, unhealthy, frozen, unreachable, none', () => {
  assert.deepEqual(statusBarView(base, 1).text, '$(pass-filled) prod: margin 3');
  assert.equal(statusBarView(base, 1).severity, undefined);
  const sick = statusBarView({ ...base, unhealthyPartitions: 12, unalive: 1 }, 1);
  assert.equal(sick.text, '$(warning) prod: 12 unhealthy, 1 down');
  assert.equal(sick.severity, 'warning');
  const frozen = statusBarView({ ...base, effectiveLevel: 'freezed', storedLevel: 'lively', freezeMargin: -1 }, 1);
  assert.equal(frozen.text, '$(error) prod: FROZEN');
  assert.equal(frozen.severity, 'error');
  assert.match(frozen.tooltip, /stored: lively; the meta is auto-frozen/);
  const down = statusBarView({ ...base, status: { kind: 'error', message: 'ERR_TIMEOUT: no reply' }, hasData: false }, 1);
  assert.equal(down.text, '$(error) prod: unreachable');
  assert.match(statusBarView(undefined, 0).text, /no cluster/);
  assert.match(statusBarView(undefined, 2).text, /choose a cluster/);
});

test('status bar: margin 0 is a warning, margin 1 is fine, frozen is an error', () => {
  const zero = statusBarView({ ...base, freezeMargin: 0 }, 1);
  assert.equal(zero.text, '$(warning) prod: margin 0');
  assert.equal(zero.severity, 'warning');
  const one = statusBarView({ ...base, freezeMargin: 1 }, 1);
  assert.equal(one.text, '$(pass-filled) prod: margin 1');
  assert.equal(one.severity, undefined);
  assert.equal(statusBarView({ ...base, freezeMargin: -1 }, 1).severity, 'error');
  assert.equal(marginSeverity(0), 'warning');
  assert.equal(marginSeverity(1), undefined);
  assert.equal(marginSeverity(-1), 'error');
  // The tree row agrees with the status bar.
  assert.equal(clusterItem({ ...base, freezeMargin: 0 }).icon?.color, COLOR.warning);
  assert.match(clusterItem({ ...base, freezeMargin: 0 }).description!, /margin 0/);
  assert.equal(clusterItem({ ...base, freezeMargin: 1 }).icon?.color, COLOR.ok);
});

test('unfreeze advice names only the rule that trips', () => {
  const minOnly = unfreezeAdvice({ alive: 2, dead: 1, livePercentage: 65, minLive: 3, freezeReasons: ['min_live'] });
  assert.equal(minOnly.length, 1);
  assert.match(minOnly[0]!, /Min-live rule/);
  assert.doesNotMatch(minOnly[0]!, /lower `meta\.live_percentage`/);
  const pctOnly = unfreezeAdvice({ alive: 3, dead: 2, livePercentage: 65, minLive: 3, freezeReasons: ['percentage'] });
  assert.equal(pctOnly.length, 1);
  // 300 < 65×5 = 325; the largest pct that holds is floor(300/5) = 60.
  assert.match(pctOnly[0]!, /lower `meta\.live_percentage` to 60 or less, or restart the meta/);
  assert.equal(unfreezeAdvice({ alive: 1, dead: 4, livePercentage: 65, minLive: 3, freezeReasons: ['min_live', 'percentage'] }).length, 2);
  // The advice does not depend on the stored level having been read.
  const tip = metaTooltip({
    cluster: 'c',
    leader: 'm:1',
    metaServers: ['m:1'],
    effectiveLevel: 'freezed',
    alive: 2,
    dead: 1,
    livePercentage: 65,
    minLive: 3,
    freezeMargin: -1,
    freezeReasons: ['min_live'],
  });
  assert.match(tip, /Min-live rule: 2 alive < min live 3/);
});

test('a meta leader and a primary replica do not share an icon', () => {
  assert.notEqual(metaServerItem('c', '127.0.0.1:34601', true).icon?.id, 'star-full');
});

test('a failed refresh with data still shown is not called healthy', () => {
  assert.equal(clusterHealth({ ...base, status: { kind: 'error', message: 'x' } }), 'unreachable');
  assert.equal(clusterHealth({ ...base, status: { kind: 'loading' }, hasData: false }), 'loading');
});

test('freeze margin sentences', () => {
  assert.match(freezeMarginSentence(-1), /Frozen/);
  assert.match(freezeMarginSentence(0), /one more node going down freezes/);
  assert.match(freezeMarginSentence(2), /2 more nodes can go down/);
});

test('tooltips answer the next question', () => {
  const t = nodeTooltip({
    cluster: 'c',
    address: '10.0.0.1:34801',
    alive: true,
    replicas: 30,
    primaries: 10,
    secondaries: 20,
    blackListed: true,
    leaving: false,
  });
  assert.match(t, /move its 10 primaries away/);
  assert.match(t, /Black-listed/);
  const p = {
    cluster: 'c',
    table: 'temp',
    appId: 2,
    pidx: 5,
    ballot: 7,
    maxReplicaCount: 3,
    primary: '',
    secondaries: ['a:1'],
    health: 3 as const,
    isUnalive: (a: string) => a === 'a:1',
  };
  assert.equal(partitionItem(p).description, '1/3 · no primary · S a:1', 'an unhealthy partition leads with its replica count');
  assert.equal(partitionItem({ ...p, health: 0, primary: 'b:1', secondaries: ['a:1', 'c:1'] }).description, 'P b:1 · S a:1, c:1');
  assert.match(
    partitionTooltip(p),
    /primary: \*\*none\*\*[\s\S]*secondary: `a:1` — \$\(circle-slash\) UNALIVE[\s\S]*neither reads nor writes/,
  );
});

test('table descriptions use the shell counters', () => {
  const health = { partitionCount: 8, fullyHealthy: 5, unhealthy: 3, writeUnhealthy: 1, readUnhealthy: 1 };
  const t = tableItem({ cluster: 'c', name: 'temp', appId: 1, maxReplicaCount: 3, health });
  assert.equal(t.description, '3/8 unhealthy · 1 write-unhealthy · 1 read-unhealthy');
  assert.equal(t.icon?.color, 'testing.iconFailed');
  const ok = tableItem({
    cluster: 'c',
    name: 'temp',
    appId: 1,
    maxReplicaCount: 3,
    health: { ...health, fullyHealthy: 8, unhealthy: 0, writeUnhealthy: 0, readUnhealthy: 0 },
  });
  assert.equal(ok.description, '8 partitions · healthy');
  const busy = tableItem({ cluster: 'c', name: 'new', appId: 9, maxReplicaCount: 3, health, error: 'ERR_BUSY_CREATING: wait' });
  assert.equal(busy.collapsible, 'none');
  assert.match(busy.description!, /^unreadable: ERR_BUSY_CREATING/);
});

test('markdown escaping keeps table names and addresses literal', () => {
  assert.equal(md('my_table*1'), 'my\\_table\\*1');
});

test('status bar tooltip: when the data was read, how often, and stale after two missed polls', () => {
  const at = base.fetchedAt!;
  const fresh = statusBarView(base, 1, { now: at + 12_000, pollMs: 20_000, viewVisible: false }).tooltip;
  assert.match(fresh, /\$\(history\) Data read at 12:00:00 UTC \(12 s ago\); re-read every 20 s while the Clusters view is hidden\.$/);
  const visible = statusBarView(base, 1, { now: at + 3_000, pollMs: 5_000, viewVisible: true }).tooltip;
  assert.match(visible, /\(3 s ago\); re-read every 5 s\.$/);
  const stale = statusBarView(base, 1, { now: at + 46_000, pollMs: 20_000, viewVisible: false }).tooltip;
  assert.match(stale, /\$\(warning\) \*\*Stale\*\*: data read at 12:00:00 UTC \(46 s ago\)/);
  assert.doesNotMatch(statusBarView(base, 1, { now: at + 45_000, pollMs: 20_000, viewVisible: false }).tooltip, /Stale/);
  const off = statusBarView(base, 1, { now: at + 600_000, pollMs: null, viewVisible: false }).tooltip;
  assert.match(off, /\(10 min ago\); automatic refresh is off/);
  assert.doesNotMatch(statusBarView(base, 1).tooltip, /ago/, 'without freshness facts: no age');
});
