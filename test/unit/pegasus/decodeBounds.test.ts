/**
 * Hostile replies cannot make the decoder allocate: every announced element count is checked against
 * the bytes left for the element's minimum size, a plausible maximum and a per-response budget,
 * before anything is built. Valid replies of real size still decode.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DecodeLimitError,
  decodeResponse,
  encodeResponse,
  isDecodeLimitError,
  PegasusError,
  readListNodesResponse,
  readQueryCfgResponse,
  RPC,
  ThriftReader,
  ThriftWriter,
  TType,
  writeNodeInfo,
  writeResponseFrame,
} from '../../../src/pegasus';
import type { DecodeLimitReason } from '../../../src/pegasus';
import { samplePartitions } from '../../support/fixtureCluster';

const MiB = 1024 * 1024;

/** A reply frame: result field 0, the response struct's err, then whatever `body` writes, then the STOPs. */
function reply(ackName: string, body: (w: ThriftWriter) => void): Buffer {
  return writeResponseFrame(ackName, 1, 'ERR_OK', (w) => {
    w.field(TType.STRUCT, 0);
    w.field(TType.STRUCT, 1);
    w.errorCode('ERR_OK');
    body(w);
    w.stop();
  });
}

function isLimit(field: string, count: number, reason: DecodeLimitReason) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof DecodeLimitError, `expected a DecodeLimitError, got ${String(e)}`);
    assert.ok(e instanceof PegasusError);
    assert.equal(e.code, 'ERR_INVALID_DATA');
    assert.equal(e.kind, 'wire');
    assert.equal(e.limit.field, field);
    assert.equal(e.limit.count, count);
    assert.equal(e.limit.reason, reason);
    assert.match(e.message, new RegExp(`the server sent ${count} elements for ${field.replace('.', '\\.')}, more than`));
    assert.match(e.hint, /not a Pegasus meta, or a corrupted reply/);
    return true;
  };
}

/** Runs `fn`, returning how long it took and how much the JS heap grew (a sanity bound, not a measurement). */
function measure(fn: () => void): { ms: number; heapGrowth: number } {
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  fn();
  return { ms: performance.now() - t0, heapGrowth: process.memoryUsage().heapUsed - heap0 };
}

test('a list header claiming 60 million tiny structs is refused from the header alone', () => {
  const frame = reply('RPC_CM_LIST_NODES_ACK', (w) => {
    w.field(TType.LIST, 2);
    w.list(TType.STRUCT, 60_000_000);
    w.stop();
  });
  const { ms, heapGrowth } = measure(() =>
    assert.throws(() => decodeResponse(RPC.listNodes, frame), isLimit('list_nodes.infos', 60_000_000, 'maximum')),
  );
  assert.ok(ms < 1000, `took ${ms} ms`);
  assert.ok(heapGrowth < 50 * MiB, `heap grew ${heapGrowth} bytes`);
});

test('a reply that really holds 60 million empty structs (under the 64 MiB cap) is refused quickly, memory bounded', () => {
  const count = 60_000_000;
  for (const [ack, rpc, fieldId, field] of [
    ['RPC_CM_LIST_NODES_ACK', RPC.listNodes, 2, 'list_nodes.infos'],
    ['RPC_CM_QUERY_PARTITION_CONFIG_BY_INDEX_ACK', RPC.queryConfig, 5, 'query_cfg.partitions'],
    ['RPC_CM_LIST_APPS_ACK', RPC.listApps, 2, 'list_apps.infos'],
  ] as const) {
    const frame = reply(ack, (w) => {
      w.field(TType.LIST, fieldId);
      w.list(TType.STRUCT, count);
      w.bytes(Buffer.alloc(count)); // each element a bare STOP: an empty struct
    });
    assert.ok(frame.length < 64 * MiB);
    const { ms, heapGrowth } = measure(() =>
      assert.throws(() => decodeResponse(rpc as typeof RPC.listNodes, frame), isLimit(field, count, 'maximum')),
    );
    assert.ok(ms < 5000, `${field}: took ${ms} ms`);
    assert.ok(heapGrowth < 300 * MiB, `${field}: heap grew ${heapGrowth} bytes`);
  }
});

test('a count under the maximum is still refused when the bytes cannot hold elements of real size', () => {
  // 9,000 node_info elements need at least 9,000 × 19 bytes; 9,000 empty structs are 9,000 bytes.
  const frame = reply('RPC_CM_LIST_NODES_ACK', (w) => {
    w.field(TType.LIST, 2);
    w.list(TType.STRUCT, 9_000);
    w.bytes(Buffer.alloc(9_000));
  });
  assert.throws(() => decodeResponse(RPC.listNodes, frame), isLimit('list_nodes.infos', 9_000, 'bytes'));
  // The same holds inside an element: a partition claiming 1,000 secondaries in a few bytes.
  const nested = reply('RPC_CM_QUERY_PARTITION_CONFIG_BY_INDEX_ACK', (w) => {
    w.field(TType.LIST, 5);
    w.list(TType.STRUCT, 1);
    w.field(TType.STRUCT, 1);
    w.gpid(1, 0);
    w.field(TType.I64, 2);
    w.i64(1);
    w.field(TType.LIST, 5);
    w.list(TType.STRUCT, 1_000);
    w.stop();
  });
  assert.throws(() => decodeResponse(RPC.queryConfig, nested), isLimit('partition_configuration.secondaries', 1_000, 'bytes'));
});

