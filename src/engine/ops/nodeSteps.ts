/** Single node steps: stop (with the freeze guard), wait gone, wait alive, wait healthy. */
import { fmtDuration } from '../../cluster/units';
import { decideRemoval } from '../freezeGuard';
import { aliveDead, ballotFingerprint, lastReplicasOn, replicasOn, unhealthyPartitions } from '../model';
import { isAbortError, type ClusterState } from '../ports';
import { setSetting } from '../settings';
import { drainPrimaries, drainReplicas } from './drain';
import { checkStuck, progress } from '../waits';
import { EngineError, RefusedError, type RunCtx } from '../types';
import type { OpContext } from '../context';

/**
 * Freeze guard, then stop the process and wait for the meta to see it gone.
 *
 * A node that still holds primaries hands them to secondaries first (`move_pri`: a role switch,
 * no copy), as Pegasus's own offline script does before it kills the process
 * (scripts/pegasus_offline_node.sh, via scripts/migrate_node.sh's `balance --type move_pri`,
 * which the meta takes in src/meta/server_state.cpp on_propose_balancer). Its
 * secondaries are left to the meta's cure, which re-creates them elsewhere after the stop; a
 * drain-node or scale-in would have copied them first. Refused only when the stop really hurts:
 * a partition whose only alive replica is on this node, or a freeze the guard cannot avoid.
 *
 * With `redrain` (scale-in), a node found hosting replicas again (a resume after a fail-over or a
 * crash, when something placed a replica on it) is drained again first instead of failing: a
 * scale-in never stops a process while it holds a replica.
 */
export interface StopOptions {
  /** Stop it at once: no hand-over, and even when it holds a partition's last alive replica. */
  readonly force?: boolean;
  /** Wait until the meta lists it UNALIVE (default); scale-in waits later, in its own step. */
  readonly waitGone?: boolean;
  /** Drain it again first when replicas came back since its drain (scale-in). */
  readonly redrain?: boolean;
}

export async function stopOne(cx: OpContext, rc: RunCtx, node: string, o: StopOptions = {}): Promise<string> {
  const { force = false, waitGone = true, redrain = false } = o;
  let s = await cx.readState(rc);
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
    cx.emit({ kind: 'warning', note: { code: 'redrain', node, replicas: hosted.length } });
    await drainPrimaries(cx, rc, node, 0);
    await drainReplicas(cx, rc, node, 0);
    s = await cx.readState(rc);
    hosted = replicasOn(s, node);
    if (hosted.length > 0) {
      const pri = hosted.filter((h) => h.role === 'primary').length;
      throw new EngineError(
        `${node} still hosts ${hosted.length} replica(s) (${pri} primaries) after its drain: something places replicas on it again. ` +
          `Check the black list (meta.lb.assign_secondary_black_list) and the meta level, then resume`,
      );
    }
  }
  let handedOver = 0;
  if (hosted.length > 0 && !force) {
    refuseLastReplicas(s, node);
    // Before anything moves: a stop the guard must refuse hands nothing over.
    await guardFreeze(cx, rc, s, node);
    const primaries = hosted.filter((h) => h.role === 'primary').length;
    if (primaries > 0) {
      // Black-listed nodes are the ones the operator takes out next: hand primaries to them only when no other secondary can take one.
      if (!redrain) rc.excluded = new Set([...rc.excluded, node, ...(await blackListed(cx, rc))]);
      await drainPrimaries(cx, rc, node, primaries, { handOverOnly: true });
      handedOver = primaries;
      cx.emit({ kind: 'info', note: { code: 'primaries-handed-over', node, primaries: handedOver } });
      s = await cx.readState(rc);
      hosted = replicasOn(s, node);
      // A secondary may have died meanwhile; the guard's decision holds (the hand-over changes no node's liveness).
      refuseLastReplicas(s, node);
    }
    if (hosted.length > 0) cx.emit({ kind: 'info', note: { code: 'cure-recreates', node, secondaries: hosted.length } });
  } else {
    await guardFreeze(cx, rc, s, node);
  }
  // Counted as going down from here on, even if the command fails: it may have killed the process anyway.
  rc.stopIssued.add(node);
  try {
    await cx.deps.control.stopNode(node, rc.signal);
  } catch (e) {
    if (isAbortError(e) || rc.signal.aborted) throw e;
    throw new EngineError(
      `stopping ${node} through ${cx.deps.control.kind} node control failed: ${e instanceof Error ? e.message : String(e)}. ` +
        (hosted.length > 0
          ? `It still held ${hosted.length} secondaries (their partitions keep their other replicas); check`
          : `It held no replica, so no data is at risk; check`) +
        ` whether the process still runs, fix the node control (profile nodeControl.stop) or stop it by hand, then resume`,
    );
  }
  // The threshold and the margin were said as they happened (setting and warning events).
  const after = handedOver > 0 ? ` after handing over ${handedOver} primaries` : '';
  if (!waitGone) return `stop issued for ${node}${after}`;
  await waitNodeGone(cx, rc, node);
  return `${node} stopped${after} and seen UNALIVE`;
}

/** The meta's secondary black list; empty when it cannot be read (it only steers where primaries go). */
async function blackListed(cx: OpContext, rc: RunCtx): Promise<string[]> {
  try {
    const v = await cx.deps.cluster.getSetting('meta.lb.assign_secondary_black_list', rc.signal);
    return v
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x.length > 0);
  } catch (e) {
    if (isAbortError(e) || rc.signal.aborted) throw e;
    return [];
  }
}

