/** Draining a node: primaries by `move_pri`, replicas by `copy_sec` to the meta's own cure choice; proposal bookkeeping. */
import { fmtBytes } from '../../cluster/units';
import { ballotFingerprint, replicasOn, unhealthyPartitions } from '../model';
import { Placement } from '../placement';
import { DEFAULT_REPLICA_SIZE_BYTES } from '../plan';
import { isAbortError, type ClusterState, type PartitionView, type TableView } from '../ports';
import { LearnMeter, learningIsVolatile, learningOf, SizeBook } from '../capacity';
import { readReplicaData } from '../replicaData';
import { checkStuck, progress } from '../waits';
import type { RunCtx } from '../types';
import type { OpContext } from '../context';

export function loadTargets(cx: OpContext, run: string): void {
  cx.book.targets.clear();
  for (const r of cx.deps.journal.all()) {
    if (r.t !== 'event' || r.kind !== 'target' || r.run !== run) continue;
    const m = /^(copy_sec|copy_pri) (\d+\.\d+) (\S+) -> (\S+)$/.exec(r.message);
    if (m) cx.book.targets.set(`${m[2]} ${m[3]}`, m[4]!);
  }
}

/** The node chosen before for this copy when it can still take it, else the placement's choice. */
export function copyTarget(cx: OpContext, t: TableView, p: PartitionView, from: string, placement: Placement): string | null {
  const before = cx.book.targets.get(`${t.appId}.${p.pidx} ${from}`);
  if (before !== undefined && placement.canReceive(p, before)) return before;
  return placement.chooseSecondaryTarget(t, p);
}

export function rememberTarget(cx: OpContext, t: TableView, pidx: number, type: 'copy_sec' | 'copy_pri', from: string, to: string): void {
  const key = `${t.appId}.${pidx} ${from}`;
  if (cx.book.targets.get(key) === to) return;
  cx.book.targets.set(key, to);
  cx.deps.journal.append({ t: 'event', kind: 'target', message: `${type} ${t.appId}.${pidx} ${from} -> ${to}` }, cx.date());
}
/** Why measured bytes can pass the planned total, said wherever they do. */
export function overPlanWhy(cx: OpContext): string {
  return cx.options.replicaSizeBytes === undefined
    ? `the plan assumed ${fmtBytes(DEFAULT_REPLICA_SIZE_BYTES)} per replica (sizes unknown: pass the engine option replicaSizeBytes, --replica-size), and the byte counter includes any other copy running meanwhile`
    : 'the replicas are larger than the replicaSizeBytes given, or the byte counter includes other copies running meanwhile';
}

/** Why measured bytes pass a plan made of the sizes the servers reported. */
const overReportedWhy =
  'the replicas grew during the drain (writes go on), or the learning counters include other copies running meanwhile';

/** The node's replicas with their bytes (as reported, else assumed) and a meter over the other nodes' learning counters. */
async function openByteWindow(
  cx: OpContext,
  rc: RunCtx,
  s: ClusterState,
  node: string,
  hosted: readonly { appId: number; pidx: number; table: string }[],
): Promise<{ sizes: Map<string, number>; meter: LearnMeter | undefined; at: number; exact: boolean }> {
  const at = cx.clock.now();
  const data = await readReplicaData(cx, [node, ...receivers(s, node)], rc.signal);
  const book = data ? new SizeBook(data) : undefined;
  const sizes = new Map(hosted.map((h) => [`${h.appId}.${h.pidx}`, book?.size(h.appId, h.pidx, node) ?? replicaSize(cx, h.table)]));
  const l = learningOf(data);
  return {
    sizes,
    meter: l && data ? new LearnMeter(l, learningIsVolatile(data)) : undefined,
    at,
    exact: book !== undefined && hosted.every((h) => book.has(h.appId, h.pidx, node)),
  };
}

/** Nodes that can receive the drained node's replicas: every other alive one. */
function receivers(s: ClusterState, node: string): string[] {
  return s.nodes.filter((n) => n.alive && n.address !== node).map((n) => n.address);
}

