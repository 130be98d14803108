import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeArgs,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  readAppInfo,
  readMessageBegin,
  readNodeInfo,
  RPC,
  ThriftReader,
  ThriftWriter,
  writeAppInfo,
  type AppInfo,
  type BalancerRequest,
  type PartitionConfiguration,
} from '../../../src/pegasus';

const pc26: PartitionConfiguration = {
  pid: { appId: 7, partitionIndex: 1023 },
  ballot: 2 ** 40 + 5,
  maxReplicaCount: 3,
  primary: '192.168.1.254:65535',
  secondaries: ['10.0.0.2:34801', '10.0.0.3:1'],
  lastDrops: ['10.0.0.9:34801'],
  lastCommittedDecree: 123456789012,
  partitionFlags: 1,
  hpPrimary: 'host-a.example.com:65535',
  hpSecondaries: ['b:34801', ''],
  hpLastDrops: ['gone:34801'],
};
const { hpPrimary: _a, hpSecondaries: _b, hpLastDrops: _c, ...pc25 } = pc26;

const app26: AppInfo = {
  status: 1,
  appType: 'pegasus',
  appName: 'usertable',
  appId: 7,
  partitionCount: 1024,
  envs: { 'manual_compact.once.trigger_time': '1700000000', 'a b': 'ü', ['__proto__']: 'x' } as Record<string, string>,
  isStateful: true,
  maxReplicaCount: 3,
  expireSecond: 0,
  createSecond: 1_700_000_000,
  dropSecond: -1,
  duplicating: true,
  initPartitionCount: 1024,
  isBulkLoading: false,
  atomicIdempotent: true,
};
const { atomicIdempotent: _d, ...app25 } = app26;

const balancer26: BalancerRequest = {
  gpid: { appId: 7, partitionIndex: 3 },
  actionList: [
    { target: '10.0.0.1:34801', node: '10.0.0.2:34801', type: 3, hpTarget: 'n1:34801', hpNode: 'n2:34801' },
    { target: '', node: '10.0.0.3:34801', type: 7 },
  ],
  force: true,
  balanceType: 2,
};

type Case = { name: string; rpc: (typeof RPC)[keyof typeof RPC]; req: unknown; resp: unknown; req25?: unknown; resp25?: unknown };
const cases: Case[] = [
  {
    name: 'list_nodes',
    rpc: RPC.listNodes,
    req: { status: 1 },
    resp: {
      err: 'ERR_OK',
      infos: [
        { status: 1, address: '10.0.0.1:34801', hpAddress: 'node1:34801' },
        { status: 2, address: '', hpAddress: '' },
      ],
    },
    resp25: {
      err: 'ERR_OK',
      infos: [
        { status: 1, address: '10.0.0.1:34801' },
        { status: 2, address: '' },
      ],
    },
  },
  {
    name: 'list_apps',
    rpc: RPC.listApps,
    req: { status: 0, appNamePattern: 'user', matchType: 4 },
    req25: { status: 0 },
    resp: { err: 'ERR_OK', infos: [app26], hintMessage: 'bad regex' },
    resp25: { err: 'ERR_OK', infos: [app25] },
  },
  {
    name: 'query_cfg',
    rpc: RPC.queryConfig,
    req: { appName: 'usertable', partitionIndices: [0, 5, -1] },
    resp: { err: 'ERR_OK', appId: 7, partitionCount: 1024, isStateful: true, partitions: [pc26] },
    resp25: { err: 'ERR_OK', appId: 7, partitionCount: 1024, isStateful: true, partitions: [pc25] },
  },
  {
    name: 'cluster_info',
    rpc: RPC.clusterInfo,
    req: {},
    resp: { err: 'ERR_OK', keys: ['meta_servers', 'balance_operation_count'], values: ['a:1,b:2', '{\n  "copy_pri": 0\n}'] },
  },
  { name: 'control_meta', rpc: RPC.controlMeta, req: { level: 10000 }, resp: { err: 'ERR_OK', oldLevel: 400 } },
  {
    name: 'remote command',
    rpc: RPC.remoteCommand,
    req: { cmd: 'meta.lb.ignored_app_list', arguments: ['get'] },
    resp: 'ignored_app_id_list: 1,2\0',
  },
  {
    name: 'propose_balancer',
    rpc: RPC.proposeBalancer,
    req: balancer26,
    req25: {
      ...balancer26,
      actionList: [
        { target: '10.0.0.1:34801', node: '10.0.0.2:34801', type: 3 },
        { target: '', node: '10.0.0.3:34801', type: 7 },
      ],
    },
    resp: { err: 'ERR_INVALID_PARAMETERS' },
  },
];

