/** The meta's HTTP `/config` read over a real loopback socket, including every way it can fail. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { readMetaConfigFlag, readMinLiveNodeCount } from '../../../src/cluster/metaHttp';
import { fetchSnapshot } from '../../../src/cluster/fetch';
import { MetaClient } from '../../../src/pegasus';
import { startSimulatedCluster } from '../../../src/simulator';

async function serve(handler: (path: string) => { status: number; body: string } | 'hang'): Promise<{ server: Server; address: string }> {
  const server = createServer((req, res) => {
    const r = handler(req.url ?? '');
    if (r === 'hang') return; // never answers
    res.writeHead(r.status, { 'Content-Type': 'text/plain' });
    res.end(r.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, address: `127.0.0.1:${(server.address() as { port: number }).port}` };
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

test('reads a flag; unknown flags, errors, bad JSON and silence give undefined', async () => {
  const { server, address } = await serve((path) => {
    if (path === '/config?name=min_live_node_count_for_unfreeze') {
      return {
        status: 200,
        body: '{"name":"min_live_node_count_for_unfreeze","section":"meta_server","type":"FV_UINT64","tags":"flag_tag::FT_MUTABLE","description":"x","value":"5"}\n',
      };
    }
    if (path === '/config?name=unknown') return { status: 200, body: "ERR_OBJECT_NOT_FOUND: 'unknown' is not found" };
    if (path === '/config?name=bad') return { status: 200, body: '{"name":"bad"}' };
    if (path === '/config?name=slow') return 'hang';
    return { status: 404, body: 'service not found' };
  });
  try {
    assert.equal(await readMinLiveNodeCount(address), 5);
    assert.equal((await readMetaConfigFlag(address, 'min_live_node_count_for_unfreeze'))!.section, 'meta_server');
    assert.equal(await readMetaConfigFlag(address, 'unknown'), undefined);
    assert.equal(await readMetaConfigFlag(address, 'bad'), undefined);
    assert.equal(await readMetaConfigFlag(address, 'slow', { timeoutMs: 50 }), undefined);
    const ac = new AbortController();
    const p = readMetaConfigFlag(address, 'slow', { signal: ac.signal, timeoutMs: 10_000 });
    ac.abort();
    assert.equal(await p, undefined);
    assert.equal(await readMetaConfigFlag('not-an-address', 'x'), undefined);
  } finally {
    await close(server);
  }
});

test('fetchSnapshot reads min_live_node_count_for_unfreeze from the simulated leader', async () => {
  const sim = await startSimulatedCluster({ version: '2.5', nodes: 4, metas: 2, minLiveNodeCount: 2 });
  const client = new MetaClient({ metaServers: [...sim.metaServers].reverse(), timeoutMs: 5000 });
  try {
    const snap = await fetchSnapshot(client);
    assert.equal(snap.freeze.minLive, 2);
    assert.equal(snap.freeze.pct, 65);
    assert.deepEqual(snap.freeze.assumed, []);
    // 4 alive at 65 with min live 2: losing one leaves 300 >= 260; two leave 200 < 260.
    assert.equal(snap.freeze.margin, 1);
    const given = await fetchSnapshot(client, { minLiveNodeCount: 3 });
    assert.equal(given.freeze.minLive, 3);
  } finally {
    client.close();
    await sim.close();
  }
});
