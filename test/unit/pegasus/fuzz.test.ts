import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeArgs,
  decodeRequest,
  decodeResponse,
  encodeErrorResponse,
  encodeRequest,
  encodeResponse,
  FrameReader,
  PegasusError,
  RPC,
  RPC_BY_NAME,
} from '../../../src/pegasus';
import { sampleApp, samplePartitions } from '../../support/fixtureCluster';
import { seededRandom } from '../../../src/simulator/model/rng';

const rpcs = Object.values(RPC);
const responses: Buffer[] = [];
const requests: Buffer[] = [];
for (const version of ['2.5', '2.6'] as const) {
  responses.push(
    encodeResponse(
      RPC.listNodes,
      { err: 'ERR_OK', infos: [{ status: 1, address: '10.0.0.1:34801', hpAddress: 'n1:34801' }] },
      { seqid: 1, version },
    ),
    encodeResponse(RPC.listApps, { err: 'ERR_OK', infos: [sampleApp('temp', 2, 4, version)], hintMessage: 'h' }, { seqid: 2, version }),
    encodeResponse(
      RPC.queryConfig,
      { err: 'ERR_OK', appId: 2, partitionCount: 3, isStateful: true, partitions: samplePartitions(2, 3, version) },
      { seqid: 3, version },
    ),
    encodeResponse(RPC.clusterInfo, { err: 'ERR_OK', keys: ['a', 'b'], values: ['1', '2'] }, { seqid: 4, version }),
    encodeResponse(RPC.controlMeta, { err: 'ERR_OK', oldLevel: 400 }, { seqid: 5, version }),
    encodeResponse(RPC.remoteCommand, '{"error":"ok"}', { seqid: 6, version }),
    encodeResponse(RPC.proposeBalancer, { err: 'ERR_OK' }, { seqid: 7, version }),
  );
  for (const hdr of [0, 1] as const) {
    const o = { seqid: 9, version, header: { version: hdr } };
    requests.push(
      encodeRequest(RPC.listNodes, { status: 1 }, o),
      encodeRequest(RPC.listApps, { status: 0, appNamePattern: 'x', matchType: 2 }, o),
      encodeRequest(RPC.queryConfig, { appName: 'temp', partitionIndices: [1, 2] }, o),
      encodeRequest(RPC.clusterInfo, {}, o),
      encodeRequest(RPC.controlMeta, { level: 10000 }, o),
      encodeRequest(RPC.remoteCommand, { cmd: 'help', arguments: ['a'] }, o),
      encodeRequest(
        RPC.proposeBalancer,
        { gpid: { appId: 1, partitionIndex: 2 }, actionList: [{ target: '', node: '1.2.3.4:5', type: 3, hpNode: 'a:5' }], force: true },
        o,
      ),
    );
  }
}
responses.push(encodeErrorResponse('RPC_CM_FOO', 3, 'ERR_HANDLER_NOT_FOUND'));

function mutate(src: Buffer, rnd: () => number): Buffer {
  const b = Buffer.from(src);
  const kind = Math.floor(rnd() * 7);
  const at = Math.floor(rnd() * b.length);
  switch (kind) {
    case 0: // flip bits
      for (let i = 0, n = 1 + Math.floor(rnd() * 4); i < n; i++) b[Math.floor(rnd() * b.length)]! ^= 1 << Math.floor(rnd() * 8);
      return b;
    case 1: // interesting byte
      b[at] = [0, 0xff, 0x7f, 0x80, 0x0c, 0x0b, 0x0f, 0x01][Math.floor(rnd() * 8)]!;
      return b;
    case 2: // truncate
      return b.subarray(0, at);
    case 3: // big/negative i32 somewhere (lengths, counts)
      if (at + 4 <= b.length) b.writeInt32BE([0x7fffffff, -1, -0x80000000, 0x10000, b.length][Math.floor(rnd() * 5)]!, at);
      return b;
    case 4: // insert random bytes
      return Buffer.concat([
        b.subarray(0, at),
        Buffer.from(Array.from({ length: 1 + Math.floor(rnd() * 8) }, () => Math.floor(rnd() * 256))),
        b.subarray(at),
      ]);
    case 5: // delete a span
      return Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + Math.floor(rnd() * 8)))]);
    default: // random garbage of the same length
      return Buffer.from(Array.from({ length: b.length }, () => Math.floor(rnd() * 256)));
  }
}

function typedOnly(fn: () => void, input: Buffer): 'ok' | 'err' {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (!(e instanceof PegasusError)) assert.fail(`untyped ${String(e)} for ${input.toString('hex')}`);
    assert.ok(['wire', 'rpc'].includes(e.kind), e.message);
    return 'err';
  }
}

test('fuzz: 12,000 mutated/random response frames → values or typed errors only', () => {
  const rnd = seededRandom(0x5eed);
  let ok = 0;
  let err = 0;
  for (let i = 0; i < 12_000; i++) {
    const base = responses[Math.floor(rnd() * responses.length)]!;
    const input =
      rnd() < 0.1 ? Buffer.from(Array.from({ length: Math.floor(rnd() * 64) }, () => Math.floor(rnd() * 256))) : mutate(base, rnd);
    // through the streaming reader, in random chunks
    const reader = new FrameReader('response', { maxFrameBytes: 1 << 16 });
    const frames: Buffer[] = [];
    typedOnly(() => {
      for (let p = 0; p < input.length;) {
        const n = 1 + Math.floor(rnd() * 40);
        frames.push(...reader.push(input.subarray(p, p + n)));
        p += n;
      }
    }, input);
    // and the message decoders, on the raw bytes and on whatever frames were cut
    for (const f of [input, ...frames]) {
      const rpc = rpcs[Math.floor(rnd() * rpcs.length)]!;
      if (typedOnly(() => decodeResponse(rpc as typeof RPC.listNodes, f), f) === 'ok') ok++;
      else err++;
    }
  }
  assert.ok(err > 1000 && ok > 100, `ok=${ok} err=${err}`);
});

test('fuzz: 12,000 mutated/random request frames → values or typed errors only', () => {
  const rnd = seededRandom(0xfeed);
  let ok = 0;
  let err = 0;
  for (let i = 0; i < 12_000; i++) {
    const base = requests[Math.floor(rnd() * requests.length)]!;
    const input = mutate(base, rnd);
    const reader = new FrameReader('request', { maxFrameBytes: 1 << 16 });
    typedOnly(() => reader.push(input), input);
    const outcome = typedOnly(() => {
      const rf = decodeRequest(input);
      const rpc = RPC_BY_NAME.get(rf.name) ?? rpcs[Math.floor(rnd() * rpcs.length)]!;
      decodeArgs(rpc, rf);
    }, input);
    if (outcome === 'ok') ok++;
    else err++;
  }
  assert.ok(err > 1000 && ok > 100, `ok=${ok} err=${err}`);
});
