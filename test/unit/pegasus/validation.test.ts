/** Every decoded response passes its zod schema before callers see it: shapes that decode but are wrong are typed errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as RPCS from '../../../src/pegasus';
import { decodeResponse, PegasusError, RPC, TType, writeResponseFrame } from '../../../src/pegasus';

function isInvalid(re: RegExp) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof PegasusError);
    assert.equal(e.code, 'ERR_INVALID_DATA');
    assert.equal(e.kind, 'wire');
    assert.match(e.detail, re);
    return true;
  };
}

test('an err that is not an rDSN error name is rejected by the schema', () => {
  const frame = writeResponseFrame('RPC_CM_CONTROL_META_ACK', 1, 'ERR_OK', (w) => {
    w.field(TType.STRUCT, 0);
    w.field(TType.STRUCT, 1);
    w.errorCode('not an error');
    w.field(TType.I32, 2);
    w.i32(400);
    w.stop();
  });
  assert.throws(() => decodeResponse(RPC.controlMeta, frame), isInvalid(/err: expected an rDSN error name/));
});

test('cluster_info with keys and values of different lengths is rejected', () => {
  const frame = writeResponseFrame('RPC_CM_CLUSTER_INFO_ACK', 1, 'ERR_OK', (w) => {
    w.field(TType.STRUCT, 0);
    w.field(TType.STRUCT, 1);
    w.errorCode('ERR_OK');
    w.field(TType.LIST, 2);
    w.list(TType.STRING, 2);
    w.string('a');
    w.string('b');
    w.field(TType.LIST, 3);
    w.list(TType.STRING, 1);
    w.string('1');
    w.stop();
  });
  assert.throws(() => decodeResponse(RPC.clusterInfo, frame), isInvalid(/keys and values differ/));
});

test('an i64 beyond 2^53 (would be rounded) is rejected rather than silently altered', () => {
  const frame = writeResponseFrame('RPC_CM_QUERY_PARTITION_CONFIG_BY_INDEX_ACK', 1, 'ERR_OK', (w) => {
    w.field(TType.STRUCT, 0);
    w.field(TType.STRUCT, 1);
    w.errorCode('ERR_OK');
    w.field(TType.LIST, 5);
    w.list(TType.STRUCT, 1);
    // A partition carries at least its pid and ballot (the decoder's size bound counts on both).
    w.field(TType.STRUCT, 1);
    w.gpid(1, 0);
    w.field(TType.I64, 2);
    w.i64(2n ** 60n);
    w.stop();
    w.stop();
  });
  assert.throws(() => decodeResponse(RPC.queryConfig, frame), isInvalid(/partitions\.0\.ballot/));
});

test('negative partition_count, missing result field and trailing bytes are typed errors', () => {
  const neg = writeResponseFrame('X_ACK', 1, 'ERR_OK', (w) => {
    w.field(TType.STRUCT, 0);
    w.field(TType.STRUCT, 1);
    w.errorCode('ERR_OK');
    w.field(TType.I32, 3);
    w.i32(-5);
    w.stop();
  });
  assert.throws(() => decodeResponse(RPC.queryConfig, neg), isInvalid(/partitionCount/));
  const empty = writeResponseFrame('X_ACK', 1, 'ERR_OK', () => undefined);
  assert.throws(() => decodeResponse(RPC.listNodes, empty), isInvalid(/carries no result/));
  const wrongType = writeResponseFrame('X_ACK', 1, 'ERR_OK', (w) => {
    w.field(TType.STRUCT, 0);
    w.stop();
  });
  assert.throws(() => decodeResponse(RPC.remoteCommand, wrongType), isInvalid(/type 12, expected 11/));
  const trailing = Buffer.concat([
    writeResponseFrame('X_ACK', 1, 'ERR_OK', (w) => {
      w.field(TType.STRING, 0);
      w.string('OK');
    }),
    Buffer.from([1, 2]),
  ]);
  trailing.writeInt32BE(trailing.length, 0);
  assert.throws(() => decodeResponse(RPC.remoteCommand, trailing), isInvalid(/trailing bytes/));
});

test('requests are validated before encoding: bad values are usage errors naming the field', () => {
  const { encodeRequest, encodeResponse } = RPCS;
  assert.throws(
    () => encodeRequest(RPC.controlMeta, { level: 2 ** 40 }, { seqid: 1 }),
    (e: unknown) => e instanceof PegasusError && e.kind === 'usage' && e.code === 'ERR_INVALID_PARAMETERS' && /level/.test(e.detail),
  );
  assert.throws(
    () =>
      encodeRequest(
        RPC.proposeBalancer,
        { gpid: { appId: 1, partitionIndex: 0 }, actionList: [{ target: 'node1:34801', node: '', type: 3 }] },
        { seqid: 1 },
      ),
    (e: unknown) => e instanceof PegasusError && e.kind === 'usage' && /IPv4/.test(e.detail),
  );
  assert.throws(
    () => encodeResponse(RPC.controlMeta, { err: 'ERR_OK', oldLevel: 1.5 }, { seqid: 1 }),
    (e: unknown) => e instanceof PegasusError && e.kind === 'usage',
  );
});
