import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { harness } from '../../support/engineHarness';
import { createNodeControl } from '../../../src/engine/nodeControl';

test('simulator node control asks the control API to answer a meta restart only once it is back (wait: true)', async () => {
  const seen: { url: string; body: unknown }[] = [];
  const srv = createServer((req, res) => {
    let b = '';
    req.on('data', (c: Buffer) => (b += c.toString()));
    req.on('end', () => {
      seen.push({ url: req.url ?? '', body: JSON.parse(b || 'null') });
      res.setHeader('content-type', 'application/json');
      res.end('{"leader":"127.0.0.1:1"}');
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
    const ctl = createNodeControl(
      { kind: 'simulator', control: url },
      { knownNodes: () => new Set(['127.0.0.1:34801']), metaServers: ['127.0.0.1:34601'], tellOperator: () => undefined },
    );
    assert.equal(ctl.restartMetaWaits, true);
    await ctl.restartMeta('127.0.0.1:34601');
    await ctl.restartMeta('all');
    await ctl.stopNode('127.0.0.1:34801');
    assert.deepEqual(seen, [
      { url: '/meta/127.0.0.1%3A34601/restart', body: { wait: true } },
      { url: '/meta/restart', body: { wait: true } },
      { url: '/nodes/127.0.0.1%3A34801/stop', body: {} },
    ]);
    await assert.rejects(ctl.restartMeta('127.0.0.1:9'), /not a configured meta server/);
  } finally {
    await new Promise<void>((r) => srv.close(() => r()));
  }
});

test('restart-meta on the simulator: one meta at a time, leader last, no wall-clock gap, settings marked reset', async () => {
  const h = await harness({ version: '2.5', nodes: 6, livePercentage: 65, tables: [{ name: 'temp', partitions: 8, replicas: 3 }] });
  try {
    // Leave the threshold lowered (3 of 6 removed) so the restart has something to clear.
    const r = await h.engine.run({ op: 'scale-in', nodes: ['127.0.0.1:34801', '127.0.0.1:34802', '127.0.0.1:34803'] });
    assert.equal(r.outcome, 'done', JSON.stringify(r));
    assert.equal(r.settingsLeft[0]?.name, 'meta.live_percentage');
    const leader = (await h.port.readState()).leader;
    const t0 = h.sim.model.now;
    const rr = await h.engine.run({ op: 'restart-meta' });
    assert.equal(rr.outcome, 'done', JSON.stringify(rr));
    const restarts = h.sim.model.log
      .filter(
        (e) =>
          (e as { t: number }).t * 1000 >= t0 && (e as { kind?: string }).kind === 'meta' && (e as { event?: string }).event === 'restart',
      )
      .map((e) => (e as { meta?: string }).meta);
    assert.deepEqual([...restarts].sort(), [...h.sim.metaServers].sort(), 'each meta restarted once');
    assert.equal(restarts.at(-1), leader, 'the leader goes last');
    // Each restart waits for the meta to be back (start-up + election), not the 30 s rolling gap.
    const simulated = (h.sim.model.now - t0) / 1000;
    assert.ok(simulated < 30, `restart-meta took ${simulated} simulated s; expected no ${30} s gap per follower`);
    assert.deepEqual(rr.settingsLeft, []);
    assert.equal(await h.port.getSetting('meta.live_percentage'), '65');
    assert.equal((await h.port.readState()).nodes.filter((n) => !n.alive).length, 0, 'the restarted leader forgot the removed nodes');
    assert.equal(h.metrics().frozenSeconds, 0);
  } finally {
    await h.close();
  }
});
