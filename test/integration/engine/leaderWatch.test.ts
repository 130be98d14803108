import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LeaderChange } from '../../../src/pegasus';
import { harness, killLeaderWhenStarted } from '../../support/engineHarness';

const LEAVING = '127.0.0.1:34801';

/** Resolves with the first change `pick` accepts, or undefined after `ms` of wall time. */
function nextChange(
  h: { client: { onLeaderChange(l: (c: LeaderChange) => void): () => void } },
  pick: (c: LeaderChange) => boolean,
  ms: number,
): Promise<LeaderChange | undefined> {
  return new Promise((resolve) => {
    const off = h.client.onLeaderChange((c) => {
      if (!pick(c)) return;
      clearTimeout(t);
      off();
      resolve(c);
    });
    const t = setTimeout(() => {
      off();
      resolve(undefined);
    }, ms);
  });
}

test('meta leader restarted in place while the engine sleeps: the leader watch notices and the next poll re-applies the black list', async () => {
  // Copies take a while (256 MB at 16 MB/s per replica), so the restart lands in the middle of the drain.
  const h = await harness(
    { version: '2.6', nodes: 5, replicaSizeMb: 256, copyRateMb: 16, tables: [{ name: 'temp', partitions: 8, replicas: 3 }] },
    { engine: { leaderWatchMs: 50, replicaSizeBytes: 256 << 20, copyRateMBps: 16 } },
  );
  try {
    const blackList = (): string[] =>
      (h.sim.state({ partitions: false }) as { settings: { assignSecondaryBlackList: string[] } | null }).settings
        ?.assignSecondaryBlackList ?? [];
    const leader0 = h.sim.metaServers[0]!;
    let restartedAt = -1;
    let backAt = -1;
    let seen: LeaderChange | undefined;
    let busy = false;
    h.onSleep = async () => {
      if (busy) return;
      if (
        restartedAt < 0 &&
        h.events.some((e) => e.kind === 'step' && e.step === `${LEAVING}:replicas` && e.status === 'started') &&
        blackList().includes(LEAVING)
      ) {
        busy = true;
        // The watch learns the leader's start time; then the whole meta group restarts and meta #0
        // (the same address) leads again with empty runtime settings. The engine makes no call meanwhile.
        await h.client.checkLeader({ detectRestart: true });
        const change = nextChange(h, (c) => !!c.restarted, 10_000);
        restartedAt = h.sim.model.now;
        h.sim.model.restartAllMetas();
        h.sim.advance(5);
        assert.equal(h.sim.model.leaderAddress(), leader0, 'the same meta leads again');
        assert.deepEqual(blackList(), [], 'the restart forgot the black list');
        seen = await change;
        busy = false;
        return;
      }
      if (restartedAt >= 0 && backAt < 0 && blackList().includes(LEAVING)) backAt = h.sim.model.now;
    };
    const r = await h.engine.run({ op: 'drain-node', node: LEAVING });
    assert.equal(r.outcome, 'done', JSON.stringify(r));
    assert.ok(restartedAt >= 0, 'the meta group was restarted mid-drain');
    assert.deepEqual(
      seen && { previous: seen.previous, current: seen.current, restarted: seen.restarted },
      { previous: leader0, current: leader0, restarted: true },
      'the watch reported the restart',
    );
    assert.ok(
      backAt >= 0,
      `the black list was never re-applied; leader events: ${h.events
        .filter((e) => e.kind === 'leader')
        .map((e) => JSON.stringify(e))
        .join(' | ')}`,
    );
    // The hook advanced 5 s; the next poll (1 s) re-applies.
    assert.ok((backAt - restartedAt) / 1000 <= 5 + 2, `re-applied ${(backAt - restartedAt) / 1000} simulated s after the restart`);
    assert.ok(h.events.some((e) => e.kind === 'leader' && e.reapplied.some((x) => /black_list/.test(x.name))));
    assert.deepEqual(blackList(), [LEAVING], 'kept for the drained node at the end');
  } finally {
    h.onSleep = undefined;
    await h.close();
  }
});

test('leader killed while copies are in flight: never two removals (no under-replication); each copy in flight is repeated once at most', async () => {
  // 256 MB at 32 MB/s: several copies are still learning when the leader dies, their proposals lost.
  const h = await harness(
    {
      version: '2.6',
      nodes: 6,
      replicaSizeMb: 256,
      copyRateMb: 32,
      tables: [
        { name: 'temp', partitions: 12, replicas: 3 },
        { name: 'u', partitions: 8, replicas: 3 },
      ],
    },
    { engine: { replicaSizeBytes: 256 << 20, copyRateMBps: 32 } },
  );
  try {
    const hosted = h.sim.model.nodes.find((n) => n.address === LEAVING)!.replicas;
    const killed = killLeaderWhenStarted(h, `${LEAVING}:replicas`);
    const r = await h.engine.run({ op: 'scale-in', nodes: [LEAVING] });
    assert.equal(r.outcome, 'done', JSON.stringify(r));
    const killedAt = killed();
    assert.ok(killedAt >= 0);
    const learns = h.sim.model.log.filter((e) => (e as { kind: string }).kind === 'learn') as unknown as {
      t: number;
      event: string;
      gpid: string;
      node: string;
      mode?: string;
    }[];
    const inFlight = learns.filter(
      (s) =>
        s.event === 'start' &&
        s.mode === 'LT_APP' &&
        s.t <= killedAt &&
        !learns.some((d) => d.event === 'done' && d.gpid === s.gpid && d.node === s.node && d.t > s.t && d.t <= killedAt),
    ).length;
    assert.ok(inFlight > 0, 'copies were in flight at the fail-over');
    const m = h.metrics();
    // The new leader's cure removes a redundant secondary the moment a lost copy lands; the engine
    // proposing its own removal at the same time used to leave partitions with 2 of 3 replicas.
    assert.equal(m.partitionSecondsUnderReplicated, 0, 'no partition lost a replica to a double removal');
    // The cure removes the most loaded member (the new copy): that copy is made once more, nothing else.
    assert.ok(
      m.replicasCopied! <= hosted + inFlight,
      `copied ${m.replicasCopied} for ${hosted} hosted and ${inFlight} in flight at the fail-over`,
    );
    assert.equal(m.frozenSeconds, 0);
    assert.equal(h.sim.model.nodes.find((n) => n.address === LEAVING)!.replicas, 0);
  } finally {
    h.onSleep = undefined;
    await h.close();
  }
});
