/** A meta answering with an amplified reply over loopback: the call fails with the typed decode-limit error, fast, and the connection stays usable. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodeLimitError, MetaClient, RPC, TType, writeResponseFrame } from '../../../src/pegasus';
import { startFixtureCluster } from '../../support/fixtureCluster';

test('60 million empty node_info structs in one reply under the 64 MiB cap: DecodeLimitError naming the RPC and the meta', async () => {
  const count = 60_000_000;
  const c = await startFixtureCluster(1, '2.6', 0);
  let hostile = true;
  c.state.override = (req) => {
    if (!hostile || req.name !== RPC.listNodes.name) return { kind: 'default' };
    const bytes = writeResponseFrame(RPC.listNodes.ackName, req.seqid, 'ERR_OK', (w) => {
      w.field(TType.STRUCT, 0);
      w.field(TType.STRUCT, 1);
      w.errorCode('ERR_OK');
      w.field(TType.LIST, 2);
      w.list(TType.STRUCT, count);
      w.bytes(Buffer.alloc(count));
      w.stop();
      w.stop();
    });
    return { kind: 'raw', bytes };
  };
  const client = new MetaClient({ metaServers: c.addresses });
  try {
    const heap0 = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    await assert.rejects(
      () => client.listNodes(),
      (e: unknown) => {
        assert.ok(e instanceof DecodeLimitError, String(e));
        assert.equal(e.code, 'ERR_INVALID_DATA');
        assert.deepEqual(e.limit, { field: 'list_nodes.infos', count, reason: 'maximum', limit: 10_000 });
        assert.equal(e.rpc, RPC.listNodes.name);
        assert.equal(e.address, c.addresses[0]);
        return true;
      },
    );
    const ms = performance.now() - t0;
    assert.ok(ms < 5000, `took ${ms} ms`);
    assert.ok(process.memoryUsage().heapUsed - heap0 < 300 * 1024 * 1024, 'heap grew past the sanity bound');
    hostile = false;
    const nodes = await client.listNodes();
    assert.ok(Array.isArray(nodes));
  } finally {
    client.close();
    await c.close();
  }
});