for (const c of cases) {
  for (const version of ['2.6', '2.5'] as const) {
    test(`round trip ${c.name} (${version}): request and response, both directions`, () => {
      const rpc = c.rpc as typeof RPC.listNodes;
      const wantReq = version === '2.5' ? (c.req25 ?? c.req) : c.req;
      const wantResp = version === '2.5' ? (c.resp25 ?? c.resp) : c.resp;
      for (const hdr of [0, 1] as const) {
        const frame = encodeRequest(rpc, c.req as never, { seqid: 42, version, header: { version: hdr, clientTimeoutMs: 1000 } });
        const rf = decodeRequest(frame);
        assert.equal(rf.name, rpc.name);
        assert.equal(rf.seqid, 42);
        assert.deepEqual(decodeArgs(rpc, rf), wantReq);
      }
      const resp = encodeResponse(rpc, c.resp as never, { seqid: 42, version });
      assert.deepEqual(decodeResponse(rpc, resp), wantResp);
      // 2.6 decoders read 2.5 bytes (absent hp_* tolerated) and re-encode them identically.
      assert.deepEqual(encodeResponse(rpc, decodeResponse(rpc, resp), { seqid: 42, version }), resp);
    });
  }
}

test('app_info envs keep an "__proto__" key as data', () => {
  const w = new ThriftWriter();
  writeAppInfo(w, app26);
  const back = readAppInfo(new ThriftReader(Buffer.from(w.finish())));
  assert.equal(Object.getPrototypeOf(back.envs), Object.prototype);
  assert.deepEqual(Object.keys(back.envs), Object.keys(app26.envs));
  assert.equal(back.envs['__proto__'], 'x');
});

test('non-strict TMessageBegin (name, i8 type, seqid) is accepted', () => {
  const strict = encodeRequest(RPC.listNodes, { status: 2 }, { seqid: 5 });
  const w = new ThriftWriter();
  w.string('RPC_CM_LIST_NODES');
  w.u8(1);
  w.i32(5);
  const oldBegin = Buffer.from(w.finish());
  const r = new ThriftReader(strict, 48);
  readMessageBegin(r);
  const rest = strict.subarray(r.pos);
  const body = Buffer.concat([oldBegin, rest]);
  const frame = Buffer.concat([strict.subarray(0, 48), body]);
  frame.writeUInt32BE(body.length, 16);
  const rf = decodeRequest(frame);
  assert.deepEqual([rf.name, rf.seqid, rf.messageType], ['RPC_CM_LIST_NODES', 5, 1]);
  assert.deepEqual(decodeArgs(RPC.listNodes, rf), { status: 2 });
});

test('unknown fields of ordinary types are skipped; placeholder fields are read whatever their type byte', () => {
  const w = new ThriftWriter();
  w.field(8, 1);
  w.i32(1);
  w.field(11, 99); // unknown string field
  w.string('future');
  w.field(15, 98); // unknown list<i64>
  w.list(10, 2);
  w.i64(1);
  w.i64(2);
  w.field(10, 2); // rpc_address declared as i64 instead of 12: still decoded as an address
  w.rpcAddress('1.2.3.4:5');
  w.stop();
  const r = new ThriftReader(Buffer.from(w.finish()));
  assert.deepEqual(readNodeInfo(r), { status: 1, address: '1.2.3.4:5' });
  assert.equal(r.remaining, 0);
});
