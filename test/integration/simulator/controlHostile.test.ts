/** The simulator's control API against careless or hostile clients: bad escapes and huge bodies get a JSON error, not a 500 or a reset. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { startSimulatedCluster } from '../../../src/simulator';

/** One raw HTTP/1.1 request; resolves with the status code and the body (or rejects on a reset). */
function raw(url: string, head: string, body: Buffer = Buffer.alloc(0)): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const s = net.connect(Number(u.port), u.hostname, () => {
      s.write(`${head}\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`);
      // Written in pieces so the server sees the size grow, as with a real upload.
      for (let i = 0; i < body.length; i += 1 << 16) s.write(body.subarray(i, i + (1 << 16)));
    });
    let data = '';
    s.setEncoding('latin1');
    s.on('data', (d: string) => (data += d));
    s.on('end', () => {
      const [status, ...rest] = data.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(status ?? '')?.[1]), body: rest.join('\r\n\r\n') });
      s.destroy();
    });
    s.on('error', reject);
    s.setTimeout(10_000, () => reject(new Error('no answer')));
  });
}

test('control API: a bad % escape is 400 with a JSON error; a body over 1 MB is 413, answered, not reset', async () => {
  const sim = await startSimulatedCluster({ version: '2.5', nodes: 3 });
  try {
    const bad = await fetch(`${sim.controlUrl}/nodes/%E0%A4%A/stop`, { method: 'POST' });
    assert.equal(bad.status, 400);
    const err = (await bad.json()) as { error: string };
    assert.match(err.error, /bad percent escape in the path segment "%E0%A4%A": write % as %25/);
    const big = await raw(sim.controlUrl, 'POST /faults HTTP/1.1', Buffer.alloc(3 << 20, 0x20));
    assert.equal(big.status, 413);
    assert.match((JSON.parse(big.body) as { error: string }).error, /request body is 3145728 bytes, over the 1048576-byte limit/);
    // Still serving.
    assert.equal((await fetch(`${sim.controlUrl}/state?partitions=false`)).status, 200);
  } finally {
    await sim.close();
  }
});
