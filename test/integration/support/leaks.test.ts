/** The leak check itself: it must see a referenced timer, a server and both ends of a socket, and nothing once they are closed or unref'd. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { assertNoLeaks, liveHandles } from '../../support/leaks';
test('detects a timer, a server and a socket; clean after closing them', async () => {
  assert.deepEqual(liveHandles(), []);
  const t = setTimeout(() => {}, 60_000);
  const srv = createServer((s) => s.on('error', () => {}));
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { connect } = await import('node:net');
  const c = connect((srv.address() as { port: number }).port, '127.0.0.1');
  await new Promise((r) => c.once('connect', r));
  await assert.rejects(
    assertNoLeaks(200),
    (e: Error) => /1 referenced timer/.test(e.message) && /Server/.test(e.message) && /Socket/.test(e.message),
  );
  clearTimeout(t);
  c.destroy();
  await new Promise((r) => srv.close(r));
  await assertNoLeaks();
  const u = setTimeout(() => {}, 60_000);
  u.unref();
  await assertNoLeaks();
});
