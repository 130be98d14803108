/**
 * After a cancel: the proposals the meta still carries out. The meta has no withdraw for a
 * proposal it already executes (a learner is copying); setting the level steady again clears the
 * ones it has not started (meta_service.cpp on_control_meta_level → server_state::clear_proposals,
 * apache/incubator-pegasus master). So a cancel follows the rest to the end, bounded, and says
 * where each node is left.
 */
import { learningOf } from './capacity';
import { nodeLoads, unhealthyPartitions } from './model';
import { progress } from './waits';
import { readReplicaData } from './replicaData';
import { replicaSize } from './ops/drain';
import type { InFlightNode, Note } from './notes';
import type { ClusterState } from './ports';
import type { OpContext } from './context';

interface Proposal {
  readonly gpid: string;
  /** When it was sent (the engine's clock). */
  readonly at: number;
  readonly type: string;
  readonly from: string;
  readonly to: string;
}

/** Has the meta finished this proposal in `s`? A partition gone (table dropped) counts as finished. */
export function proposalLanded(s: ClusterState, p: Proposal): boolean {
  const [appId, pidx] = p.gpid.split('.').map(Number);
  const part = s.tables.find((t) => t.appId === appId)?.partitions.find((x) => x.pidx === pidx);
  if (!part) return true;
  if (p.type === 'move_pri') return part.primary !== p.from;
  // copy_sec / copy_pri / remove: done once the source no longer holds a replica.
  return part.primary !== p.from && !part.secondaries.includes(p.from);
}

/** A fingerprint of the partitions still in flight: any change in it is the meta working on them. */
function ballots(s: ClusterState, ps: readonly Proposal[]): string {
  return ps
    .map((p) => {
      const [appId, pidx] = p.gpid.split('.').map(Number);
      return `${p.gpid}@${s.tables.find((t) => t.appId === appId)?.partitions.find((x) => x.pidx === pidx)?.ballot ?? -1}`;
    })
    .join(',');
}

/** Per node: what was moving off or onto it at the cancel, its replicas now, and once the unsettled ones (still expected to land) do. */
export function inFlightNodes(s: ClusterState, atCancel: readonly Proposal[], unsettled: readonly Proposal[]): InFlightNode[] {
  const loads = nodeLoads(s);
  const nodes = new Map<string, { outgoing: number; incoming: number; delta: number }>();
  const get = (n: string): { outgoing: number; incoming: number; delta: number } => {
    let v = nodes.get(n);
    if (!v) nodes.set(n, (v = { outgoing: 0, incoming: 0, delta: 0 }));
    return v;
  };
  for (const p of atCancel) {
    get(p.from).outgoing++;
    if (p.type !== 'remove') get(p.to).incoming++;
  }
  for (const p of unsettled) {
    // A role switch moves no replica; a copy adds one on the target and removes it from the source.
    if (p.type === 'move_pri') continue;
    get(p.from).delta--;
    if (p.type !== 'remove') get(p.to).delta++;
  }
  return [...nodes]
    .map(([node, v]) => {
      const replicas = loads.get(node)?.replicas ?? 0;
      return { node, outgoing: v.outgoing, incoming: v.incoming, replicas, willEnd: replicas + v.delta };
    })
    .sort((a, b) => a.node.localeCompare(b.node));
}

/** A landed copy's bytes: its size when the drain began, else the size assumed for its table (an estimate either way). */
function copiedBytes(cx: OpContext, s: ClusterState, p: Proposal): number {
  const known = cx.book.drainStart.get(p.from)?.sizes.get(p.gpid);
  if (known !== undefined) return known;
  const appId = Number(p.gpid.split('.')[0]);
  return replicaSize(cx, s.tables.find((t) => t.appId === appId)?.name ?? '');
}

/** The copy time of the largest replica in flight at the copy rate given (the stuck period when no rate is known). */
function longestCopyMs(cx: OpContext, ps: readonly Proposal[]): number {
  const rate = cx.options.copyRateMBps;
  if (!rate) return cx.options.stuckAfterMs;
  const rs = cx.options.replicaSizeBytes;
  const sizes = typeof rs === 'number' ? [rs] : rs ? Object.values(rs) : [];
  if (sizes.length === 0 || ps.length === 0) return cx.options.stuckAfterMs;
  return (Math.max(...sizes) / (rate * 1024 * 1024)) * 1000;
}

/**
 * Follows the proposals of a cancelled run until each has landed, nothing changed on them for the
 * stuck period (the meta dropped them), or the bound passes. Never throws: a cancel must still
 * give the settings back.
 */
