import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeArgs,
  decodeRequest,
  decodeResponse,
  decodeResponseFrame,
  encodeErrorResponse,
  encodeRequest,
  encodeResponse,
  PegasusError,
  RPC,
  ThriftReader,
  ThriftWriter,
  writePartitionConfiguration,
  readPartitionConfiguration,
} from '../../../src/pegasus';

/** Parses the spec's hex dumps: drops the "0000:" offsets and anything after the hex columns. */
function hex(dump: string): Buffer {
  const bytes: string[] = [];
  for (const line of dump.trim().split('\n')) {
    const body = line.replace(/^\s*[0-9a-f]{4}:\s*/i, '');
    for (const tok of body.split(/\s+/)) {
      if (/^[0-9a-f]{2}$/i.test(tok)) bytes.push(tok);
      else break;
    }
  }
  return Buffer.from(bytes.join(''), 'hex');
}

const VEC_A = hex(`
0000: 54 48 46 54 00 00 00 00 00 00 00 30 00 00 00 00
0010: 00 00 00 4a 00 00 00 00 00 00 00 00 00 00 00 00
0020: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
0030: 80 01 00 01 00 00 00 26 52 50 43 5f 43 4d 5f 51
0040: 55 45 52 59 5f 50 41 52 54 49 54 49 4f 4e 5f 43
0050: 4f 4e 46 49 47 5f 42 59 5f 49 4e 44 45 58 00 00
0060: 00 01 0c 00 01 0b 00 01 00 00 00 04 74 65 6d 70
0070: 0f 00 02 08 00 00 00 00 00 00`);

const VEC_B = hex(`
0000: 54 48 46 54 00 00 00 00 00 00 00 30 00 00 00 00
0010: 00 00 00 29 00 00 00 00 00 00 00 00 00 00 00 00
0020: 00 00 13 88 00 00 00 00 00 00 00 00 00 00 00 00
0030: 80 01 00 01 00 00 00 11 52 50 43 5f 43 4d 5f 4c
0040: 49 53 54 5f 4e 4f 44 45 53 00 00 00 01 0c 00 01
0050: 08 00 01 00 00 00 00 00 00`);

const VEC_C_HEAD = hex(`
0000: 54 48 46 54 00 00 00 01 00 00 00 25 00 00 00 29
0010: 08 00 01 00 00 00 00 08 00 02 00 00 00 00 08 00
0020: 03 00 00 13 88 0a 00 04 00 00 00 00 00 00 00 00
0030: 02 00 05 00 00`);

const VEC_D = hex(`
0000: 00 00 00 6f 00 00 00 06 45 52 52 5f 4f 4b 80 01
0010: 00 02 00 00 00 15 52 50 43 5f 43 4d 5f 4c 49 53
0020: 54 5f 4e 4f 44 45 53 5f 41 43 4b 00 00 00 01 0c
0030: 00 00 0c 00 01 00 00 00 06 45 52 52 5f 4f 4b 0f
0040: 00 02 0c 00 00 00 02 08 00 01 00 00 00 01 0c 00
0050: 02 0a 00 00 01 87 f1 00 01 00 08 00 01 00 00 00
0060: 02 0c 00 02 0a 00 00 02 87 f1 00 01 00 00 00`);

const VEC_E = hex(`
0000: 00 00 00 37 00 00 00 15 45 52 52 5f 48 41 4e 44
0010: 4c 45 52 5f 4e 4f 54 5f 46 4f 55 4e 44 80 01 00
0020: 02 00 00 00 0e 52 50 43 5f 43 4d 5f 46 4f 4f 5f
0030: 41 43 4b 00 00 00 03`);

// (f) is shown with lines 0x20-0x3f elided; the visible lines are checked.
const VEC_F_HEAD = hex(`
0000: 00 00 00 ca 00 00 00 06 45 52 52 5f 4f 4b 80 01
0010: 00 02 00 00 00 2a 52 50 43 5f 43 4d 5f 51 55 45`);
const VEC_F_TAIL = hex(`
0040: 00 00 00 07 0c 00 00 0c 00 01 00 00 00 15 45 52
0050: 52 5f 46 4f 52 57 41 52 44 5f 54 4f 5f 4f 54 48
0060: 45 52 53 08 00 02 00 00 00 00 08 00 03 00 00 00
0070: 00 02 00 04 00 0f 00 05 0c 00 00 00 01 0c 00 01
0080: 00 00 00 00 00 00 00 00 0a 00 02 00 00 00 00 00
0090: 00 00 00 08 00 03 00 00 00 00 0c 00 04 0a 00 00
00a0: 02 87 29 00 01 0f 00 05 0c 00 00 00 00 0f 00 06
00b0: 0c 00 00 00 00 0a 00 07 00 00 00 00 00 00 00 00
00c0: 08 00 08 00 00 00 00 00 00 00`);