/** Bytes the receivers copied in since the drain began; undefined when the counters could not be read this time. */
async function learnedSince(cx: OpContext, rc: RunCtx, s: ClusterState, node: string, meter: LearnMeter): Promise<number | undefined> {
  const l = learningOf(await readReplicaData(cx, receivers(s, node), rc.signal));
  return l ? meter.update(l) : undefined;
}

export function replicaSize(cx: OpContext, table: string): number {
  const rs = cx.options.replicaSizeBytes;
  if (rs === undefined) return DEFAULT_REPLICA_SIZE_BYTES;
  if (typeof rs === 'number') return rs;
  return rs[table] ?? rs['default'] ?? DEFAULT_REPLICA_SIZE_BYTES;
}

export async function propose(
  cx: OpContext,
  rc: RunCtx,
  t: TableView,
  pidx: number,
  ballot: number,
  type: 'move_pri' | 'copy_sec' | 'copy_pri' | 'remove',
  from: string,
  to: string,
): Promise<boolean> {
  const key = `${t.appId}.${pidx}`;
  const prev = cx.book.proposals.get(key);
  const now = cx.clock.now();
  // Re-send only when the partition did not change for a while (the meta may have dropped it).
  if (prev && prev.type === type && (prev.ballot !== ballot || now - prev.at < cx.options.reproposeAfterMs)) {
    if (prev.ballot !== ballot) cx.book.proposals.set(key, { ...prev, ballot, at: now });
    return false;
  }
  let r: 'accepted' | 'pending';
  try {
    r = await cx.deps.cluster.propose({ appId: t.appId, pidx, type, from, to }, rc.signal);
  } catch (e) {
    if (isAbortError(e) || rc.signal.aborted) throw e;
    // Not recorded: the next poll proposes again (a fail-over in progress, a dropped connection).
    cx.emit({
      kind: 'warning',
      note: { code: 'propose-failed', type, gpid: key, from, to, error: e instanceof Error ? e.message : String(e) },
    });
    return false;
  }
  cx.book.proposals.set(key, { at: now, ballot, type, from, to });
  return r === 'accepted';
}

/** How much of a drain's first step runs. */
export interface PrimariesOptions {
  /**
   * Only hand the primaries over (`move_pri`): no secondary starts moving and no `copy_pri` is
   * proposed. stop-node uses it: the node's other replicas are left to the meta's cure.
   */
  readonly handOverOnly?: boolean;
}

