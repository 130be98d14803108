import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from '../../../src/engine/journal';
import { ScaleEngine, type FreezeCheckData } from '../../../src/engine/engine';
import { rehearseOnSimulator as rehearse } from '../../../src/simulator/twin';
import { harness, hostedOn, stepStarted } from '../../support/engineHarness';

for (const version of ['2.5', '2.6'] as const) {
  test(`[${version}] migration: new nodes join without rebalance, old nodes drain onto them, then one rebalance`, async () => {
    const h = await harness(
      { version, nodes: 5, tables: [{ name: 'temp', partitions: 10, replicas: 3 }] },
      { engine: { balancedSettleMs: 20_000, balancerIdleMs: 180_000 } },
    );
    try {
      const from = ['127.0.0.1:34801', '127.0.0.1:34802'];
      const hosted = hostedOn(h, from);
      const r = await h.engine.run({ op: 'migrate', from, count: 2 });
      assert.equal(r.outcome, 'done', JSON.stringify(r));
      const added = [...(r.added ?? [])];
      assert.equal(hostedOn(h, from), 0);
      assert.ok(hostedOn(h, added) >= hosted - 2, `new nodes hold ${hostedOn(h, added)}, leaving hosted ${hosted}`);
      const m = h.metrics();
      assert.equal(m.frozenSeconds, 0);
      // The drain copied each leaving replica once; the final rebalance may move a few more.
      assert.ok(m.replicasCopied! >= hosted && m.replicasCopied! <= hosted + 6, `copied ${m.replicasCopied} for ${hosted} hosted`);
      const steps = h.journal
        .all()
        .filter((x) => x.t === 'step' && x.status === 'done')
        .map((x) => (x as { step: string }).step);
      assert.ok(steps.indexOf(`${added[0]}:alive`) < steps.indexOf(`${from[0]}:primaries`));
      assert.ok(steps.indexOf('rebalance') > steps.indexOf(`${from[1]}:healthy`));
      assert.equal(await h.port.getSetting('meta_level'), 'steady');
    } finally {
      await h.close();
    }
  });

  test(`[${version}] single steps: drain-node, stop-node, wait-healthy, start-node, restore-settings, freeze-check`, async () => {
    const h = await harness({ version, nodes: 5, tables: [{ name: 'temp', partitions: 8, replicas: 3 }] });
    try {
      const node = '127.0.0.1:34803';
      const d = await h.engine.run({ op: 'drain-node', node });
      assert.equal(d.outcome, 'done', JSON.stringify(d));
      assert.equal(hostedOn(h, [node]), 0);
      assert.equal(await h.port.getSetting('meta.lb.assign_secondary_black_list'), node, 'drain-node keeps its node black-listed');
      const s = await h.engine.run({ op: 'stop-node', node });
      assert.equal(s.outcome, 'done', JSON.stringify(s));
      assert.equal(await h.port.getSetting('meta.lb.assign_secondary_black_list'), '', 'stop-node gives the black list back');
      const w = await h.engine.run({ op: 'wait-healthy', timeoutMs: 60_000 });
      assert.equal(w.outcome, 'done', JSON.stringify(w));
      const st = await h.engine.run({ op: 'start-node', node });
      assert.equal(st.outcome, 'done', JSON.stringify(st));
      assert.ok((await h.port.readState()).nodes.some((n) => n.address === node && n.alive));
      const rs = await h.engine.run({ op: 'restore-settings' });
      assert.equal(rs.outcome, 'done');
      assert.deepEqual(rs.settingsLeft, []);
      const fc = await h.engine.freezeCheck(['127.0.0.1:34801', '127.0.0.1:34802']);
      const now = (fc.data as FreezeCheckData).now;
      assert.deepEqual([now.alive, now.dead], [5, 0]);
    } finally {
      await h.close();
    }
  });
}