/** Refused when stopping `node` would leave a partition with no replica at all. */
function refuseLastReplicas(s: ClusterState, node: string): void {
  const last = lastReplicasOn(s, node);
  if (last.length === 0) return;
  throw new RefusedError([
    {
      code: 'last-replica',
      node,
      count: last.length,
      sample: last.slice(0, 5).map((h) => ({ gpid: `${h.appId}.${h.pidx}`, table: h.table })),
    },
  ]);
}

/** Before a stop: lower the threshold just enough (journaled), or refuse when min-live would freeze the meta whatever it is. */
export async function guardFreeze(cx: OpContext, rc: RunCtx, s: ClusterState, node: string): Promise<void> {
  const { alive, dead } = aliveDead(s);
  const pct = await cx.retrying(rc, 'reading meta.live_percentage', () => cx.readPct(rc.signal));
  const ml = await cx.minLive(s.leader, rc.signal);
  const km = cx.options.keepMargin;
  const d = decideRemoval({ alive, dead, pct, minLive: ml.value }, km);
  if (d.kind === 'refuse')
    throw new RefusedError([{ code: 'min-live', nodes: [node], aliveAfter: d.aliveAfter, minLive: d.minLive, source: ml.note }]);
  if (d.kind === 'lower') {
    await setSetting(cx, rc, 'meta.live_percentage', String(d.pct), {
      code: 'pct-lowered',
      node,
      from: pct,
      to: d.pct,
      alive: alive - 1,
      dead: dead + 1,
      ...(km > 0 && !d.short ? { keepMargin: km } : {}),
    });
  }
  if (d.short) cx.emit({ kind: 'warning', note: d.short });
  if (d.after.margin === 0) cx.emit({ kind: 'warning', note: { code: 'margin-zero', nodes: [node] } });
}

export async function waitNodeGone(cx: OpContext, rc: RunCtx, node: string): Promise<void> {
  const start = cx.clock.now();
  let told = false;
  for (;;) {
    const s = await cx.readState(rc);
    const n = s.nodes.find((x) => x.address === node);
    if (!n || !n.alive) {
      rc.stopIssued.delete(node);
      return;
    }
    const el = cx.clock.now() - start;
    if (el > cx.timeouts.nodeGoneMs) {
      throw new EngineError(
        `the meta still lists ${node} ALIVE ${fmtDuration(el / 1000)} after the stop (timeouts.nodeGoneMs): the process is probably still running or was restarted by a supervisor. ` +
          (cx.deps.control.kind === 'manual'
            ? `Stop it by hand, then resume`
            : `Check what the ${cx.deps.control.kind} node control's stop did on ${node}, stop it by hand if needed, then resume`),
      );
    }
    if (!told && el > (cx.options.fdGraceSeconds + 4) * 1000) {
      cx.emit({ kind: 'info', note: { code: 'still-alive', node, seconds: el / 1000, fdGraceSeconds: cx.options.fdGraceSeconds } });
      told = true;
    }
    progress(cx, {
      phase: 'stop',
      node,
      unhealthy: unhealthyPartitions(s).length,
      bytesCopied: 0,
      bytesPlanned: 0,
      rate: 0,
      elapsedSeconds: el / 1000,
    });
    await cx.clock.sleep(cx.options.pollIntervalMs, rc.signal);
  }
}

export async function waitNodeAlive(cx: OpContext, rc: RunCtx, node: string): Promise<string> {
  const start = cx.clock.now();
  for (;;) {
    const s = await cx.readState(rc);
    if (s.nodes.some((x) => x.address === node && x.alive)) return `${node} ALIVE`;
    const el = cx.clock.now() - start;
    if (el > cx.timeouts.nodeAliveMs)
      throw new EngineError(
        `${node} did not appear ALIVE within ${fmtDuration(el / 1000)}: check the process started, that it can reach the metas, and (with enable_white_list) that it is in replica_white_list`,
      );
    progress(cx, {
      phase: 'start',
      node,
      unhealthy: unhealthyPartitions(s).length,
      bytesCopied: 0,
      bytesPlanned: 0,
      rate: 0,
      elapsedSeconds: el / 1000,
    });
    await cx.clock.sleep(cx.options.pollIntervalMs, rc.signal);
  }
}

export async function waitHealthy(cx: OpContext, rc: RunCtx, timeoutMs: number, waitingFor: string): Promise<string> {
  const start = cx.clock.now();
  let lastChange = start;
  let lastFp = '';
  let reported = false;
  let initial = -1;
  for (;;) {
    const s = await cx.readState(rc);
    const u = unhealthyPartitions(s);
    if (initial < 0) initial = u.length;
    if (u.length === 0)
      return initial > 0 ? `every partition healthy (${initial} were not when the wait began)` : 'every partition healthy';
    const fp = ballotFingerprint(s);
    if (fp !== lastFp) {
      lastFp = fp;
      lastChange = cx.clock.now();
      reported = false;
    }
    progress(cx, {
      phase: 'wait healthy',
      unhealthy: u.length,
      bytesCopied: 0,
      bytesPlanned: 0,
      rate: 0,
      elapsedSeconds: (cx.clock.now() - start) / 1000,
    });
    reported = await checkStuck(cx, rc, { state: s, start, lastChange, timeoutMs, waitingFor, reported });
    await cx.clock.sleep(cx.options.pollIntervalMs, rc.signal);
  }
}

/** Leaving nodes still listed ALIVE whose stop was not issued (a balancer could put replicas back on them). */
export async function stillUp(cx: OpContext, nodes: readonly string[], rc: RunCtx): Promise<string[]> {
  const pending = nodes.filter((n) => !rc.stopIssued.has(n) && !rc.finished.has(`${n}:stop`));
  try {
    const st = await cx.deps.cluster.readState(AbortSignal.timeout(30_000));
    return pending.filter((n) => st.nodes.some((x) => x.address === n && x.alive));
  } catch {
    return pending;
  }
}