/** Step 1 of a drain: every primary on `node` moves to a secondary (no copy). */
export async function drainPrimaries(cx: OpContext, rc: RunCtx, node: string, planned: number, o: PrimariesOptions = {}): Promise<string> {
  const handOverOnly = o.handOverOnly === true;
  const start = cx.clock.now();
  let initial = -1;
  let lastChange = start;
  let lastFp = '';
  let stuckReported = false;
  cx.book.proposals.clear();
  for (;;) {
    const s = await cx.readState(rc);
    const all = replicasOn(s, node);
    // The drain's byte window starts here; a hand-over copies nothing and must not open one.
    if (!handOverOnly && !cx.book.drainStart.has(node)) cx.book.drainStart.set(node, await openByteWindow(cx, rc, s, node, all));
    const hosted = all.filter((r) => r.role === 'primary');
    if (initial < 0) initial = hosted.length;
    if (hosted.length === 0) return `${initial} primaries moved away from ${node} (planned ${planned})`;
    const placement = new Placement(s, rc.excluded);
    // Replicas that already are secondaries start moving now (other partitions: no conflict), saving a tick.
    for (const h of all) {
      if (handOverOnly || h.role !== 'secondary') continue;
      const t = s.tables.find((x) => x.appId === h.appId)!;
      await moveSecondary(
        cx,
        rc,
        t,
        t.partitions.find((x) => x.pidx === h.pidx)!,
        node,
        placement,
      );
    }
    for (const h of hosted) {
      const t = s.tables.find((x) => x.appId === h.appId)!;
      const p = t.partitions.find((x) => x.pidx === h.pidx)!;
      const to = placement.choosePrimaryTarget(t, p, node);
      if (to) {
        if (await propose(cx, rc, t, p.pidx, p.ballot, 'move_pri', node, to)) {
          rc.primariesMoved++;
          placement.applyMovePrimary(t, node, to);
        }
      } else if (!handOverOnly) {
        const dest = copyTarget(cx, t, p, node, placement);
        if (dest && (await propose(cx, rc, t, p.pidx, p.ballot, 'copy_pri', node, dest))) {
          rememberTarget(cx, t, p.pidx, 'copy_pri', node, dest);
          rc.copiesProposed++;
          placement.applyCopyPrimary(t, node, dest);
        }
      }
    }
    const fp = ballotFingerprint(s);
    if (fp !== lastFp) {
      lastFp = fp;
      lastChange = cx.clock.now();
      stuckReported = false;
    }
    progress(cx, {
      phase: 'move primaries',
      node,
      primariesLeft: hosted.length,
      unhealthy: unhealthyPartitions(s).length,
      bytesCopied: 0,
      bytesPlanned: 0,
      rate: 0,
      elapsedSeconds: (cx.clock.now() - start) / 1000,
    });
    stuckReported = await checkStuck(cx, rc, {
      state: s,
      start,
      lastChange,
      timeoutMs: cx.timeouts.primariesMs,
      waitingFor: `${node} to hold no primary`,
      node,
      reported: stuckReported,
    });
    await cx.clock.sleep(cx.options.pollIntervalMs, rc.signal);
  }
}

/** One replica of `node` (a secondary) goes to a staying node: learned from the primary first, then removed here. */
export async function moveSecondary(
  cx: OpContext,
  rc: RunCtx,
  t: TableView,
  p: PartitionView,
  node: string,
  placement: Placement,
): Promise<void> {
  if (!p.primary) return; // copy_sec learns from the primary; wait for the election
  const key = `${t.appId}.${p.pidx}`;
  if (1 + p.secondaries.length > t.maxReplicaCount) {
    // The new copy is in place and this one is the extra (a proposal lost in a fail-over): remove it, no copy.
    // The meta's own cure removes a redundant secondary as soon as the copy lands; proposing at
    // the same time would remove two. So only when the same over-full configuration is still
    // there a poll later (the cure did not act).
    if (cx.book.overFull.get(key) !== p.ballot) {
      cx.book.overFull.set(key, p.ballot);
      return;
    }
    await propose(cx, rc, t, p.pidx, p.ballot, 'remove', node, p.primary);
    return;
  }
  cx.book.overFull.delete(key);
  const to = copyTarget(cx, t, p, node, placement);
  if (!to) return; // diagnosed as "nowhere to go" when it stalls
  if (await propose(cx, rc, t, p.pidx, p.ballot, 'copy_sec', node, to)) {
    rememberTarget(cx, t, p.pidx, 'copy_sec', node, to);
    rc.copiesProposed++;
    placement.applyCopySecondary(t, node, to);
  }
}