export async function followInFlight(
  cx: OpContext,
): Promise<{ note: Extract<Note, { code: 'in-flight-at-cancel' }>; bytesLanded: number } | undefined> {
  const sent: Proposal[] = [...cx.book.proposals].map(([gpid, p]) => ({ gpid, at: p.at, type: p.type, from: p.from, to: p.to }));
  if (sent.length === 0) return undefined;
  const bound = cx.timeouts.inFlightMs;
  const start = cx.clock.now();
  // The run's own signal is aborted: the wait has its own, bounded one.
  const signal = AbortSignal.timeout(bound + 30_000);
  const read = async (): Promise<ClusterState | undefined> => {
    try {
      return await cx.deps.cluster.readState(signal);
    } catch {
      return undefined;
    }
  };
  let s = await read();
  if (!s) return undefined;
  const atCancel = sent.filter((p) => !proposalLanded(s!, p));
  if (atCancel.length === 0) return undefined;
  let pendingCleared = false;
  if (s.effectiveLevel === 'steady') {
    try {
      await cx.deps.cluster.setSetting('meta_level', 'steady', signal);
      pendingCleared = true;
    } catch {
      // Not cleared: the ones not started yet may still start; the wait below follows them either way.
    }
  }
  const nodes = [...new Set(atCancel.flatMap((p) => [p.from, p.to]))];
  cx.emit({ kind: 'info', note: { code: 'in-flight-wait', proposals: atCancel.length, nodes, boundSeconds: Math.round(bound / 1000) } });
  let left = atCancel;
  let lastFp = ballots(s, left);
  let lastChange = cx.clock.now();
  // A copy that is learning changes no ballot until it lands; the targets' learning counters show it
  // moving, so with them a quiet period tells a dropped proposal. Without them nothing tells a long
  // copy from a dropped one: the wait ends after twice the longest a copy of this run took to land
  // (or its copy time at the rate given, else two balancer rounds), and the rest is said as unknown.
  const learned = async (): Promise<number | undefined> => {
    const l = learningOf(await readReplicaData(cx, [...new Set(left.map((p) => p.to))], signal).catch(() => undefined));
    return l ? [...l.values()].reduce((a, b) => a + b, 0) : undefined;
  };
  let lastLearned = await learned();
  const tick = 2 * cx.options.lbIntervalSeconds * 1000;
  const polls = 3 * cx.options.pollIntervalMs;
  let longestLanding = 0;
  const quietMs = (): number =>
    lastLearned !== undefined
      ? Math.max(polls, tick)
      : longestLanding > 0
        ? Math.min(cx.options.stuckAfterMs, Math.max(polls, 2 * longestLanding))
        : Math.min(cx.options.stuckAfterMs, Math.max(polls, tick + (cx.options.copyRateMBps ? 2 * longestCopyMs(cx, left) : 0)));
  let ended: 'settled' | 'stalled' | 'timeout' | 'unreadable' = 'settled';
  let last: ClusterState = s;
  for (;;) {
    if (s) {
      last = s;
      const t = cx.clock.now();
      left = left.filter((p) => {
        if (!proposalLanded(s!, p)) return true;
        longestLanding = Math.max(longestLanding, t - p.at);
        return false;
      });
      if (left.length === 0) break;
      // The cell keeps showing what it waits for, not the drain's last numbers.
      progress(cx, {
        phase: 'in flight after the cancel',
        replicasLeft: left.length,
        replicasTotal: atCancel.length,
        unhealthy: unhealthyPartitions(s).length,
        bytesCopied: 0,
        bytesPlanned: 0,
        rate: 0,
        elapsedSeconds: (t - start) / 1000,
      });
      const fp = ballots(s, left);
      const l = lastLearned === undefined ? undefined : await learned();
      if (fp !== lastFp || (l !== undefined && l !== lastLearned)) {
        lastFp = fp;
        lastLearned = l ?? lastLearned;
        lastChange = cx.clock.now();
      }
    }
    const now = cx.clock.now();
    if (now - start >= bound) {
      ended = s ? 'timeout' : 'unreadable';
      break;
    }
    if (now - lastChange >= quietMs()) {
      ended = 'stalled';
      break;
    }
    try {
      await cx.clock.sleep(cx.options.pollIntervalMs, signal);
    } catch {
      ended = 'timeout';
      break;
    }
    s = await read();
  }
  const gone = new Set(left);
  const landedCopies = atCancel.filter((p) => !gone.has(p) && p.type !== 'move_pri' && p.type !== 'remove');
  // Only the learning counters can say the unfinished ones are not copying.
  const dropped = ended === 'stalled' && lastLearned !== undefined;
  const note = {
    code: 'in-flight-at-cancel' as const,
    proposals: atCancel.length,
    landed: atCancel.length - left.length,
    unsettled: left.length,
    waitedSeconds: Math.round((cx.clock.now() - start) / 1000),
    ended,
    pendingCleared,
    dropped,
    nodes: inFlightNodes(last, atCancel, dropped ? [] : left),
  };
  return { note, bytesLanded: landedCopies.reduce((a, p) => a + copiedBytes(cx, last, p), 0) };
}
