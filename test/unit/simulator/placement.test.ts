/**
 * Exact topology for a rehearsal twin: node addresses kept as given, per-table placement, app ids,
 * replica sizes and the meta's start settings; and the validation of all of it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimModel } from '../../../src/simulator/model/model';
import { runRemoteCommand } from '../../../src/simulator/model/commands';
import { Level } from '../../../src/simulator/model/types';
import type { SimOptionsInput } from '../../../src/simulator/model/options';

const MB = 1024 * 1024;

const live: SimOptionsInput = {
  version: '2.6',
  nodeAddresses: ['10.0.0.3:34801', '10.0.0.1:34801', '10.0.0.2:34801', '10.0.0.1:34802'],
  tables: [
    { name: 'temp', id: 2, partitions: 3, replicas: 3, replicaSizeMb: 10 },
    { name: 'usertable', id: 5, partitions: 2, replicas: 2 },
  ],
  placement: {
    temp: [
      { primary: '10.0.0.1:34801', secondaries: ['10.0.0.2:34801', '10.0.0.3:34801'] },
      { primary: 3, secondaries: [1] },
      { primary: null, secondaries: ['10.0.0.2:34801', '10.0.0.1:34802'] },
    ],
  },
  livePercentage: 30,
  minLiveNodeCount: 2,
  levelOnStart: 'lively',
  assignDelayMs: 12345,
  blackList: ['10.0.0.2:34801'],
};

function members(m: SimModel, table: string): { primary: string | null; secondaries: string[]; ballot: number }[] {
  const app = m.apps.find((a) => a.name === table)!;
  return app.partitions.map((p) => ({
    primary: p.primary >= 0 ? m.addr(p.primary) : null,
    secondaries: p.secondaries.map((s) => m.addr(s)),
    ballot: p.ballot,
  }));
}

test('placement: nodes keep the given addresses, partitions start with exactly the given members', () => {
  const m = new SimModel(live);
  assert.deepEqual(
    m.nodes.map((n) => n.address),
    live.nodeAddresses,
  );
  assert.deepEqual(members(m, 'temp'), [
    { primary: '10.0.0.1:34801', secondaries: ['10.0.0.2:34801', '10.0.0.3:34801'], ballot: 3 },
    { primary: '10.0.0.1:34802', secondaries: ['10.0.0.1:34801'], ballot: 2 },
    { primary: null, secondaries: ['10.0.0.2:34801', '10.0.0.1:34802'], ballot: 2 },
  ]);
  // A table without placement is placed evenly (every partition full, distinct members).
  for (const p of m.apps[1]!.partitions) assert.equal(new Set([p.primary, ...p.secondaries]).size, 2);
  assert.deepEqual(
    m.apps.map((a) => a.id),
    [2, 5],
  );
  assert.equal(m.apps[0]!.replicaBytes, 10 * MB);
  assert.equal(m.apps[1]!.replicaBytes, 1024 * MB);
  // Per-node counts follow the placement.
  assert.deepEqual(
    m
      .nodeCounts()
      .map((n) => [n.address, n.primaries])
      .slice(0, 4)
      .map(([a, p]) => [a, (p as number) - m.apps[1]!.partitions.filter((x) => m.addr(x.primary) === a).length]),
    [
      ['10.0.0.3:34801', 0],
      ['10.0.0.1:34801', 1],
      ['10.0.0.2:34801', 0],
      ['10.0.0.1:34802', 1],
    ],
  );
});

test('placement: the meta starts with the given settings; the node list is in rpc_address order', () => {
  const m = new SimModel(live);
  const l = m.leader!;
  assert.equal(l.storedLevel, Level.lively);
  assert.equal(l.assignDelayMs, 12345);
  assert.deepEqual(l.blackList, ['10.0.0.2:34801']);
  assert.equal(m.freezeVerdict().pct, 30);
  assert.equal(m.freezeVerdict().minLive, 2);
  assert.deepEqual(JSON.parse(runRemoteCommand(m, l.meta, 'meta.lb.assign_secondary_black_list', [])), {
    assign_secondary_black_list: '10.0.0.2:34801',
    error: 'ok',
  });
  assert.deepEqual(
    m.knownNodes().map((k) => m.nodes[k.idx]!.address),
    ['10.0.0.1:34801', '10.0.0.1:34802', '10.0.0.2:34801', '10.0.0.3:34801'],
  );
  // A new leader forgets the runtime black list, as the real meta does.
  m.killLeader();
  m.advance(10);
  assert.deepEqual(m.leader!.blackList, []);
});

test('placement: cure repairs the partition without a primary; a new node gets a free loopback address', () => {
  const m = new SimModel({ ...live, levelOnStart: 'steady', blackList: [] });
  m.advance(60);
  const p = m.apps[0]!.partitions[2]!;
  assert.ok(p.primary >= 0, 'a primary was elected');
  assert.equal(1 + p.secondaries.length, 3);
  assert.ok(m.metrics.bytesCopied >= 10 * MB && m.metrics.bytesCopied < 1024 * MB, 'the copy used the table replica size');
  const n = m.addNode();
  assert.equal(n.address, '127.0.0.1:34805');
  assert.equal(m.findNode('localhost:34805'), n);
  assert.equal(m.findNode('10.0.0.1:34802')!.idx, 3);
});

test('placement: default addresses accept indexes and 127.0.0.1/localhost spellings', () => {
  const m = new SimModel({
    nodes: 3,
    tables: [{ name: 't', partitions: 2, replicas: 3 }],
    placement: {
      t: [
        { primary: 0, secondaries: ['127.0.0.1:34802', 'localhost:34803'] },
        { primary: 2, secondaries: [] },
      ],
    },
  });
  assert.deepEqual(members(m, 't'), [
    { primary: '127.0.0.1:34801', secondaries: ['127.0.0.1:34802', '127.0.0.1:34803'], ballot: 3 },
    { primary: '127.0.0.1:34803', secondaries: [], ballot: 1 },
  ]);
  assert.equal(m.cfg.nodes, 3);
  assert.equal(
    new SimModel({ nodeAddresses: ['10.1.1.1:1', '10.1.1.2:1'], tables: [] }).nodes.length,
    2,
    'nodes defaults to the address count',
  );
});

function rejects(o: SimOptionsInput, ...patterns: RegExp[]): void {
  assert.throws(
    () => new SimModel(o),
    (e: Error) => {
      for (const p of patterns) assert.match(e.message, p);
      return true;
    },
  );
}

test('placement validation: every mistake is named with its path, value and the fix', () => {
  const base = { nodes: 3, tables: [{ name: 't', partitions: 2, replicas: 3 }] };
  rejects(
    {
      ...base,
      placement: {
        t: [
          { primary: 0, secondaries: [1, 7] },
          { primary: 0, secondaries: [] },
        ],
      },
    },
    /placement\.t\[0\]\.secondaries\[1\]: partition t\.0: node index 7 is not a replica server; valid: 0\.\.2 or 127\.0\.0\.1:34801 … 127\.0\.0\.1:34803/,
  );
  rejects(
    {
      ...base,
      placement: {
        t: [
          { primary: '10.9.9.9:1', secondaries: [] },
          { primary: 0, secondaries: [] },
        ],
      },
    },
    /placement\.t\[0\]\.primary: .*node "10\.9\.9\.9:1" is not a replica server/,
  );
  rejects(
    {
      ...base,
      placement: {
        t: [
          { primary: 0, secondaries: [1, 0] },
          { primary: 0, secondaries: [] },
        ],
      },
    },
    /placement\.t\[0\]\.secondaries\[1\]: partition t\.0: node 0 is listed twice/,
  );
  rejects(
    {
      ...base,
      placement: {
        t: [
          { primary: 0, secondaries: ['127.0.0.1:34801'] },
          { primary: 0, secondaries: [] },
        ],
      },
    },
    /listed twice/,
  );
  rejects(
    {
      ...base,
      tables: [{ name: 't', partitions: 2, replicas: 2 }],
      placement: {
        t: [
          { primary: 0, secondaries: [1, 2] },
          { primary: 0, secondaries: [] },
        ],
      },
    },
    /placement\.t\[0\]: partition t\.0 lists 3 replicas but the table keeps 2; remove 1/,
  );
  rejects(
    { ...base, placement: { t: [{ primary: 0, secondaries: [] }] } },
    /placement\.t: table 't' has 2 partitions but placement lists 1/,
  );
  rejects({ ...base, placement: { nosuch: [] } }, /placement\.nosuch: no table 'nosuch' in tables \(t\)/);
  rejects(
    { nodes: 2, tables: [{ name: 't', partitions: 1, replicas: 3 }], placement: { t: [{ primary: 0, secondaries: [1] }] } },
    /tables\[0\]\.replicas: table 't' wants 3 replicas but the cluster has only 2 replica server\(s\)/,
  );
  rejects({ nodeAddresses: ['10.0.0.1:1', '10.0.0.1:1'] }, /nodeAddresses\[1\]: 10\.0\.0\.1:1 is listed twice/);
  rejects({ nodes: 3, nodeAddresses: ['10.0.0.1:1'] }, /nodes: nodes is 3 but nodeAddresses lists 1/);
  rejects({ nodeAddresses: ['node1:34801'] }, /nodeAddresses\[0\]: expected an IPv4 "a\.b\.c\.d:port"/);
  rejects(
    {
      tables: [
        { name: 't', partitions: 1, replicas: 1, id: 3 },
        { name: 'u', partitions: 1, replicas: 1, id: 3 },
      ],
    },
    /tables\[1\]\.id: app id 3 is used twice/,
  );
  rejects(
    {
      tables: [
        { name: 't', partitions: 1, replicas: 1 },
        { name: 't', partitions: 1, replicas: 1 },
      ],
    },
    /tables\[1\]\.name: table 't' is listed twice/,
  );
  rejects(
    { ...base, placement: { t: [{ primary: 0, secondaries: [] }, { primary: 0, secondaries: [], extra: 1 } as never] } },
    /placement\.t\[1\]/,
  );
  rejects({ blackList: ['not an address'] }, /blackList\[0\]: expected "host:port"/);
  // Several mistakes are reported together.
  rejects(
    {
      ...base,
      placement: {
        t: [
          { primary: 5, secondaries: [] },
          { primary: 6, secondaries: [] },
        ],
      },
    },
    /index 5[\s\S]*index 6/,
  );
});

test('hostnames: the identity is the host name on 2.6 (node list in host_port order, black list, lookups)', () => {
  const m = new SimModel({
    version: '2.6',
    nodeAddresses: ['10.0.0.1:34801', '10.0.0.2:34801', '10.0.0.3:34801'],
    hostnames: ['zeta:34801', 'alpha:34801', 'mid:34801'],
    tables: [{ name: 't', partitions: 1, replicas: 3 }],
    placement: { t: [{ primary: 'zeta:34801', secondaries: ['alpha:34801', 2] }] },
    blackList: ['10.0.0.3:34801'],
  });
  assert.deepEqual(
    m.knownNodes().map((k) => m.ident(k.idx)),
    ['alpha:34801', 'mid:34801', 'zeta:34801'],
  );
  assert.deepEqual(m.leader!.blackList, ['mid:34801'], 'an ip:port entry of a known node is stored as its identity');
  assert.equal(m.findNode('alpha:34801')!.address, '10.0.0.2:34801');
  assert.equal(m.apps[0]!.partitions[0]!.primary, 0);
  // Without hostnames the identity stays ip:port, in rpc_address order (10.0.0.10 after 10.0.0.9).
  const plain = new SimModel({ version: '2.6', nodeAddresses: ['10.0.0.10:1', '10.0.0.9:2', '10.0.0.9:1'], tables: [] });
  assert.deepEqual(
    plain.knownNodes().map((k) => plain.ident(k.idx)),
    ['10.0.0.9:1', '10.0.0.9:2', '10.0.0.10:1'],
  );
  rejects({ version: '2.5', blackList: ['node1:34801'] }, /blackList\[0\]: 2\.5 black-list entries are IPv4/);
});

test('deadNodes: down and UNALIVE from the start, counted by the freeze rule; the leader cures their partitions', () => {
  const m = new SimModel({
    nodeAddresses: ['10.0.0.1:34801', '10.0.0.2:34801', '10.0.0.3:34801', '10.0.0.4:34801'],
    deadNodes: ['10.0.0.4:34801'],
    tables: [{ name: 't', partitions: 2, replicas: 3 }],
    placement: {
      t: [
        { primary: 3, secondaries: [0, 1] },
        { primary: 0, secondaries: [1, 2] },
      ],
    },
    livePercentage: 0,
    assignDelayMs: 0,
  });
  assert.deepEqual(
    m.knownNodes().map((k) => [m.addr(k.idx), k.alive]),
    [
      ['10.0.0.1:34801', true],
      ['10.0.0.2:34801', true],
      ['10.0.0.3:34801', true],
      ['10.0.0.4:34801', false],
    ],
  );
  assert.deepEqual([m.freezeVerdict().alive, m.freezeVerdict().dead], [3, 1]);
  assert.equal(m.nodes[3]!.running, false);
  // The meta removed the dead primary at once (above blind); the ground truth saw it down from t=0.
  const p = m.apps[0]!.partitions[0]!;
  assert.equal(p.primary as number, -1);
  assert.equal(m.groundTruth().partitionsWithoutPrimary, 1);
  m.advance(120);
  assert.ok(p.primary >= 0 && 1 + p.secondaries.length === 3, 'cured onto the alive nodes');
  assert.ok(![p.primary as number, ...p.secondaries].includes(3), 'no member on the dead node');
  assert.equal(
    m.log.filter((e) => e.kind === 'node' && e.event === 'dead').length,
    1,
    'declared dead once, not again by the start-up detection',
  );
  m.startNode(3);
  assert.deepEqual([m.freezeVerdict().alive, m.freezeVerdict().dead], [4, 0]);
  rejects({ nodes: 2, deadNodes: [2] }, /deadNodes\[0\]: node index 2 is not a replica server/);
  rejects({ nodes: 2, deadNodes: [1, '127.0.0.1:34802'] }, /deadNodes\[1\]: node "127\.0\.0\.1:34802" is listed twice/);
});
