import { test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, hostedOn, killLeaderWhenStarted } from '../../support/engineHarness';

for (const version of ['2.5', '2.6'] as const) {
  test(`[${version}] scale-in over real sockets: each hosted replica copied once, no primary lost, no freeze, settings restored`, async () => {
    const h = await harness({
      version,
      nodes: 6,
      tables: [
        { name: 'temp', partitions: 8, replicas: 3 },
        { name: 'user', partitions: 4, replicas: 3 },
      ],
    });
    try {
      const leaving = ['127.0.0.1:34801', '127.0.0.1:34802'];
      const hosted = hostedOn(h, leaving);
      const before = h.metrics();
      const r = await h.engine.run({ op: 'scale-in', nodes: leaving });
      assert.equal(r.outcome, 'done', JSON.stringify(r));
      const m = h.metrics();
      assert.equal(m.replicasCopied! - before.replicasCopied!, hosted, 'replicas copied = replicas hosted on leaving nodes');
      // Only the sub-second role switch of each move_pri (the simulator's reconfiguration time, 0.1 s).
      assert.ok(
        m.partitionSecondsWithoutPrimary! - before.partitionSecondsWithoutPrimary! <= 0.11 * r.plan!.primariesMoved,
        `no-primary seconds ${m.partitionSecondsWithoutPrimary} for ${r.plan!.primariesMoved} primaries moved`,
      );
      assert.equal(m.frozenSeconds, 0);
      assert.equal(hostedOn(h, leaving), 0);
      const st = h.sim.state({ partitions: false }) as {
        settings: Record<string, unknown>;
        nodes: { address: string; metaStatus: string }[];
      };
      for (const a of leaving) assert.equal(st.nodes.find((n) => n.address === a)!.metaStatus, 'UNALIVE');
      assert.equal(await h.port.getSetting('meta.lb.assign_secondary_black_list'), '');
      assert.equal(await h.port.getSetting('meta.lb.assign_delay_ms'), version === '2.5' ? '300000' : '600000');
      assert.equal(await h.port.getSetting('meta_level'), 'steady');
      assert.deepEqual(r.settingsLeft, []);
      assert.equal(r.plan!.copies, hosted, 'the plan predicted the copies');
    } finally {
      await h.close();
    }
  });

  test(`[${version}] scale-out by count then rebalance until the configuration is balanced`, async () => {
    const h = await harness(
      { version, nodes: 4, tables: [{ name: 'temp', partitions: 16, replicas: 3 }] },
      { engine: { balancedSettleMs: 20_000, balancerIdleMs: 180_000 } },
    );
    try {
      const r = await h.engine.run({ op: 'scale-out', count: 2 });
      assert.equal(r.outcome, 'done', JSON.stringify(r));
      const added = [...(r.added ?? [])];
      assert.equal(added.length, 2);
      const st = h.sim.state({ partitions: false }) as { nodes: { address: string; replicas: number; primaries: number }[] };
      for (const a of added) {
        const n = st.nodes.find((x) => x.address === a)!;
        assert.ok(n.replicas >= 7 && n.replicas <= 9, `${a}: ${n.replicas} replicas (48/6 = 8)`);
      }
      assert.equal(await h.port.getSetting('meta_level'), 'steady');
      assert.equal(await h.port.getSetting('meta.lb.only_move_primary'), 'false');
    } finally {
      await h.close();
    }
  });
}

test('[2.6] leader killed mid-drain: new leader detected, black list and delay re-applied, scale-in completes', async () => {
  const h = await harness({ version: '2.6', nodes: 6, tables: [{ name: 'temp', partitions: 12, replicas: 3 }] });
  try {
    const leaving = ['127.0.0.1:34801'];
    const hosted = hostedOn(h, leaving);
    // Kill the leader while the replicas are being copied (proposals pending, black list in force).
    const killedAt = killLeaderWhenStarted(h, `${leaving[0]}:replicas`);
    const r = await h.engine.run({ op: 'scale-in', nodes: leaving });
    assert.ok(killedAt() >= 0);
    assert.equal(r.outcome, 'done', JSON.stringify(r));
    assert.ok(
      h.events.some((e) => e.kind === 'leader' && e.reapplied.length > 0),
      h.events
        .filter((e) => e.kind === 'leader' || e.kind === 'warning')
        .map((e) => JSON.stringify(e))
        .join('\n'),
    );
    assert.equal(hostedOn(h, leaving), 0);
    assert.equal(h.metrics().frozenSeconds, 0);
    assert.equal(h.metrics().replicasCopied, hosted, 'nothing copied twice across the fail-over');
  } finally {
    await h.close();
  }
});

test('[2.5] freeze guard on the simulator: 6 nodes at pct 65 removing 3 never freezes; threshold kept until restart-meta', async () => {
  const h = await harness({ version: '2.5', nodes: 6, livePercentage: 65, tables: [{ name: 'temp', partitions: 8, replicas: 3 }] });
  try {
    const leaving = ['127.0.0.1:34801', '127.0.0.1:34802', '127.0.0.1:34803'];
    const r = await h.engine.run({ op: 'scale-in', nodes: leaving });
    assert.equal(r.outcome, 'done', JSON.stringify(r));
    assert.equal(h.metrics().frozenSeconds, 0);
    // 3 alive, 3 dead: 300 < 65*6 = 390 would freeze, so pct went to 50 and stays until the restart.
    assert.equal(await h.port.getSetting('meta.live_percentage'), '50');
    assert.equal(r.settingsLeft[0]?.name, 'meta.live_percentage');
    const rr = await h.engine.run({ op: 'restart-meta' });
    assert.equal(rr.outcome, 'done', JSON.stringify(rr));
    assert.equal(await h.port.getSetting('meta.live_percentage'), '65');
    const st = await h.port.readState();
    assert.equal(st.nodes.filter((n) => !n.alive).length, 0, 'the restarted meta forgot the removed nodes');
    assert.equal(h.metrics().frozenSeconds, 0);
  } finally {
    await h.close();
  }
});

test('[2.5] leader killed after removals with the threshold lowered: no freeze, the new leader gets what the journal says', async () => {
  const h = await harness({ version: '2.5', nodes: 6, livePercentage: 65, tables: [{ name: 'temp', partitions: 8, replicas: 3 }] });
  try {
    const leaving = ['127.0.0.1:34801', '127.0.0.1:34802', '127.0.0.1:34803'];
    const killedAt = killLeaderWhenStarted(h, `${leaving[2]}:primaries`);
    const r = await h.engine.run({ op: 'scale-in', nodes: leaving });
    assert.ok(killedAt() >= 0);
    assert.equal(r.outcome, 'done', JSON.stringify(r));
    assert.equal(h.metrics().frozenSeconds, 0);
    assert.equal(hostedOn(h, leaving), 0);
    assert.ok(h.events.some((e) => e.kind === 'leader'));
  } finally {
    await h.close();
  }
});
