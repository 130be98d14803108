/** Rebalance: primaries by role switch, then the meta's balancer until the configuration is balanced. */
import { fmtDuration } from '../../cluster/units';
import { balanceReport, ballotFingerprint, unhealthyPartitions } from '../model';
import type { PartitionView } from '../ports';
import { setSetting } from '../settings';
import { propose } from './drain';
import { progress } from '../waits';
import { EngineError, type RunCtx } from '../types';
import type { ScaleEngine } from '../engine';

/**
 * Evens out primaries per table with `move_pri` only (a role switch: nothing is copied): while a
 * table has a node with at least two primaries more than another, the primary of a partition on
 * the fullest node goes to its secondary with the fewest primaries (of the table, then overall).
 * Never touches an unhealthy partition; gives up quietly (the summary advises a rebalance) when
 * the members allow no better spread.
 */
export async function balancePrimaries(eng: ScaleEngine, rc: RunCtx): Promise<string> {
  const start = eng.clock.now();
  let moved = 0;
  let lastFp = '';
  let lastChange = start;
  for (;;) {
    const s = await eng.readState(rc);
    const alive = new Set(s.nodes.filter((n) => n.alive && !rc.excluded.has(n.address)).map((n) => n.address));
    const total = new Map<string, number>([...alive].map((a) => [a, 0]));
    for (const t of s.tables)
      for (const p of t.partitions) if (p.primary && total.has(p.primary)) total.set(p.primary, total.get(p.primary)! + 1);
    let proposed = 0;
    let possible = 0;
    for (const t of s.tables) {
      const cnt = new Map<string, number>([...alive].map((a) => [a, 0]));
      for (const p of t.partitions) if (p.primary && cnt.has(p.primary)) cnt.set(p.primary, cnt.get(p.primary)! + 1);
      const done = new Set<number>();
      for (;;) {
        const nodes = [...cnt.keys()].sort((a, b) => cnt.get(b)! - cnt.get(a)! || total.get(b)! - total.get(a)! || (a < b ? -1 : 1));
        let best: { p: PartitionView; from: string; to: string } | undefined;
        for (const from of nodes) {
          for (const p of t.partitions) {
            if (p.primary !== from || done.has(p.pidx) || 1 + p.secondaries.length < t.maxReplicaCount) continue;
            for (const to of p.secondaries) {
              if (!cnt.has(to) || cnt.get(from)! - cnt.get(to)! < 2) continue;
              if (!best || cnt.get(to)! < cnt.get(best.to)! || (cnt.get(to) === cnt.get(best.to) && total.get(to)! < total.get(best.to)!))
                best = { p, from, to };
            }
          }
          if (best) break;
        }
        if (!best) break;
        possible++;
        done.add(best.p.pidx);
        cnt.set(best.from, cnt.get(best.from)! - 1);
        cnt.set(best.to, cnt.get(best.to)! + 1);
        total.set(best.from, total.get(best.from)! - 1);
        total.set(best.to, total.get(best.to)! + 1);
        if (await propose(eng, rc, t, best.p.pidx, best.p.ballot, 'move_pri', best.from, best.to)) {
          proposed++;
          moved++;
          rc.primariesMoved++;
        }
      }
    }
    if (possible === 0)
      return moved
        ? `${moved} primaries moved (role switches, no copy) to even out primaries per table`
        : 'primaries already even per table (as far as the partition members allow)';
    const fp = ballotFingerprint(s);
    if (fp !== lastFp) {
      lastFp = fp;
      lastChange = eng.clock.now();
    }
    // A balance the meta does not carry out (refused proposals) is not worth failing the run for.
    if (eng.clock.now() - lastChange > eng.o.stuckAfterMs || eng.clock.now() - start > eng.t.primariesMs)
      return `${moved} primaries moved; ${possible} more move(s) did not happen (the meta did not carry them out): run rebalance`;
    progress(
      eng,
      rc,
      {
        phase: 'balance primaries',
        unhealthy: unhealthyPartitions(s).length,
        bytesCopied: 0,
        bytesPlanned: 0,
        rate: 0,
        elapsedSeconds: (eng.clock.now() - start) / 1000,
      },
      `evening out primaries: ${proposed} role switch(es) proposed`,
    );
    await eng.clock.sleep(eng.o.pollIntervalMs, rc.signal);
  }
}

/** Lively with only_move_primary (new nodes take secondaries before any primary), until the configuration itself is balanced. */
export async function rebalanceBody(eng: ScaleEngine, rc: RunCtx): Promise<string> {
  await setSetting(eng, rc, 'meta.lb.only_move_primary', 'true', 'new nodes receive secondaries first; primaries only move (PR #528)');
  await setSetting(eng, rc, 'meta_level', 'lively', 'let the balancer run');
  const start = eng.clock.now();
  let balancedSince: number | undefined;
  let lastFp = '';
  let lastChange = start;
  let result = '';
  for (;;) {
    const s = await eng.readState(rc);
    const u = unhealthyPartitions(s);
    const over = s.tables.some((t) => t.partitions.some((p) => (p.primary ? 1 : 0) + p.secondaries.length > t.maxReplicaCount));
    const rep = balanceReport(s);
    const fp = ballotFingerprint(s);
    if (fp !== lastFp) {
      lastFp = fp;
      lastChange = eng.clock.now();
    }
    const now = eng.clock.now();
    if (rep.balanced && u.length === 0 && !over) {
      balancedSince ??= now;
      if (now - balancedSince >= eng.o.balancedSettleMs) {
        result = `balanced: every table within ±1 (primaries ${rep.tables.map((t) => `${t.table} ${t.primarySpread.join('..')}`).join(', ')})`;
        break;
      }
    } else balancedSince = undefined;
    if (u.length === 0 && !over && now - lastChange >= eng.o.balancerIdleMs) {
      result = `balancer idle for ${fmtDuration((now - lastChange) / 1000)}; not within ±1 for: ${
        rep.tables
          .filter((t) => !t.balanced)
          .map((t) => `${t.table} primaries ${t.primarySpread.join('..')} replicas ${t.replicaSpread.join('..')}`)
          .join(', ') || 'none'
      }`;
      break;
    }
    if (now - start > eng.t.balancedMs) {
      throw new EngineError(
        `not balanced after ${fmtDuration(eng.t.balancedMs / 1000)} (timeouts.balancedMs): ${rep.tables
          .filter((t) => !t.balanced)
          .map((t) => `${t.table} primaries ${t.primarySpread.join('..')} replicas ${t.replicaSpread.join('..')}`)
          .join(
            ', ',
          )}; ${u.length} partition(s) unhealthy. Check meta.lb.* settings and the meta log for refused proposals, then run rebalance again`,
      );
    }
    const notBal = rep.tables.filter((t) => !t.balanced).length;
    progress(
      eng,
      rc,
      { phase: 'rebalance', unhealthy: u.length, bytesCopied: 0, bytesPlanned: 0, rate: 0, elapsedSeconds: (now - start) / 1000 },
      `rebalancing: ${notBal} table(s) not within ±1, ${u.length} partition(s) moving`,
    );
    await eng.clock.sleep(eng.o.pollIntervalMs, rc.signal);
  }
  await setSetting(eng, rc, 'meta_level', 'steady', 'balanced: stop the balancer');
  return result;
}
