import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeResponse,
  detectProtocol,
  encodeErrorResponse,
  encodeRequest,
  encodeResponse,
  FrameReader,
  PegasusError,
  RPC,
} from '../../../src/pegasus';

const resp1 = encodeResponse(RPC.controlMeta, { err: 'ERR_OK', oldLevel: 400 }, { seqid: 1 });
const resp2 = encodeErrorResponse('RPC_CM_FOO', 2, 'ERR_HANDLER_NOT_FOUND');
const req0 = encodeRequest(RPC.listNodes, { status: 0 }, { seqid: 1 });
const req1 = encodeRequest(RPC.queryConfig, { appName: 't', partitionIndices: [1] }, { seqid: 2, header: { version: 1 } });

function isWire(code: string) {
  return (e: unknown): boolean => e instanceof PegasusError && e.kind === 'wire' && e.code === code;
}

test('response frames split at every byte boundary and glued together come out whole', () => {
  const stream = Buffer.concat([resp1, resp2, resp1]);
  for (let step = 1; step <= stream.length; step++) {
    const reader = new FrameReader('response');
    const frames: Buffer[] = [];
    for (let i = 0; i < stream.length; i += step) frames.push(...reader.push(stream.subarray(i, i + step)));
    assert.deepEqual(
      frames.map((f) => f.toString('hex')),
      [resp1, resp2, resp1].map((f) => f.toString('hex')),
    );
    assert.equal(reader.bufferedBytes, 0);
  }
  assert.deepEqual(decodeResponse(RPC.controlMeta, resp1), { err: 'ERR_OK', oldLevel: 400 });
});

test('request frames v0 and v1, byte by byte; a half frame stays buffered', () => {
  const reader = new FrameReader('request');
  const out: Buffer[] = [];
  const stream = Buffer.concat([req0, req1]);
  for (let i = 0; i < stream.length - 1; i++) out.push(...reader.push(stream.subarray(i, i + 1)));
  assert.equal(out.length, 1);
  assert.equal(reader.bufferedBytes, req1.length - 1);
  out.push(...reader.push(stream.subarray(stream.length - 1)));
  assert.deepEqual(out, [req0, req1]);
});

test('size cap: a typed error from the header alone, and the reader stays failed', () => {
  const reader = new FrameReader('response', { maxFrameBytes: 16 });
  assert.throws(() => reader.push(resp1.subarray(0, 4)), isWire('ERR_CAPACITY_EXCEEDED'));
  assert.throws(() => reader.push(resp1.subarray(4)), isWire('ERR_CAPACITY_EXCEEDED'));
  const rq = new FrameReader('request', { maxFrameBytes: 60 });
  assert.throws(() => rq.push(req1.subarray(0, 16)), isWire('ERR_CAPACITY_EXCEEDED'));
});

test('malformed headers are typed errors', () => {
  assert.throws(() => new FrameReader('response').push(Buffer.from([0, 0, 0, 3])), isWire('ERR_INVALID_DATA'));
  assert.throws(() => new FrameReader('response').push(Buffer.from([0xff, 0, 0, 0])), isWire('ERR_INVALID_DATA'));
  assert.throws(() => new FrameReader('request').push(Buffer.from('GET / HTTP/1.1\r\n')), isWire('ERR_INVALID_DATA'));
  const badLen = Buffer.from(req0);
  badLen.writeUInt32BE(47, 8);
  assert.throws(() => new FrameReader('request').push(badLen), isWire('ERR_INVALID_DATA'));
  const badVer = Buffer.from(req0);
  badVer.writeUInt32BE(2, 4);
  assert.throws(() => new FrameReader('request').push(badVer), isWire('ERR_INVALID_DATA'));
});

test('an HTTP answer on a THFT connection is named as such', () => {
  assert.throws(
    () => new FrameReader('response').push(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n')),
    (e: unknown) => isWire('ERR_INVALID_DATA')(e) && /HTTP/.test((e as PegasusError).detail),
  );
});

test('detectProtocol picks the parser from the first 4 bytes', () => {
  assert.equal(detectProtocol(req0), 'thrift');
  assert.equal(detectProtocol(Buffer.from('GET /meta/nodes')), 'http');
  assert.equal(detectProtocol(Buffer.from('POST /x')), 'http');
  assert.equal(detectProtocol(Buffer.from('RDSN')), 'unknown');
});
