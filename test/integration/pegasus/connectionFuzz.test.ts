/** Garbage from a server must end every call with a PegasusError (or a value), never a crash or a hang. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Connection, encodeResponse, PegasusError, RPC } from '../../../src/pegasus';
import { samplePartitions, startFixtureCluster } from '../../support/fixtureCluster';
import { seededRandom } from '../../../src/simulator/model/rng';

test('connection fuzz: 200 mutated replies over loopback, every call settles with a value or a PegasusError', async () => {
  const c = await startFixtureCluster(1, '2.6', 0);
  const rnd = seededRandom(42);
  c.state.override = (req) => {
    const good = encodeResponse(
      RPC.queryConfig,
      { err: 'ERR_OK', appId: 2, partitionCount: 2, isStateful: true, partitions: samplePartitions(2, 2, '2.6') },
      { seqid: req.seqid },
    );
    const b = Buffer.from(good);
    const mode = Math.floor(rnd() * 4);
    if (mode === 0) for (let i = 0; i < 3; i++) b[4 + Math.floor(rnd() * (b.length - 4))]! ^= 1 << Math.floor(rnd() * 8);
    if (mode === 1) return { kind: 'raw', bytes: b.subarray(0, Math.floor(rnd() * b.length)), thenClose: rnd() < 0.5 };
    if (mode === 2) b.writeInt32BE(Math.floor(rnd() * 2 ** 31) * (rnd() < 0.5 ? -1 : 1), 0);
    return { kind: 'raw', bytes: b };
  };
  const conn = new Connection(c.addresses[0]!, { maxFrameBytes: 1 << 20 });
  const outcomes = new Map<string, number>();
  try {
    for (let i = 0; i < 200; i++) {
      try {
        await conn.call(RPC.queryConfig, { appName: 'temp', partitionIndices: [] }, { timeoutMs: 40 });
        outcomes.set('ok', (outcomes.get('ok') ?? 0) + 1);
      } catch (e) {
        assert.ok(e instanceof PegasusError, `untyped: ${String(e)}`);
        outcomes.set(e.code, (outcomes.get(e.code) ?? 0) + 1);
      }
    }
  } finally {
    conn.close();
    await c.close();
  }
  assert.ok((outcomes.get('ok') ?? 0) > 0, JSON.stringify([...outcomes]));
  assert.ok((outcomes.get('ERR_INVALID_DATA') ?? 0) > 0, JSON.stringify([...outcomes]));
});
