/** Single node steps: stop (with the freeze guard), wait gone, wait alive, wait healthy. */
import { fmtDuration } from '../../cluster/units';
import { decideRemoval, zeroMarginWarning } from '../freezeGuard';
import { aliveDead, ballotFingerprint, replicasOn, unhealthyPartitions } from '../model';
import { isAbortError, type ClusterState } from '../ports';
import { setSetting } from '../settings';
import { drainPrimaries, drainReplicas } from './drain';
import { checkStuck, progress } from '../waits';
import { EngineError, RefusedError, type RunCtx } from '../types';
import type { ScaleEngine } from '../engine';

/**
 * Freeze guard, then stop the (drained) process and wait for the meta to see it gone. With
 * `redrain` (scale-in), a node found hosting replicas again (a resume after a fail-over or a
 * crash, when something placed a replica on it) is drained again first instead of failing: a
 * process is never stopped while it holds a replica.
 */
export async function stopOne(
  eng: ScaleEngine,
  rc: RunCtx,
  node: string,
  force: boolean,
  waitGone = true,
  redrain = false,
): Promise<string> {
  let s = await eng.readState(rc);
  const listed = s.nodes.find((n) => n.address === node);
  if (!listed)
    throw new EngineError(
      `${node} is not a node of this cluster (the meta lists ${s.nodes.length}: ${s.nodes
        .slice(0, 5)
        .map((n) => n.address)
        .join(', ')}${s.nodes.length > 5 ? ', …' : ''}); use an address as the meta lists it`,
    );
  if (!listed.alive) return `${node} already UNALIVE`;
  let hosted = replicasOn(s, node);
  if (hosted.length > 0 && redrain && !force) {
    eng.emit({
      kind: 'warning',
      message: `${node} hosts ${hosted.length} replica(s) again before its stop (something placed them after its drain); draining it again first`,
    });
    await drainPrimaries(eng, rc, node, 0);
    await drainReplicas(eng, rc, node, 0);
    s = await eng.readState(rc);
    hosted = replicasOn(s, node);
  }
  if (hosted.length > 0 && !force) {
    const pri = hosted.filter((h) => h.role === 'primary').length;
    throw new EngineError(
      `${node} still hosts ${hosted.length} replica(s) (${pri} primaries): stopping it now would make those partitions lose a replica${pri ? ' and a primary for the failure-detection grace period' : ''}. Drain it first (drain-node), or pass force`,
    );
  }
  const notes: string[] = [];
  await guardFreeze(eng, rc, s, node, notes);
  // Counted as going down from here on, even if the command fails: it may have killed the process anyway.
  rc.stopIssued.add(node);
  try {
    await eng.d.control.stopNode(node, rc.signal);
  } catch (e) {
    if (isAbortError(e) || rc.signal.aborted) throw e;
    throw new EngineError(
      `stopping ${node} through ${eng.d.control.kind} node control failed: ${e instanceof Error ? e.message : String(e)}. ` +
        `It held no replica, so no data is at risk; check whether the process still runs, fix the node control (profile nodeControl.stop) or stop it by hand, then resume`,
    );
  }
  if (!waitGone) return `stop issued for ${node}${notes.length ? `; ${notes.join('; ')}` : ''}`;
  await waitNodeGone(eng, rc, node);
  return `${node} stopped and seen UNALIVE${notes.length ? `; ${notes.join('; ')}` : ''}`;
}

export async function guardFreeze(eng: ScaleEngine, rc: RunCtx, s: ClusterState, node: string, notes: string[]): Promise<void> {
  const { alive, dead } = aliveDead(s);
  const pct = await eng.retrying(rc, 'reading meta.live_percentage', () => eng.readPct(rc.signal));
  const ml = await eng.minLive(s.leader, rc.signal);
  const km = eng.o.keepMargin;
  const d = decideRemoval({ alive, dead, pct, minLive: ml.value }, km);
  if (d.kind === 'refuse') throw new RefusedError([{ reason: `stopping ${node}: ${d.reason} (${ml.note})`, fix: d.fix }]);
  if (d.kind === 'lower') {
    const why =
      km > 0 && !d.short
        ? `stopping ${node} at ${pct} would leave fewer than ${km} spare node failure(s) before a freeze (alive ${alive - 1}, dead ${dead + 1}); ${d.pct} is the largest value that keeps ${km} (keepMargin)`
        : `stopping ${node} would freeze the meta at ${pct} (alive ${alive - 1}, dead ${dead + 1}); ${d.pct} is the largest value that avoids it`;
    await setSetting(eng, rc, 'meta.live_percentage', String(d.pct), why);
    notes.push(`meta.live_percentage lowered ${pct} -> ${d.pct} first`);
  }
  if (d.short) eng.emit({ kind: 'warning', message: `stopping ${node}: ${d.short}` });
  if (d.after.margin === 0) {
    const w = zeroMarginWarning(`stopping ${node}`);
    eng.emit({ kind: 'warning', message: w });
    notes.push('freeze margin 0 after it');
  }
}