test('[2.6] cancel mid-drain over sockets leaves a known state; resume from the journal file finishes it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'engine-int-'));
  const path = join(dir, 'scale-in.journal.jsonl');
  const h = await harness(
    { version: '2.6', nodes: 6, tables: [{ name: 'temp', partitions: 12, replicas: 3 }] },
    { journal: Journal.open(path) },
  );
  try {
    const leaving = ['127.0.0.1:34801', '127.0.0.1:34802'];
    const hosted = hostedOn(h, leaving);
    const ac = new AbortController();
    h.onSleep = () => {
      if (stepStarted(h, `${leaving[0]}:replicas`)) ac.abort();
    };
    const r = await h.engine.run({ op: 'scale-in', nodes: leaving }, { signal: ac.signal });
    h.onSleep = undefined;
    assert.equal(r.outcome, 'cancelled', JSON.stringify(r));
    assert.equal(r.cluster?.nodes.find((n) => n.node === '127.0.0.1:34801')?.alive, true);
    assert.deepEqual(r.settingsLeft, [], 'every setting the run changed is restored');
    assert.equal(await h.port.getSetting('meta.lb.assign_secondary_black_list'), '');
    // A reload: a new engine on the same journal file resumes.
    const e2 = new ScaleEngine({
      cluster: h.port,
      control: (h.engine as unknown as { d: { control: never } }).d.control,
      journal: Journal.open(path),
      clusterName: 'sim',
      metaServers: h.sim.metaServers,
      clock: h.clock,
      options: { pollIntervalMs: 1000 },
    });
    const j2 = Journal.open(path);
    assert.ok(j2.resumableRun(), JSON.stringify(j2.all().map((x) => x.t)) + j2.warnings.join(';'));
    const r2 = await e2.resume();
    assert.equal(r2!.outcome, 'done', JSON.stringify(r2));
    assert.equal(hostedOn(h, leaving), 0);
    // Copies already made before the cancel are not made again.
    assert.ok(h.metrics().replicasCopied! <= hosted + 2, `copied ${h.metrics().replicasCopied} for ${hosted}`);
    assert.equal(h.metrics().frozenSeconds, 0);
  } finally {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('[2.6] manual node control: the operator is told, the engine waits for the meta to see the node gone', async () => {
  const h = await harness({ version: '2.6', nodes: 5, tables: [{ name: 'temp', partitions: 8, replicas: 3 }] });
  try {
    const told: string[] = [];
    const e = new ScaleEngine({
      cluster: h.port,
      control: {
        kind: 'manual',
        stopNode: async (a) => void told.push(`stop ${a}`),
        startNode: async (a) => void told.push(`start ${a}`),
        restartMeta: async () => undefined,
      },
      journal: Journal.memory(),
      clusterName: 'sim',
      metaServers: h.sim.metaServers,
      clock: h.clock,
      options: { pollIntervalMs: 1000 },
    });
    h.onSleep = () => {
      // The "operator" stops the process a little after being told.
      if (told.includes('stop 127.0.0.1:34805') && h.sim.model.nodes[4]!.running) h.sim.model.stopNode(4);
    };
    const r = await e.run({ op: 'scale-in', nodes: ['127.0.0.1:34805'] });
    assert.equal(r.outcome, 'done', JSON.stringify(r));
    assert.deepEqual(told, ['stop 127.0.0.1:34805']);
  } finally {
    await h.close();
  }
});

test('[2.5] a node that never drains (learning stalls): stuck is explained, the step times out, nothing is lost', async () => {
  const h = await harness(
    { version: '2.5', nodes: 5, copyRateMb: 0.001, tables: [{ name: 'temp', partitions: 8, replicas: 3 }] },
    { engine: { stuckAfterMs: 60_000, timeouts: { secondariesMs: 300_000 } } },
  );
  try {
    const node = '127.0.0.1:34801';
    const hosted = hostedOn(h, [node]);
    const r = await h.engine.run({ op: 'scale-in', nodes: [node] });
    assert.equal(r.outcome, 'failed');
    assert.match(r.error ?? '', /timed out after 5m00s waiting for 127\.0\.0\.1:34801 to hold no replica/);
    assert.ok(r.diagnosis?.cause, 'the failure carries its diagnosis');
    assert.ok(h.events.some((e) => e.kind === 'stuck'));
    assert.equal(hostedOn(h, [node]), hosted, 'the node keeps its replicas');
    assert.equal(r.cluster?.nodes.find((n) => n.node === '127.0.0.1:34801')?.alive, true);
    const st = await h.port.readState();
    assert.ok(st.nodes.every((n) => n.alive));
    assert.equal(h.metrics().partitionSecondsWithoutPrimary! < 1, true);
    assert.equal(await h.port.getSetting('meta.lb.assign_secondary_black_list'), '');
    assert.equal(await h.port.getSetting('meta.lb.assign_delay_ms'), '300000');
  } finally {
    await h.close();
  }
});

test('rehearsal on a simulated twin reports copies, time, no-primary seconds and frozen seconds', async () => {
  const h = await harness({ version: '2.6', nodes: 10, livePercentage: 65, tables: [{ name: 'temp', partitions: 16, replicas: 3 }] });
  try {
    const live = await h.port.readState();
    const leaving = live.nodes.slice(0, 5).map((n) => n.address);
    const r = await rehearse(live, { op: 'scale-in', nodes: leaving }, { version: '2.6', pct: 65, replicaSizeMb: 64, copyRateMb: 64 });
    assert.equal(r.outcome, 'done', JSON.stringify(r));
    assert.equal(r.frozenSeconds, 0);
    assert.ok(
      r.replicasCopied >= 23 && r.replicasCopied <= 26,
      `5 of 10 nodes host about 48*5/10 = 24 replicas; copied ${r.replicasCopied}`,
    );
    assert.ok(r.simulatedSeconds > 0);
    assert.equal(r.settingsLeft[0]?.name, 'meta.live_percentage');
    assert.equal(r.refusals.length, 0);
  } finally {
    await h.close();
  }
});

test('[2.6] drain-node keeps the node black-listed and steady; a simulated minute later it holds 0 replicas; stop-node gives the settings back', async () => {
  const h = await harness({ version: '2.6', nodes: 5, tables: [{ name: 'temp', partitions: 8, replicas: 3 }] });
  try {
    const node = '127.0.0.1:34802';
    // lively: given back at the end of the drain, the balancer would refill the empty node at once.
    await h.port.setSetting('meta_level', 'lively');
    const d = await h.engine.run({ op: 'drain-node', node });
    assert.equal(d.outcome, 'done', JSON.stringify(d));
    assert.equal(hostedOn(h, [node]), 0);
    assert.equal(await h.port.getSetting('meta.lb.assign_secondary_black_list'), node);
    assert.equal(await h.port.getSetting('meta_level'), 'steady');
    assert.deepEqual(d.settingsLeft.map((x) => x.name).sort(), ['meta.lb.assign_secondary_black_list', 'meta_level']);
    for (const x of d.settingsLeft) assert.deepEqual(x.reason, { code: 'drain-held', node });
    h.sim.advance(60);
    assert.equal(hostedOn(h, [node]), 0, 'a simulated minute later the drained node still holds nothing');
    const s = await h.engine.run({ op: 'stop-node', node });
    assert.equal(s.outcome, 'done', JSON.stringify(s));
    assert.ok((await h.port.readState()).nodes.some((n) => n.address === node && !n.alive));
    assert.equal(await h.port.getSetting('meta.lb.assign_secondary_black_list'), '');
    assert.equal(await h.port.getSetting('meta_level'), 'lively');
    assert.deepEqual(s.settingsLeft, []);
    assert.deepEqual(h.journal.openSettings(), []);
  } finally {
    await h.close();
  }
});
