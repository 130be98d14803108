import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSnapshot } from '../../../../src/cluster/snapshot';
import {
  childrenOf,
  elementId,
  itemOf,
  nodeFacts,
  parentOf,
  replicaElementsOf,
  selectedNodes,
  tooltipOf,
  type ClusterViewState,
  type Element,
  type TreeContext,
} from '../../../../src/extension/explorer/treeModel';
import { nodeTooltip } from '../../../../src/extension/explorer/presentation';
import { addr, makeCluster, type FakeClusterSpec } from '../../../support/syntheticCluster';

function ctxFor(spec: FakeClusterSpec, over: Partial<ClusterViewState> = {}): TreeContext {
  const c = makeCluster(spec);
  const snapshot = buildSnapshot({
    nodes: c.nodes,
    apps: c.apps,
    configs: c.configs,
    clusterInfo: c.clusterInfo,
    extras: {
      storedLevel: spec.storedLevel ?? 400,
      livePercentage: spec.livePercentage ?? 65,
      blackList: (spec.blackList ?? []).map(addr),
    },
  });
  const view: ClusterViewState = {
    name: 'onebox',
    metaServers: ['127.0.0.1:34601'],
    production: false,
    simulated: true,
    active: true,
    status: { kind: 'ok' },
    snapshot,
    leaving: new Set(),
    ...over,
  };
  return { clusters: [view], settingsProblems: [] };
}

const five: FakeClusterSpec = { nodes: 5, tables: [{ name: 'temp', partitions: 8, replicas: 3 }] };

function kids(ctx: TreeContext, e: Element | undefined, kind?: Element['kind']): Element[] {
  const out = childrenOf(ctx, e);
  return kind ? out.filter((x) => x.kind === kind) : out;
}

test('cluster → meta, nodes, tables; nodes carry replica / primary / secondary counts', () => {
  const ctx = ctxFor(five);
  const [cluster] = kids(ctx, undefined);
  assert.deepEqual(cluster, { kind: 'cluster', cluster: 'onebox' });
  assert.deepEqual(
    kids(ctx, cluster).map((e) => e.kind),
    ['meta', 'nodes', 'tables'],
  );
  const nodes = kids(ctx, { kind: 'nodes', cluster: 'onebox' });
  assert.equal(nodes.length, 5);
  // 8 partitions × 3 replicas over 5 nodes, members (k, k+1, k+2) mod 5: 24 replicas, 8 primaries.
  const items = nodes.map((n) => itemOf(ctx, n));
  assert.deepEqual(
    items.map((i) => i.description),
    ['4 (2 P · 2 S)', '5 (2 P · 3 S)', '6 (2 P · 4 S)', '5 (1 P · 4 S)', '4 (1 P · 3 S)'],
  );
  assert.equal(items[0]!.label, addr(0));
  assert.equal(items[0]!.contextValue, 'pegasus.node.alive');
  assert.deepEqual(items[0]!.icon, { id: 'pass-filled', color: 'testing.iconPassed' });
  const cl = itemOf(ctx, cluster!);
  assert.match(cl.description!, /^healthy · 5\/5 alive · steady · active$/);
  assert.equal(cl.contextValue, 'pegasus.cluster.ok.active.simulated');
});