test('maps and string lists are bounded too (envs, cluster_info)', () => {
  const info = reply('RPC_CM_CLUSTER_INFO_ACK', (w) => {
    w.field(TType.LIST, 2);
    w.list(TType.STRING, 1_000_000);
    w.bytes(Buffer.alloc(4_000_000)); // a million empty strings
  });
  assert.throws(() => decodeResponse(RPC.clusterInfo, info), isLimit('cluster_info.keys', 1_000_000, 'maximum'));
  const envs = reply('RPC_CM_LIST_APPS_ACK', (w) => {
    w.field(TType.LIST, 2);
    w.list(TType.STRUCT, 1);
    w.field(TType.MAP, 6);
    w.map(TType.STRING, TType.STRING, 5_000);
    w.bytes(Buffer.alloc(100));
  });
  assert.throws(() => decodeResponse(RPC.listApps, envs), isLimit('app_info.envs', 5_000, 'bytes'));
});

test('an unknown field holding millions of elements costs the per-response budget', () => {
  const count = 40_000_000;
  const frame = reply('RPC_CM_LIST_NODES_ACK', (w) => {
    w.field(TType.LIST, 9);
    w.list(TType.BYTE, count);
    w.bytes(Buffer.alloc(count));
  });
  const { ms } = measure(() =>
    assert.throws(() => decodeResponse(RPC.listNodes, frame), isLimit('an unknown list field', count, 'budget')),
  );
  assert.ok(ms < 5000, `took ${ms} ms`);
});

test('the budget is per response: lists that each pass their bounds are refused together', () => {
  // 65,536 partitions (the maximum) × 31 secondaries: each list is plausible, together they pass 2M elements.
  const partitions = 65_536;
  const secondaries = 31;
  const aw = new ThriftWriter();
  aw.rpcAddress('10.0.0.1:34801');
  const address = Buffer.from(aw.finish());
  const body = (w: ThriftWriter): void => {
    w.field(TType.LIST, 5);
    w.list(TType.STRUCT, partitions);
    for (let i = 0; i < partitions; i++) {
      w.field(TType.STRUCT, 1);
      w.gpid(1, i);
      w.field(TType.I64, 2);
      w.i64(1);
      w.field(TType.LIST, 5);
      w.list(TType.STRUCT, secondaries);
      for (let s = 0; s < secondaries; s++) w.bytes(address);
      w.stop();
    }
  };
  const frame = reply('RPC_CM_QUERY_PARTITION_CONFIG_BY_INDEX_ACK', body);
  assert.throws(
    () => decodeResponse(RPC.queryConfig, frame),
    (e: unknown) => isDecodeLimitError(e) && e.limit.reason === 'budget' && e.limit.field === 'partition_configuration.secondaries',
  );
  // The budget belongs to the reader: the same struct under a larger one decodes whole.
  const w = new ThriftWriter();
  body(w);
  w.stop();
  const bytes = w.finish();
  const got = readQueryCfgResponse(new ThriftReader(bytes, 0, bytes.length, 3_000_000));
  assert.equal(got.partitions.length, partitions);
  assert.equal(got.partitions[partitions - 1]!.secondaries.length, secondaries);
});

test('a reader budget bounds what one decode may build', () => {
  const w = new ThriftWriter();
  w.field(TType.LIST, 2);
  w.list(TType.STRUCT, 10);
  for (let i = 0; i < 10; i++) writeNodeInfo(w, { status: 1, address: `10.0.0.${i + 1}:34801` });
  w.stop();
  const bytes = w.finish();
  assert.equal(readListNodesResponse(new ThriftReader(bytes)).infos.length, 10);
  assert.throws(() => readListNodesResponse(new ThriftReader(bytes, 0, bytes.length, 9)), isLimit('list_nodes.infos', 10, 'budget'));
});

test('replies of real size at the plausible maxima still decode', () => {
  const nodes = Array.from({ length: 10_000 }, (_, i) => ({ status: 1, address: `10.${i >> 8}.${i & 255}.1:34801` }));
  const n = encodeResponse(RPC.listNodes, { err: 'ERR_OK', infos: nodes }, { seqid: 1 });
  assert.equal(decodeResponse(RPC.listNodes, n).infos.length, 10_000);
  for (const version of ['2.5', '2.6'] as const) {
    const partitions = samplePartitions(2, 65_536, version);
    const q = encodeResponse(
      RPC.queryConfig,
      { err: 'ERR_OK', appId: 2, partitionCount: 65_536, isStateful: true, partitions },
      { seqid: 2, version },
    );
    const got = decodeResponse(RPC.queryConfig, q);
    assert.equal(got.partitions.length, 65_536);
    assert.deepEqual(got.partitions[65_535], partitions[65_535]);
  }
  const over = encodeResponse(RPC.listNodes, { err: 'ERR_OK', infos: [...nodes, { status: 1, address: '10.99.0.1:34801' }] }, { seqid: 3 });
  assert.throws(() => decodeResponse(RPC.listNodes, over), isLimit('list_nodes.infos', 10_001, 'maximum'));
});

test('the typed error survives the context the connection adds', () => {
  const e = new DecodeLimitError({ field: 'list_apps.infos', count: 7, reason: 'maximum', limit: 5 });
  const c = e.withContext('RPC_CM_LIST_APPS', '10.0.0.1:34601');
  assert.ok(c instanceof DecodeLimitError);
  assert.deepEqual(c.limit, e.limit);
  assert.equal(c.rpc, 'RPC_CM_LIST_APPS');
  assert.equal(c.address, '10.0.0.1:34601');
  assert.match(c.message, /^ERR_INVALID_DATA \(RPC_CM_LIST_APPS at 10\.0\.0\.1:34601\): the server sent 7 elements for list_apps\.infos/);
});