/** Step 2 of a drain: every replica on `node` is copied to a staying node, then removed from it. */
export async function drainReplicas(cx: OpContext, rc: RunCtx, node: string, plannedBytes: number, plannedSeconds = 0): Promise<string> {
  // Without an explicit timeout: generous against the plan (4x its estimate, at least 30 min).
  const timeoutMs =
    cx.deps.options?.timeouts?.secondariesMs ??
    (plannedSeconds > 0 ? Math.max(30 * 60_000, 4 * plannedSeconds * 1000) : cx.timeouts.secondariesMs);
  const start = cx.clock.now();
  let lastChange = start;
  let lastFp = '';
  let stuckReported = false;
  // What the node hosted when its drain began: a replica gone from it was copied first (copy_sec adds before it removes).
  let window = cx.book.drainStart.get(node);
  for (;;) {
    const s = await cx.readState(rc);
    const hosted = replicasOn(s, node);
    if (!window) {
      window = await openByteWindow(cx, rc, s, node, hosted);
      cx.book.drainStart.set(node, window);
    }
    // Bytes and rate over the same window: copies start during the primaries step already.
    const windowStart = window.at;
    const initialSet = window.sizes;
    const initial = initialSet.size;
    const still = new Set(hosted.map((h) => `${h.appId}.${h.pidx}`));
    let estimated = 0;
    for (const [g, b] of initialSet) if (!still.has(g)) estimated += b;
    const measured = window.meter ? await learnedSince(cx, rc, s, node, window.meter) : undefined;
    const doneBytes = measured ?? estimated;
    rc.partialBytes = { bytes: doneBytes, estimated: measured === undefined };
    // One planned total for the whole drain: the plan's figure (replica size x replicas), else the sizes assumed here.
    const planned = plannedBytes || [...initialSet.values()].reduce((a, b) => a + b, 0);
    if (hosted.length === 0) {
      rc.partialBytes = undefined;
      rc.bytesCopied += doneBytes;
      if (measured === undefined) rc.bytesEstimated += doneBytes;
      const how =
        measured === undefined
          ? ', estimated from replica sizes'
          : doneBytes > planned * 1.1
            ? `, measured from the learning counters: more than the ${fmtBytes(planned)} planned — ${window.exact ? overReportedWhy : overPlanWhy(cx)}`
            : '';
      return `${initial} replicas copied off ${node} (${fmtBytes(doneBytes)}${how})`;
    }
    const placement = new Placement(s, rc.excluded);
    for (const h of hosted) {
      const t = s.tables.find((x) => x.appId === h.appId)!;
      const p = t.partitions.find((x) => x.pidx === h.pidx)!;
      if (h.role === 'primary') {
        // Became primary again (a re-election after a failover): hand the role back first.
        const to = placement.choosePrimaryTarget(t, p, node);
        if (to && (await propose(cx, rc, t, p.pidx, p.ballot, 'move_pri', node, to))) rc.primariesMoved++;
        continue;
      }
      await moveSecondary(cx, rc, t, p, node, placement);
    }
    const fp = ballotFingerprint(s);
    if (fp !== lastFp) {
      lastFp = fp;
      lastChange = cx.clock.now();
      stuckReported = false;
    }
    const el = (cx.clock.now() - windowStart) / 1000;
    const rate = el > 0 ? doneBytes / el : 0;
    const over = doneBytes > planned;
    // ETA from bytes while under the plan; past it (sizes larger than assumed) from the replicas still to go.
    const movedCount = initial - hosted.length;
    const eta = !over && rate > 0 ? (planned - doneBytes) / rate : movedCount > 0 && el > 0 ? (hosted.length * el) / movedCount : undefined;
    progress(cx, {
      phase: 'copy replicas',
      node,
      replicasLeft: hosted.length,
      replicasTotal: initial,
      ...(over
        ? {
            overPlan: window.exact
              ? ('reported' as const)
              : cx.options.replicaSizeBytes === undefined
                ? ('assumed' as const)
                : ('given' as const),
          }
        : {}),
      unhealthy: unhealthyPartitions(s).length,
      bytesCopied: doneBytes,
      bytesPlanned: planned,
      ...(measured === undefined ? { estimated: true } : {}),
      rate,
      ...(eta !== undefined ? { etaSeconds: eta } : {}),
      elapsedSeconds: el,
    });
    stuckReported = await checkStuck(cx, rc, {
      state: s,
      start,
      lastChange,
      timeoutMs,
      waitingFor: `${node} to hold no replica`,
      node,
      reported: stuckReported,
    });
    await cx.clock.sleep(cx.options.pollIntervalMs, rc.signal);
  }
}
