/** Restarting the metas one at a time (followers first), or waiting for an operator to do it. */
import { fmtDuration } from '../../cluster/units';
import type { ClusterState } from '../ports';
import { EngineError, type RunCtx } from '../types';
import type { OpContext } from '../context';

export async function restartMetas(cx: OpContext, rc: RunCtx): Promise<void> {
  let metas: string[];
  if (cx.deps.control.restartsMetaGroup) metas = ['all'];
  else {
    // Followers first, the leader last: one fail-over, at the end.
    const leader = (await cx.retrying(rc, 'reading the cluster state', () => cx.deps.cluster.readState(rc.signal))).leader;
    metas = [...cx.deps.metaServers].sort((a, b) => (a === leader ? 1 : 0) - (b === leader ? 1 : 0));
  }
  for (const [i, m] of metas.entries()) {
    await cx.step(rc, `restart:${m}`, async () => {
      const before = await cx.deps.cluster.readState(rc.signal).catch(() => undefined);
      await cx.deps.control.restartMeta(m, rc.signal);
      if (cx.deps.control.restartMetaIsManual) return waitManualMetaRestart(cx, rc, before);
      if (cx.deps.control.restartMetaWaits) {
        // The control answered once this meta was back and a leader served: no gap to wait out.
        const s = await cx.retrying(rc, `reading the meta leader after restarting ${m}`, () => cx.deps.cluster.readState(rc.signal));
        rc.leader = s.leader;
        return restartedDetail(m, before, s);
      }
      const start = cx.clock.now();
      // Wait for a leader that answers (the restarted one or another), and give the restarted
      // meta time to come back before the next one goes down.
      for (;;) {
        await cx.clock.sleep(cx.options.pollIntervalMs, rc.signal);
        const s = await cx.deps.cluster.readState(rc.signal).catch(() => undefined);
        const waited = cx.clock.now() - start;
        if (s && (i === metas.length - 1 || waited >= cx.options.metaRestartGapMs)) {
          rc.leader = s.leader;
          return restartedDetail(m, before, s);
        }
        if (waited > cx.timeouts.leaderMs)
          throw new EngineError(
            `no meta leader answered within ${fmtDuration(cx.timeouts.leaderMs / 1000)} after restarting ${m}: check that ${m === 'all' ? 'the meta servers' : m} came back up (its log, its ZooKeeper session), start it by hand if needed, then resume`,
          );
      }
    });
  }
  // Runtime settings live only in the leader's memory: after the restart they are the config values.
  for (const s of cx.deps.journal.openSettings()) {
    const v = await cx.deps.cluster.getSetting(s.name, rc.signal);
    cx.deps.journal.append({ t: 'restored', name: s.name, value: v, how: 'meta-restart' }, cx.date());
    cx.emit({ kind: 'setting', name: s.name, from: s.current, to: v, why: { code: 'meta-restart', original: s.original } });
  }
}

/** A restart step's journaled detail: the leader now (and before, when it changed) and how many dead nodes it still lists. */
function restartedDetail(meta: string, before: ClusterState | undefined, s: ClusterState): string {
  const moved = before && before.leader !== s.leader ? ` (was ${before.leader})` : '';
  return `restarted ${meta}; leader ${s.leader}${moved}, ${s.nodes.filter((n) => !n.alive).length} dead node(s) listed`;
}

/**
 * A person restarts the metas: the followers cannot be observed, but the leader's restart can —
 * a different leader answers, or the dead set (the removed nodes) is forgotten.
 */
export async function waitManualMetaRestart(cx: OpContext, rc: RunCtx, before: ClusterState | undefined): Promise<string> {
  const start = cx.clock.now();
  const limit = Math.max(cx.timeouts.leaderMs, 30 * 60_000);
  const deadBefore = before ? before.nodes.filter((n) => !n.alive).length : 0;
  for (;;) {
    await cx.clock.sleep(cx.options.pollIntervalMs, rc.signal);
    const s = await cx.deps.cluster.readState(rc.signal).catch(() => undefined);
    if (s && before && (s.leader !== before.leader || (deadBefore > 0 && s.nodes.filter((n) => !n.alive).length === 0))) {
      rc.leader = s.leader;
      return `meta restart observed: leader ${s.leader} (was ${before.leader}), ${s.nodes.filter((n) => !n.alive).length} dead node(s) listed`;
    }
    if (cx.clock.now() - start > limit)
      throw new EngineError(
        `no meta restart observed within ${fmtDuration(limit / 1000)}: the leader is still ${before?.leader ?? 'unknown'} and still lists ${deadBefore} dead node(s). Restart the metas (leader last), then run restart-meta again`,
      );
  }
}