test('query_cfg request for "temp", v0, seqid 1: 122 bytes byte for byte', () => {
  assert.equal(VEC_A.length, 122);
  const got = encodeRequest(RPC.queryConfig, { appName: 'temp', partitionIndices: [] }, { seqid: 1 });
  assert.equal(got.toString('hex'), VEC_A.toString('hex'));
  const rf = decodeRequest(VEC_A);
  assert.equal(rf.name, 'RPC_CM_QUERY_PARTITION_CONFIG_BY_INDEX');
  assert.equal(rf.seqid, 1);
  assert.equal(rf.header.version, 0);
  assert.deepEqual(decodeArgs(RPC.queryConfig, rf), { appName: 'temp', partitionIndices: [] });
});

test('list_nodes request, timeout 5000: 89 bytes byte for byte', () => {
  const got = encodeRequest(RPC.listNodes, { status: 0 }, { seqid: 1, header: { clientTimeoutMs: 5000 } });
  assert.equal(got.length, 89);
  assert.equal(got.toString('hex'), VEC_B.toString('hex'));
  const rf = decodeRequest(VEC_B);
  assert.equal(rf.header.clientTimeoutMs, 5000);
  assert.deepEqual(decodeArgs(RPC.listNodes, rf), { status: 0 });
});

test('the same with a v1 header as Java writes it: 94 bytes', () => {
  const got = encodeRequest(RPC.listNodes, { status: 0 }, { seqid: 1, header: { version: 1, clientTimeoutMs: 5000 } });
  assert.equal(got.length, 94);
  assert.equal(got.subarray(0, VEC_C_HEAD.length).toString('hex'), VEC_C_HEAD.toString('hex'));
  // body identical to (b)
  assert.equal(got.subarray(16 + 37).toString('hex'), VEC_B.subarray(48).toString('hex'));
  const rf = decodeRequest(got);
  assert.equal(rf.header.version, 1);
  assert.equal(rf.header.clientTimeoutMs, 5000);
  assert.equal(rf.header.isBackupRequest, false);
  assert.deepEqual(decodeArgs(RPC.listNodes, rf), { status: 0 });
});

test('list_nodes response (≤2.5): decode and re-encode byte for byte', () => {
  assert.equal(VEC_D.length, 111);
  const resp = decodeResponse(RPC.listNodes, VEC_D);
  assert.deepEqual(resp, {
    err: 'ERR_OK',
    infos: [
      { status: 1, address: '10.0.0.1:34801' },
      { status: 2, address: '10.0.0.2:34801' },
    ],
  });
  const again = encodeResponse(RPC.listNodes, resp, { seqid: 1, version: '2.5' });
  assert.equal(again.toString('hex'), VEC_D.toString('hex'));
});

test('unknown RPC: ERR_HANDLER_NOT_FOUND with no body, 55 bytes', () => {
  const got = encodeErrorResponse('RPC_CM_FOO', 3, 'ERR_HANDLER_NOT_FOUND');
  assert.equal(got.toString('hex'), VEC_E.toString('hex'));
  const rf = decodeResponseFrame(VEC_E);
  assert.equal(rf.errorName, 'ERR_HANDLER_NOT_FOUND');
  assert.equal(rf.seqid, 3);
  assert.equal(rf.bodyOffset, VEC_E.length);
  assert.throws(
    () => decodeResponse(RPC.listNodes, VEC_E),
    (e: unknown) => e instanceof PegasusError && e.code === 'ERR_HANDLER_NOT_FOUND' && e.kind === 'rpc',
  );
});

