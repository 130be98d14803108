/** Restarting the metas one at a time (followers first), or waiting for an operator to do it. */
import { fmtDuration } from '../../cluster/units';
import type { ClusterState } from '../ports';
import { EngineError, type RunCtx } from '../types';
import type { ScaleEngine } from '../engine';

export async function restartMetas(eng: ScaleEngine, rc: RunCtx): Promise<void> {
  let metas: string[];
  if (eng.d.control.restartsMetaGroup) metas = ['all'];
  else {
    // Followers first, the leader last: one fail-over, at the end.
    const leader = (await eng.retrying(rc, 'reading the cluster state', () => eng.d.cluster.readState(rc.signal))).leader;
    metas = [...eng.d.metaServers].sort((a, b) => (a === leader ? 1 : 0) - (b === leader ? 1 : 0));
  }
  for (const [i, m] of metas.entries()) {
    await eng.step(rc, `restart:${m}`, async () => {
      const before = await eng.d.cluster.readState(rc.signal).catch(() => undefined);
      await eng.d.control.restartMeta(m, rc.signal);
      if (eng.d.control.restartMetaIsManual) return waitManualMetaRestart(eng, rc, before);
      if (eng.d.control.restartMetaWaits) {
        // The control answered once this meta was back and a leader served: no gap to wait out.
        const s = await eng.retrying(rc, `reading the meta leader after restarting ${m}`, () => eng.d.cluster.readState(rc.signal));
        rc.leader = s.leader;
        return `leader ${s.leader} after restarting ${m}${before ? ` (was ${before.leader})` : ''}; it lists ${s.nodes.filter((n) => !n.alive).length} dead node(s)`;
      }
      const start = eng.clock.now();
      // Wait for a leader that answers (the restarted one or another), and give the restarted
      // meta time to come back before the next one goes down.
      for (;;) {
        await eng.clock.sleep(eng.o.pollIntervalMs, rc.signal);
        const s = await eng.d.cluster.readState(rc.signal).catch(() => undefined);
        const waited = eng.clock.now() - start;
        if (s && (i === metas.length - 1 || waited >= eng.o.metaRestartGapMs)) {
          rc.leader = s.leader;
          return `leader ${s.leader} after restarting ${m}${before ? ` (was ${before.leader})` : ''}; it lists ${s.nodes.filter((n) => !n.alive).length} dead node(s)`;
        }
        if (waited > eng.t.leaderMs)
          throw new EngineError(
            `no meta leader answered within ${fmtDuration(eng.t.leaderMs / 1000)} after restarting ${m}: check that ${m === 'all' ? 'the meta servers' : m} came back up (its log, its ZooKeeper session), start it by hand if needed, then resume`,
          );
      }
    });
  }
  // Runtime settings live only in the leader's memory: after the restart they are the config values.
  for (const s of eng.d.journal.openSettings()) {
    const v = await eng.d.cluster.getSetting(s.name, rc.signal);
    eng.d.journal.append({ t: 'restored', name: s.name, value: v, how: 'meta-restart' }, eng.date());
    eng.emit({
      kind: 'setting',
      name: s.name,
      from: s.current,
      to: v,
      message: `${s.name} is ${v} after the meta restart (was ${s.current}; before the run ${s.original})`,
    });
  }
}

/**
 * A person restarts the metas: the followers cannot be observed, but the leader's restart can —
 * a different leader answers, or the dead set (the removed nodes) is forgotten.
 */
export async function waitManualMetaRestart(eng: ScaleEngine, rc: RunCtx, before: ClusterState | undefined): Promise<string> {
  const start = eng.clock.now();
  const limit = Math.max(eng.t.leaderMs, 30 * 60_000);
  const deadBefore = before ? before.nodes.filter((n) => !n.alive).length : 0;
  for (;;) {
    await eng.clock.sleep(eng.o.pollIntervalMs, rc.signal);
    const s = await eng.d.cluster.readState(rc.signal).catch(() => undefined);
    if (s && before && (s.leader !== before.leader || (deadBefore > 0 && s.nodes.filter((n) => !n.alive).length === 0))) {
      rc.leader = s.leader;
      return `meta restart observed: leader ${s.leader} (was ${before.leader}), ${s.nodes.filter((n) => !n.alive).length} dead node(s) listed`;
    }
    if (eng.clock.now() - start > limit)
      throw new EngineError(
        `no meta restart observed within ${fmtDuration(limit / 1000)}: the leader is still ${before?.leader ?? 'unknown'} and still lists ${deadBefore} dead node(s). Restart the metas (leader last), then run restart-meta again`,
      );
  }
}