export async function waitNodeGone(eng: ScaleEngine, rc: RunCtx, node: string): Promise<void> {
  const start = eng.clock.now();
  let told = false;
  for (;;) {
    const s = await eng.readState(rc);
    const n = s.nodes.find((x) => x.address === node);
    if (!n || !n.alive) {
      rc.stopIssued.delete(node);
      return;
    }
    const el = eng.clock.now() - start;
    if (el > eng.t.nodeGoneMs) {
      throw new EngineError(
        `the meta still lists ${node} ALIVE ${fmtDuration(el / 1000)} after the stop (timeouts.nodeGoneMs): the process is probably still running or was restarted by a supervisor. ` +
          (eng.d.control.kind === 'manual'
            ? `Stop it by hand, then resume`
            : `Check what the ${eng.d.control.kind} node control's stop did on ${node}, stop it by hand if needed, then resume`),
      );
    }
    if (!told && el > (eng.o.fdGraceSeconds + 4) * 1000) {
      eng.emit({
        kind: 'info',
        message: `${node} still ALIVE after ${fmtDuration(el / 1000)}; the meta declares a node dead after the fd grace period (${eng.o.fdGraceSeconds} s)`,
      });
      told = true;
    }
    progress(
      eng,
      rc,
      {
        phase: 'stop',
        node,
        unhealthy: unhealthyPartitions(s).length,
        bytesCopied: 0,
        bytesPlanned: 0,
        rate: 0,
        elapsedSeconds: el / 1000,
      },
      `${node}: waiting for the meta to see it gone`,
    );
    await eng.clock.sleep(eng.o.pollIntervalMs, rc.signal);
  }
}

export async function waitNodeAlive(eng: ScaleEngine, rc: RunCtx, node: string): Promise<string> {
  const start = eng.clock.now();
  for (;;) {
    const s = await eng.readState(rc);
    if (s.nodes.some((x) => x.address === node && x.alive)) return `${node} ALIVE`;
    const el = eng.clock.now() - start;
    if (el > eng.t.nodeAliveMs)
      throw new EngineError(
        `${node} did not appear ALIVE within ${fmtDuration(el / 1000)}: check the process started, that it can reach the metas, and (with enable_white_list) that it is in replica_white_list`,
      );
    progress(
      eng,
      rc,
      {
        phase: 'start',
        node,
        unhealthy: unhealthyPartitions(s).length,
        bytesCopied: 0,
        bytesPlanned: 0,
        rate: 0,
        elapsedSeconds: el / 1000,
      },
      `${node}: waiting for the meta to list it ALIVE`,
    );
    await eng.clock.sleep(eng.o.pollIntervalMs, rc.signal);
  }
}

export async function waitHealthy(eng: ScaleEngine, rc: RunCtx, timeoutMs: number, waitingFor: string): Promise<string> {
  const start = eng.clock.now();
  let lastChange = start;
  let lastFp = '';
  let reported = false;
  let initial = -1;
  for (;;) {
    const s = await eng.readState(rc);
    const u = unhealthyPartitions(s);
    if (initial < 0) initial = u.length;
    if (u.length === 0)
      return initial > 0 ? `every partition healthy (${initial} were not when the wait began)` : 'every partition healthy';
    const fp = ballotFingerprint(s);
    if (fp !== lastFp) {
      lastFp = fp;
      lastChange = eng.clock.now();
      reported = false;
    }
    progress(
      eng,
      rc,
      {
        phase: 'wait healthy',
        unhealthy: u.length,
        bytesCopied: 0,
        bytesPlanned: 0,
        rate: 0,
        elapsedSeconds: (eng.clock.now() - start) / 1000,
      },
      `${u.length} unhealthy partition(s)`,
    );
    reported = await checkStuck(eng, rc, s, start, lastChange, timeoutMs, waitingFor, undefined, reported);
    await eng.clock.sleep(eng.o.pollIntervalMs, rc.signal);
  }
}

/** Leaving nodes still listed ALIVE whose stop was not issued (a balancer could put replicas back on them). */
export async function stillUp(eng: ScaleEngine, nodes: readonly string[], rc: RunCtx): Promise<string[]> {
  const pending = nodes.filter((n) => !rc.stopIssued.has(n) && !rc.finished.has(`${n}:stop`));
  try {
    const st = await eng.d.cluster.readState(AbortSignal.timeout(30_000));
    return pending.filter((n) => st.nodes.some((x) => x.address === n && x.alive));
  } catch {
    return pending;
  }
}