test('an UNALIVE node: red icon, marked, its partitions grouped as missing replicas, freeze margin drops', () => {
  const healthy = ctxFor(five);
  const ctx = ctxFor({ ...five, unalive: [4] });
  const n4 = itemOf(ctx, { kind: 'node', cluster: 'onebox', address: addr(4) });
  assert.equal(n4.description, 'UNALIVE · no replicas');
  assert.equal(n4.contextValue, 'pegasus.node.unalive');
  assert.deepEqual(n4.icon, { id: 'circle-slash', color: 'testing.iconFailed' });
  assert.match(tooltipOf(ctx, { kind: 'node', cluster: 'onebox', address: addr(4) })!, /UNALIVE[\s\S]*counted as dead by the freeze rule/);

  const margin = (c: TreeContext) => itemOf(c, { kind: 'metaFact', cluster: 'onebox', key: 'margin' }).description!;
  // 5 alive, pct 65, min 3: losing 1 keeps 400 ≥ 325, losing 2 gives 300 < 325 → margin 1.
  assert.match(margin(healthy), /^1 · can lose 1 more node · alive 5 · dead 0 · 65% · min 3$/);
  assert.match(margin(ctx), /^0 · the next node down freezes it · alive 4 · dead 1/);
  assert.match(itemOf(ctx, { kind: 'meta', cluster: 'onebox' }).description!, /^freeze margin 0 · steady$/);

  const groups = kids(ctx, { kind: 'table', cluster: 'onebox', table: 'temp' });
  assert.deepEqual(
    groups.map((g) => itemOf(ctx, g).label),
    ['Missing replicas', 'Healthy'],
  );
  assert.deepEqual(
    groups.map((g) => itemOf(ctx, g).description),
    ['4 partitions', '4 partitions'],
  );
  const table = itemOf(ctx, { kind: 'table', cluster: 'onebox', table: 'temp' });
  assert.equal(table.description, '4/8 unhealthy');
  assert.equal(table.contextValue, 'pegasus.table.unhealthy');
  const cl = itemOf(ctx, { kind: 'cluster', cluster: 'onebox' });
  assert.match(cl.description!, /^1 down · 4 unhealthy · steady · active$/);
});

