/** Rebalance: primaries by role switch, then the meta's balancer until the configuration is balanced. */
import { fmtDuration } from '../../cluster/units';
import { balanceReport, ballotFingerprint, unhealthyPartitions } from '../model';
import type { PartitionView } from '../ports';
import { setSetting } from '../settings';
import { propose } from './drain';
import { progress } from '../waits';
import { EngineError, type RunCtx } from '../types';
import type { OpContext } from '../context';

/**
 * Evens out primaries per table with `move_pri` only (a role switch: nothing is copied): while a
 * table has a node with at least two primaries more than another, the primary of a partition on
 * the fullest node goes to its secondary with the fewest primaries (of the table, then overall).
 * Never touches an unhealthy partition; gives up quietly (the summary advises a rebalance) when
 * the members allow no better spread.
 */
export async function balancePrimaries(cx: OpContext, rc: RunCtx): Promise<string> {
  const start = cx.clock.now();
  let moved = 0;
  let lastFp = '';
  let lastChange = start;
  for (;;) {
    const s = await cx.readState(rc);
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
        if (await propose(cx, rc, t, best.p.pidx, best.p.ballot, 'move_pri', best.from, best.to)) {
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
      lastChange = cx.clock.now();
    }
    // A balance the meta does not carry out (refused proposals) is not worth failing the run for.
    if (cx.clock.now() - lastChange > cx.options.stuckAfterMs || cx.clock.now() - start > cx.timeouts.primariesMs)
      return `${moved} primaries moved; ${possible} more move(s) did not happen (the meta did not carry them out): run rebalance`;
    progress(cx, {
      phase: 'balance primaries',
      proposed,
      unhealthy: unhealthyPartitions(s).length,
      bytesCopied: 0,
      bytesPlanned: 0,
      rate: 0,
      elapsedSeconds: (cx.clock.now() - start) / 1000,
    });
    await cx.clock.sleep(cx.options.pollIntervalMs, rc.signal);
  }
}

/** Lively with only_move_primary (new nodes take secondaries before any primary), until the configuration itself is balanced. */
export async function rebalanceBody(cx: OpContext, rc: RunCtx): Promise<string> {
  // New nodes receive secondaries first; primaries only move (upstream PR #528).
  await setSetting(cx, rc, 'meta.lb.only_move_primary', 'true', { code: 'only-move-primary' });
  await setSetting(cx, rc, 'meta_level', 'lively', { code: 'let-balancer-run' });
  const start = cx.clock.now();
  let balancedSince: number | undefined;
  let lastFp = '';
  let lastChange = start;
  let result = '';
  for (;;) {
    const s = await cx.readState(rc);
    const u = unhealthyPartitions(s);
    const over = s.tables.some((t) => t.partitions.some((p) => (p.primary ? 1 : 0) + p.secondaries.length > t.maxReplicaCount));
    const rep = balanceReport(s);
    const fp = ballotFingerprint(s);
    if (fp !== lastFp) {
      lastFp = fp;
      lastChange = cx.clock.now();
    }
    const now = cx.clock.now();
    if (rep.balanced && u.length === 0 && !over) {
      balancedSince ??= now;
      if (now - balancedSince >= cx.options.balancedSettleMs) {
        result = `balanced: every table within ±1 (primaries ${rep.tables.map((t) => `${t.table} ${t.primarySpread.join('..')}`).join(', ')})`;
        break;
      }
    } else balancedSince = undefined;
    if (u.length === 0 && !over && now - lastChange >= cx.options.balancerIdleMs) {
      result = `balancer idle for ${fmtDuration((now - lastChange) / 1000)}; not within ±1 for: ${
        rep.tables
          .filter((t) => !t.balanced)
          .map((t) => `${t.table} primaries ${t.primarySpread.join('..')} replicas ${t.replicaSpread.join('..')}`)
          .join(', ') || 'none'
      }`;
      break;
    }
    if (now - start > cx.timeouts.balancedMs) {
      throw new EngineError(
        `not balanced after ${fmtDuration(cx.timeouts.balancedMs / 1000)} (timeouts.balancedMs): ${rep.tables
          .filter((t) => !t.balanced)
          .map((t) => `${t.table} primaries ${t.primarySpread.join('..')} replicas ${t.replicaSpread.join('..')}`)
          .join(
            ', ',
          )}; ${u.length} partition(s) unhealthy. Check meta.lb.* settings and the meta log for refused proposals, then run rebalance again`,
      );
    }
    progress(cx, {
      phase: 'rebalance',
      tablesUneven: rep.tables.filter((t) => !t.balanced).length,
      unhealthy: u.length,
      bytesCopied: 0,
      bytesPlanned: 0,
      rate: 0,
      elapsedSeconds: (now - start) / 1000,
    });
    await cx.clock.sleep(cx.options.pollIntervalMs, rc.signal);
  }
  await setSetting(cx, rc, 'meta_level', 'steady', { code: 'balanced' });
  return result;
}