test('follower reply to query_cfg with the leader hint: 202 bytes', () => {
  const resp = {
    err: 'ERR_FORWARD_TO_OTHERS',
    appId: 0,
    partitionCount: 0,
    isStateful: false,
    partitions: [
      {
        pid: { appId: 0, partitionIndex: 0 },
        ballot: 0,
        maxReplicaCount: 0,
        primary: '10.0.0.2:34601',
        secondaries: [],
        lastDrops: [],
        lastCommittedDecree: 0,
        partitionFlags: 0,
      },
    ],
  };
  const got = encodeResponse(RPC.queryConfig, resp, { seqid: 7, version: '2.5' });
  assert.equal(got.length, 202);
  assert.equal(got.subarray(0, 0x20).toString('hex'), VEC_F_HEAD.toString('hex'));
  assert.equal(got.subarray(0x40).toString('hex'), VEC_F_TAIL.toString('hex'));
  assert.deepEqual(decodeResponse(RPC.queryConfig, got), resp);
});

test('partition_configuration, master encoding with hp_*: 126 bytes', () => {
  const expected = Buffer.from(
    (
      '0c0001 0000000000000002 0a0002 0000000000000003 080003 00000003 ' +
      '0c0004 0a00000187f10001 0f0005 0c 00000001 0a00000287f10001 ' +
      '0f0006 0c 00000000 0a0007 0000000000000064 080008 00000000 ' +
      '0c0009 00000005 6e6f646531 87f1 01 ' +
      '0f000a 0c 00000001 00000005 6e6f646532 87f1 01 0f000b 0c 00000000 00'
    ).replace(/\s+/g, ''),
    'hex',
  );
  assert.equal(expected.length, 126);
  const pc = {
    pid: { appId: 2, partitionIndex: 0 },
    ballot: 3,
    maxReplicaCount: 3,
    primary: '10.0.0.1:34801',
    secondaries: ['10.0.0.2:34801'],
    lastDrops: [],
    lastCommittedDecree: 100,
    partitionFlags: 0,
    hpPrimary: 'node1:34801',
    hpSecondaries: ['node2:34801'],
    hpLastDrops: [],
  };
  const w = new ThriftWriter();
  writePartitionConfiguration(w, pc);
  assert.equal(w.finish().toString('hex'), expected.toString('hex'));
  assert.deepEqual(readPartitionConfiguration(new ThriftReader(expected)), pc);
});

test('remote command request body and master reply body', () => {
  const req = encodeRequest(RPC.remoteCommand, { cmd: 'meta.live_percentage', arguments: [] }, { seqid: 9 });
  const body = Buffer.from(
    '80010001' +
      '00000010' +
      Buffer.from('RPC_CLI_CLI_CALL').toString('hex') +
      '00000009' +
      '0c0001' +
      '0b0001' +
      '00000014' +
      Buffer.from('meta.live_percentage').toString('hex') +
      '0f00020b00000000' +
      '00' +
      '00',
    'hex',
  );
  assert.equal(req.subarray(48).toString('hex'), body.toString('hex'));
  const text = '{\n  "error": "ok",\n  "meta.live_percentage": "65"\n}';
  assert.equal(Buffer.byteLength(text), 0x33);
  const resp = encodeResponse(RPC.remoteCommand, text, { seqid: 9 });
  const rf = decodeResponseFrame(resp);
  assert.equal(resp.subarray(rf.bodyOffset).toString('hex'), '0b0000' + '00000033' + Buffer.from(text).toString('hex') + '00');
  assert.equal(decodeResponse(RPC.remoteCommand, resp), text);
});

test('rpc_address, gpid and host_port bit layouts', () => {
  const w = new ThriftWriter();
  w.rpcAddress('127.0.0.1:34601');
  w.gpid(2, 5);
  w.gpid(-1, 0);
  w.hostPort('node1:34801');
  w.hostPort('');
  assert.equal(
    w.finish().toString('hex'),
    '7f00000187290001' + '0000000500000002' + '00000000ffffffff' + '000000056e6f64653187f101' + '00000000000000',
  );
  const r = new ThriftReader(Buffer.from(w.finish()));
  assert.equal(r.rpcAddress(), '127.0.0.1:34601');
  assert.deepEqual(r.gpid(), { appId: 2, partitionIndex: 5 });
  assert.deepEqual(r.gpid(), { appId: -1, partitionIndex: 0 });
  assert.equal(r.hostPort(), 'node1:34801');
  assert.equal(r.hostPort(), '');
  assert.equal(new ThriftReader(Buffer.alloc(8)).rpcAddress(), '');
});