test('effective level freezed while the stored one is lively shows both', () => {
  const ctx = ctxFor({ nodes: 3, tables: [{ name: 't', partitions: 3, replicas: 3 }], unalive: [2], level: 'freezed', storedLevel: 500 });
  const meta = itemOf(ctx, { kind: 'meta', cluster: 'onebox' });
  assert.equal(meta.description, 'FROZEN · freezed (stored lively)');
  assert.equal(meta.icon?.color, 'testing.iconFailed');
  const level = itemOf(ctx, { kind: 'metaFact', cluster: 'onebox', key: 'level' });
  assert.equal(level.description, 'freezed (stored lively) — auto-frozen');
  assert.match(tooltipOf(ctx, { kind: 'meta', cluster: 'onebox' })!, /set_meta_level` cannot lift it/);
  const cl = itemOf(ctx, { kind: 'cluster', cluster: 'onebox' });
  assert.equal(cl.icon?.color, 'testing.iconFailed');
});

// The freeze rule of meta_service::check_freeze (src/meta/meta_service.h, apache/incubator-pegasus v2.5.0):
// alive 2, dead 1, pct 65 → 200 ≥ 195 holds, but 2 < min live 3 freezes it. Only the min-live rule trips.
test('a meta frozen by the min-live rule alone is not told to lower the percentage', () => {
  const ctx = ctxFor({ nodes: 3, tables: [{ name: 't', partitions: 3, replicas: 3 }], unalive: [2], level: 'freezed', storedLevel: 500 });
  const tip = tooltipOf(ctx, { kind: 'meta', cluster: 'onebox' })!;
  assert.match(tip, /Min-live rule: 2 alive < min live 3/);
  assert.match(tip, /does not lift this rule/);
  assert.doesNotMatch(tip, /Percentage rule/);
  assert.doesNotMatch(tip, /lower `meta\.live_percentage`,/);
});

// server_state::check_all_partitions (src/meta/server_state.cpp, apache/incubator-pegasus v2.5.0) runs no
// cure or balancer at level freezed: a dead node's replicas are not re-created while the meta is frozen.
test('the UNALIVE node under a frozen meta does not promise re-created replicas', () => {
  const spec: FakeClusterSpec = { nodes: 3, tables: [{ name: 't', partitions: 3, replicas: 3 }], unalive: [2] };
  const frozen = ctxFor({ ...spec, level: 'freezed', storedLevel: 500 }).clusters[0]!;
  const lively = ctxFor(five).clusters[0]!;
  assert.equal(nodeFacts(frozen, frozen.snapshot!.node(addr(2))!).metaFrozen, true);
  assert.equal(nodeFacts(lively, lively.snapshot!.node(addr(0))!).metaFrozen, false);
  const dead = { ...nodeFacts(frozen, frozen.snapshot!.node(addr(2))!), replicas: 4, primaries: 1, secondaries: 3 };
  const tip = nodeTooltip(dead);
  assert.match(tip, /frozen\*\*: it runs no cure/);
  assert.doesNotMatch(tip, /being re-elected or re-created/);
  assert.match(nodeTooltip({ ...dead, metaFrozen: false }), /being re-elected or re-created/);
});

test('margin colours: 1 is fine, 0 is a warning, frozen is an error', () => {
  const margin = (c: TreeContext) => itemOf(c, { kind: 'metaFact', cluster: 'onebox', key: 'margin' }).icon;
  const meta = (c: TreeContext) => itemOf(c, { kind: 'meta', cluster: 'onebox' }).icon?.color;
  const one = ctxFor(five);
  assert.deepEqual(margin(one), { id: 'shield', color: 'testing.iconPassed' });
  assert.equal(meta(one), 'testing.iconPassed');
  const zero = ctxFor({ ...five, unalive: [4] });
  assert.deepEqual(margin(zero), { id: 'warning', color: 'list.warningForeground' });
  assert.equal(meta(zero), 'list.warningForeground');
});

test('node → its replicas (table, partition, role, ballot); parents lead back for reveal', () => {
  const ctx = ctxFor(five);
  const node = { kind: 'node', cluster: 'onebox', address: addr(0) } as const;
  const reps = kids(ctx, node);
  assert.equal(reps.length, 4);
  const first = itemOf(ctx, reps[0]!);
  assert.equal(first.label, 'temp 1.0');
  assert.equal(first.description, 'primary · ballot 3');
  assert.deepEqual(parentOf(ctx, reps[0]!), node);
  const secondary = reps.map((r) => itemOf(ctx, r)).find((i) => i.description?.startsWith('secondary'));
  assert.ok(secondary);

  const revealed = replicaElementsOf(ctx, 'onebox', 'temp', 2);
  assert.deepEqual(
    revealed.map((r) => (r as { address: string }).address),
    [addr(2), addr(3), addr(4)],
  );
  for (const r of revealed)
    assert.ok(
      kids(ctx, parentOf(ctx, r)).some((k) => elementId(k) === elementId(r)),
      'each revealed replica is a child of its parent',
    );

  const part = { kind: 'partition', cluster: 'onebox', table: 'temp', pidx: 2 } as const;
  const group = parentOf(ctx, part)!;
  assert.ok(kids(ctx, group).some((k) => elementId(k) === elementId(part)));
  assert.equal(itemOf(ctx, part).description, `P ${addr(2)} · S ${addr(3)}, ${addr(4)}`);
});

test('ids are stable across refreshes and never contain counters', () => {
  const a = ctxFor(five);
  const b = ctxFor({ ...five, unalive: [1] });
  const collect = (ctx: TreeContext) => {
    const all: string[] = [];
    const walk = (e: Element | undefined) => {
      for (const k of childrenOf(ctx, e)) {
        all.push(itemOf(ctx, k).id);
        assert.equal(itemOf(ctx, k).id, elementId(k));
        walk(k);
      }
    };
    walk(undefined);
    return all;
  };
  const ia = collect(a);
  const ib = collect(b);
  assert.equal(new Set(ia).size, ia.length, 'unique ids');
  for (const id of ['pegasus/onebox', 'pegasus/onebox/meta', `pegasus/onebox/nodes/${addr(1)}`, 'pegasus/onebox/tables/temp']) {
    assert.ok(ia.includes(id) && ib.includes(id), id);
  }
});

test('unreachable cluster: an error item with the reason; first-paint snapshot shows "counting"', () => {
  const ctx = ctxFor(five, {
    status: { kind: 'error', message: 'ERR_NETWORK_FAILURE: connect ECONNREFUSED', hint: 'check host:port' },
    snapshot: undefined,
  });
  const [cluster] = kids(ctx, undefined);
  const cl = itemOf(ctx, cluster!);
  assert.match(cl.description!, /unreachable/);
  assert.equal(cl.contextValue, 'pegasus.cluster.error.active.simulated');
  const [msg] = kids(ctx, cluster);
  const mi = itemOf(ctx, msg!);
  assert.equal(mi.label, 'Unreachable');
  assert.equal(mi.description, 'ERR_NETWORK_FAILURE: connect ECONNREFUSED');
  assert.match(tooltipOf(ctx, msg!)!, /What to do: check host:port/);

  const c = makeCluster(five);
  const partial = buildSnapshot({ nodes: c.nodes, apps: c.apps, configs: new Map() });
  const p = ctxFor(five, { snapshot: Object.assign(Object.create(Object.getPrototypeOf(partial)), partial, { complete: false }) });
  const n = itemOf(p, { kind: 'node', cluster: 'onebox', address: addr(0) });
  assert.equal(n.description, 'counting replicas…');
  assert.match(itemOf(p, { kind: 'cluster', cluster: 'onebox' }).description!, /loading tables… · 5\/5 alive/);
});

test('filter: text matches addresses and table names; problems-only keeps UNALIVE nodes and unhealthy tables', () => {
  const base = ctxFor({
    ...five,
    tables: [
      { name: 'temp', partitions: 8, replicas: 3 },
      { name: 'usertable', partitions: 4, replicas: 3 },
    ],
    unalive: [4],
  });
  const f1 = { ...base, filter: { text: addr(3) } };
  assert.deepEqual(
    kids(f1, { kind: 'nodes', cluster: 'onebox' }).map((n) => (n as { address: string }).address),
    [addr(3)],
  );
  const f2 = { ...base, filter: { problemsOnly: true } };
  assert.deepEqual(
    kids(f2, { kind: 'nodes', cluster: 'onebox' }).map((n) => (n as { address: string }).address),
    [addr(4)],
  );
  assert.equal(kids(f2, { kind: 'tables', cluster: 'onebox' }).length, 2);
  assert.ok(kids(f2, { kind: 'table', cluster: 'onebox', table: 'temp' }).every((g) => (g as { health: number }).health !== 0));
  const f3 = { ...base, filter: { text: 'user' } };
  assert.deepEqual(
    kids(f3, { kind: 'tables', cluster: 'onebox' }).map((t) => (t as { table: string }).table),
    ['usertable'],
  );
});

test('black-listed and leaving nodes are marked', () => {
  const ctx = ctxFor({ ...five, blackList: [1] }, { leaving: new Set([addr(1), addr(2)]) });
  const n1 = itemOf(ctx, { kind: 'node', cluster: 'onebox', address: addr(1) });
  assert.equal(n1.description, '5 (2 P · 3 S) · leaving · black-listed');
  assert.equal(n1.contextValue, 'pegasus.node.alive.leaving.blacklisted');
  assert.equal(n1.icon?.color, 'list.warningForeground');
  const n2 = itemOf(ctx, { kind: 'node', cluster: 'onebox', address: addr(2) });
  assert.equal(n2.description, '6 (2 P · 4 S) · leaving');
});

test('settings problems show as warning items at the top; selection → nodes of one cluster', () => {
  const ctx: TreeContext = { ...ctxFor(five), settingsProblems: [{ message: 'pegasus.clusters[1] ("x") is ignored: …' }] };
  const roots = kids(ctx, undefined);
  assert.equal(roots[0]!.kind, 'message');
  assert.equal(itemOf(ctx, roots[0]!).icon?.id, 'warning');
  assert.equal(roots[1]!.kind, 'cluster');
  const sel: Element[] = [
    { kind: 'node', cluster: 'a', address: 'n1:1' },
    { kind: 'table', cluster: 'a', table: 't' },
    { kind: 'node', cluster: 'a', address: 'n2:1' },
    { kind: 'node', cluster: 'a', address: 'n1:1' },
    { kind: 'node', cluster: 'b', address: 'n3:1' },
  ];
  assert.deepEqual(selectedNodes(sel), { cluster: 'a', nodes: ['n1:1', 'n2:1'] });
  assert.equal(selectedNodes([{ kind: 'tables', cluster: 'a' }]), undefined);
});

test('an address only partition configs name is shown as not listed, not as dead', () => {
  const c = makeCluster(five);
  c.configs.get('temp')!.partitions[0]!.secondaries.push('10.9.9.9:34801');
  const snapshot = buildSnapshot({ nodes: c.nodes, apps: c.apps, configs: c.configs, clusterInfo: c.clusterInfo });
  const ctx = ctxFor(five, { snapshot });
  const item = itemOf(ctx, { kind: 'node', cluster: 'onebox', address: '10.9.9.9:34801' });
  assert.equal(item.description, 'not listed by the meta · 1 (0 P · 1 S)');
  assert.equal(item.contextValue, 'pegasus.node.unknown');
  assert.equal(item.icon?.id, 'question');
});
