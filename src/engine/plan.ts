/**
 * Plans: which replicas move where, how many bytes, how long at the configured copy rate, and the
 * freeze margin after every step. Pure functions of a cluster state.
 */
import { fmtBytes, fmtDuration } from '../cluster/units';
import { decideRemoval, snapshotOf, type FreezeSnapshot } from './freezeGuard';
import type { Note, Refusal } from './notes';
import { aliveDead, nodeLoads } from './model';
import { Placement } from './placement';
import type { ClusterState, PartitionView, ReplicaData } from './ports';
import { projectFill, SizeBook, type NodeFill } from './capacity';

export const DEFAULT_REPLICA_SIZE_BYTES = 1024 ** 3;
export const DEFAULT_COPY_RATE_MBPS = 100;

export interface PlanOptions {
  /** Bytes per replica: one number for every table, or per table name (missing tables use `default`). */
  readonly replicaSizeBytes?: number | { readonly [table: string]: number };
  /** Receiving rate per node in MB/s (nfs.max_copy_rate_megabytes_per_disk, one disk assumed). */
  readonly copyRateMBps?: number;
  /**
   * Where the rate comes from: the estimate input (`given`), the throttle the run sets or the one
   * in force (both per disk), or nothing (`assumed`, the default when no rate is given).
   */
  readonly copyRateSource?: 'given' | 'throttle' | 'in-force' | 'unlimited' | 'assumed';
  /** The replica servers' answer: exact sizes per replica and the disks (else the sizes are assumed). */
  readonly replicaData?: ReplicaData;
  /** The threshold in force now (`meta.live_percentage`). */
  readonly pct: number;
  /** `min_live_node_count_for_unfreeze` (default 3). */
  readonly minLive?: number;
  /** Failure-detection grace: how long the meta takes to see a stopped node gone (22 s on 2.6, 10 s on 2.5 code defaults). */
  readonly fdGraceSeconds?: number;
  /** The meta's lb tick: proposals run at the next one (10 s). */
  readonly lbIntervalSeconds?: number;
  /** Further node losses each stop must leave room for (the guard lowers the threshold for it); default 0. */
  readonly keepMargin?: number;
}

export interface PlannedMove {
  readonly gpid: string;
  readonly appId: number;
  readonly table: string;
  readonly pidx: number;
  readonly type: 'move_pri' | 'copy_sec' | 'copy_pri';
  readonly from: string;
  readonly to: string;
  /** Bytes copied (0 for a primary role switch). */
  readonly bytes: number;
}

export interface PlanStep {
  readonly kind: 'start' | 'drain' | 'stop' | 'rebalance';
  readonly node?: string;
  readonly moves: readonly PlannedMove[];
  readonly primariesMoved: number;
  readonly copies: number;
  readonly bytes: number;
  readonly seconds: number;
  /** Freeze arithmetic after this step (with the threshold the guard would set). */
  readonly freezeAfter: FreezeSnapshot;
  /** Set when the guard lowers meta.live_percentage just before this step. */
  readonly lowerPctTo?: number;
  /** Set when no threshold can avoid the freeze: `aliveAfter` would be below min-live; the operation is refused. */
  readonly refused?: { readonly aliveAfter: number; readonly minLive: number };
  /** Projected disk fill of the nodes receiving in this step, after it (when they reported their disks). */
  readonly fill?: readonly NodeFill[];
}

export interface ScalePlan {
  readonly kind: 'scale-in' | 'scale-out' | 'migration';
  readonly leaving: readonly string[];
  readonly joining: readonly string[];
  readonly steps: readonly PlanStep[];
  readonly moves: readonly PlannedMove[];
  /** Replicas the leaving nodes host now (the minimum any scale-in must copy). */
  readonly replicasOnLeaving: number;
  readonly copies: number;
  readonly primariesMoved: number;
  readonly bytes: number;
  readonly seconds: number;
  readonly copyRateMBps: number;
  /** How the byte counts were obtained, in words. */
  readonly assumptions: readonly string[];
  /** The threshold at the start and the lowest the guard would set (equal when untouched). */
  readonly pctBefore: number;
  readonly pctLowest: number;
  /** Problems that make the plan impossible (a table with nowhere to go, min-live, an unknown node): one per table / cause. */
  readonly problems: readonly Refusal[];
  /** Risks that do not block the plan (a step that leaves freeze margin 0). */
  readonly warnings: readonly Note[];
  /** What the plan's arithmetic rests on besides the assumptions (where min-live came from). */
  readonly notes: readonly Note[];
  /** Every node's disk before and after the whole plan, when the replica servers reported their disks. */
  readonly disks?: readonly NodeFill[];
  /** The fill limit and warning level (percent) the capacity check holds `disks` to; set by the engine with them. */
  readonly fillLevels?: { readonly limit: number; readonly warn: number };
  /** Where the byte counts come from: the replica servers (`metrics` / `perf-counters`) or the assumptions. */
  readonly sizesFrom: 'metrics' | 'perf-counters' | 'assumed';
}

interface Ctx {
  readonly size: (table: string, appId: number, pidx: number, node: string) => number;
  /** Receiving rate of one node (bytes/s): the per-disk rate times its disks when they are known. */
  readonly rateOf: (node: string) => number;
  readonly rateBps: number;
  readonly grace: number;
  readonly tick: number;
  readonly minLive: number;
  readonly assumptions: string[];
  readonly book?: SizeBook;
}

function assumedSize(o: PlanOptions): { size: (t: string) => number; words: string } {
  const rs = o.replicaSizeBytes;
  if (rs === undefined)
    return { size: () => DEFAULT_REPLICA_SIZE_BYTES, words: `assumed ${fmtBytes(DEFAULT_REPLICA_SIZE_BYTES)} per replica` };
  if (typeof rs === 'number') return { size: () => rs, words: `${fmtBytes(rs)} per replica as given` };
  const fallback = rs['default'] ?? DEFAULT_REPLICA_SIZE_BYTES;
  return { size: (t) => rs[t] ?? fallback, words: `the sizes per table given (others ${fmtBytes(fallback)})` };
}

function ctxOf(o: PlanOptions): Ctx {
  const assumptions: string[] = [];
  const rate = o.copyRateMBps ?? DEFAULT_COPY_RATE_MBPS;
  // A reading no node answered is no reading: the sizes are the assumption, said once with why.
  const data = o.replicaData && (o.replicaData.answered.length > 0 || o.replicaData.unknown.length === 0) ? o.replicaData : undefined;
  const silent = o.replicaData && !data ? o.replicaData.unknown : [];
  const book = data ? new SizeBook(data) : undefined;
  const assumed = assumedSize(o);
  let size: Ctx['size'];
  if (!book) {
    size = (t) => assumed.size(t);
    const rs = o.replicaSizeBytes;
    const why = silent.length
      ? ` (no replica server reported its data: ${silent[0]!.code}: ${silent[0]!.detail}${silent.length > 1 ? `, and ${silent.length - 1} more` : ''})`
      : '';
    if (rs === undefined) assumptions.push(`replica sizes unknown${why}: ${assumed.words}`);
    else if (typeof rs === 'number') assumptions.push(`every replica assumed ${fmtBytes(rs)}`);
    else assumptions.push(`replica sizes per table as given; others assumed ${fmtBytes(rs['default'] ?? DEFAULT_REPLICA_SIZE_BYTES)}`);
  } else {
    // Exact where the node reported the replica; the same partition elsewhere, then the table's mean, then the assumption.
    size = (t, appId, pidx, node) => book.size(appId, pidx, node) ?? assumed.size(t);
    // One line per reason, not per node: a whole rack down is one fact.
    const byCode = new Map<string, ReplicaData['unknown'][number][]>();
    for (const u of data!.unknown) byCode.set(u.code, [...(byCode.get(u.code) ?? []), u]);
    for (const [code, us] of byCode)
      assumptions.push(
        us.length === 1
          ? `${us[0]!.node} did not report its data (${code}: ${us[0]!.detail}): its replicas sized from their other replicas, else ${assumed.words}`
          : `${us.map((u) => u.node).join(', ')} did not report their data (${code}: ${us[0]!.detail}, …): their replicas sized from their other replicas, else ${assumed.words}`,
      );
  }
  const rateWords = o.copyRateSource ?? (o.copyRateMBps === undefined ? 'assumed' : 'given');
  if (rateWords === 'assumed') assumptions.push(`copy rate not given: assumed ${rate} MB/s per receiving node`);
  else if (rateWords === 'unlimited')
    assumptions.push(
      `copy throttles unlimited on the replica servers (nfs.max_copy_rate_megabytes_per_disk = 0): assumed ${rate} MB/s per receiving node`,
    );
  else if (rateWords === 'throttle')
    assumptions.push(`copy rate ${rate} MB/s per disk of each receiving node (the throttle this run sets)`);
  else if (rateWords === 'in-force')
    assumptions.push(`copy rate ${rate} MB/s per disk of each receiving node (nfs.max_copy_rate_megabytes_per_disk in force)`);
  else assumptions.push(`copy rate ${rate} MB/s per receiving node`);
  const perDisk = rateWords === 'throttle' || rateWords === 'in-force';
  const rateBps = rate * 1024 * 1024;
  const rateOf = (node: string): number => rateBps * (perDisk ? Math.max(1, book?.diskOf(node)?.disks ?? 1) : 1);
  const grace = o.fdGraceSeconds ?? 22;
  const tick = o.lbIntervalSeconds ?? 10;
  assumptions.push(
    `a stopped node is seen gone after ~${grace + 2} s (fd grace + check interval); proposals start at the next lb tick (~${tick} s)`,
  );
  return { size, rateOf, rateBps, grace, tick, minLive: o.minLive ?? 3, assumptions, ...(book ? { book } : {}) };
}

/** Copy time: copies run in parallel on different receivers; each receiver takes its bytes at its rate. */
function copySeconds(moves: readonly PlannedMove[], c: Ctx): number {
  const perTarget = new Map<string, number>();
  for (const m of moves) if (m.bytes > 0) perTarget.set(m.to, (perTarget.get(m.to) ?? 0) + m.bytes);
  let worst = 0;
  for (const [to, b] of perTarget) worst = Math.max(worst, b / c.rateOf(to));
  return worst;
}

/** Partitions with nowhere to go, per table: reported as one line per table, not one per partition. */
type NoRoom = Map<string, { replicas: number; partitions: number; nodes: Set<string> }>;

function noRoom(nr: NoRoom, table: string, replicas: number, node: string): void {
  const e = nr.get(table) ?? { replicas, partitions: 0, nodes: new Set<string>() };
  e.partitions++;
  e.nodes.add(node);
  nr.set(table, e);
}

function noRoomProblems(nr: NoRoom, left: number): Refusal[] {
  return [...nr].map(([t, e]) => ({
    code: 'no-room' as const,
    table: t,
    replicas: e.replicas,
    left,
    partitions: e.partitions,
    nodes: [...e.nodes],
  }));
}

function drainNode(state: ClusterState, placement: Placement, node: string, c: Ctx, problems: NoRoom): PlannedMove[] {
  const moves: PlannedMove[] = [];
  // Work on a mutable copy of the partitions touched, so the next node sees the result.
  for (const t of state.tables) {
    const parts = t.partitions as PartitionView[];
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      const gpid = `${t.appId}.${p.pidx}`;
      if (p.primary === node) {
        const to = placement.choosePrimaryTarget(t, p, node);
        if (to) {
          moves.push({ gpid, appId: t.appId, table: t.name, pidx: p.pidx, type: 'move_pri', from: node, to, bytes: 0 });
          placement.applyMovePrimary(t, node, to);
          parts[i] = { ...p, primary: to, secondaries: [...p.secondaries.filter((s) => s !== to), node], ballot: p.ballot + 2 };
        } else {
          const dest = placement.chooseSecondaryTarget(t, p);
          if (!dest) {
            noRoom(problems, t.name, t.maxReplicaCount, node);
            continue;
          }
          moves.push({
            gpid,
            appId: t.appId,
            table: t.name,
            pidx: p.pidx,
            type: 'copy_pri',
            from: node,
            to: dest,
            bytes: c.size(t.name, t.appId, p.pidx, node),
          });
          placement.applyCopyPrimary(t, node, dest);
          parts[i] = { ...p, primary: dest, ballot: p.ballot + 4 };
          continue;
        }
      }
      const cur = parts[i]!;
      if (cur.secondaries.includes(node)) {
        const to = placement.chooseSecondaryTarget(t, cur);
        if (!to) {
          noRoom(problems, t.name, t.maxReplicaCount, node);
          continue;
        }
        moves.push({
          gpid,
          appId: t.appId,
          table: t.name,
          pidx: p.pidx,
          type: 'copy_sec',
          from: node,
          to,
          bytes: c.size(t.name, t.appId, p.pidx, node),
        });
        placement.applyCopySecondary(t, node, to);
        parts[i] = { ...cur, secondaries: [...cur.secondaries.filter((s) => s !== node), to], ballot: cur.ballot + 2 };
      }
    }
  }
  return moves;
}

/** A deep copy the planner may mutate as it goes. */
function cloneState(s: ClusterState): ClusterState {
  return {
    ...s,
    nodes: s.nodes.map((n) => ({ ...n })),
    tables: s.tables.map((t) => ({ ...t, partitions: t.partitions.map((p) => ({ ...p, secondaries: [...p.secondaries] })) })),
  };
}

function scaleInSteps(
  state: ClusterState,
  leaving: readonly string[],
  o: PlanOptions,
  c: Ctx,
  problems: Refusal[],
  joining: readonly string[],
  warnings: Note[],
): { steps: PlanStep[]; pctLowest: number; state: ClusterState } {
  const nr: NoRoom = new Map();
  const refusedStops: string[] = [];
  let refusedAt: { aliveAfter: number; minLive: number } | undefined;
  const zeroMargin: string[] = [];
  const shorts = new Map<string, Note>();
  const s = cloneState(state);
  const placement = new Placement(s, new Set(leaving));
  for (const j of joining) placement.addNode(j);
  let { alive, dead } = aliveDead(s);
  alive += joining.filter((j) => !s.nodes.some((n) => n.address === j)).length;
  let pct = o.pct;
  let pctLowest = pct;
  const steps: PlanStep[] = [];
  const received = new Map<string, number>();
  const leavingSet = new Set(leaving);
  for (const node of leaving) {
    const moves = drainNode(s, placement, node, c, nr);
    const copies = moves.filter((m) => m.bytes > 0);
    const pri = moves.filter((m) => m.type === 'move_pri').length;
    const secs = (pri > 0 ? c.tick : 0) + (copies.length > 0 ? c.tick + copySeconds(moves, c) : 0);
    for (const m of copies) received.set(m.to, (received.get(m.to) ?? 0) + m.bytes);
    const receivers = [...new Set(copies.map((m) => m.to))].sort();
    const fill = c.book ? projectFill(c.book, receivers, received, leavingSet) : [];
    steps.push({
      ...(fill.length ? { fill } : {}),
      kind: 'drain',
      node,
      moves,
      primariesMoved: pri,
      copies: copies.length,
      bytes: copies.reduce((a, m) => a + m.bytes, 0),
      seconds: secs,
      freezeAfter: snapshotOf({ alive, dead, pct, minLive: c.minLive }),
    });
    const listed = s.nodes.find((x) => x.address === node);
    if (!listed?.alive) continue; // already gone (or unknown: pre-flight reports it); nothing dies here
    const d = decideRemoval({ alive, dead, pct, minLive: c.minLive }, o.keepMargin ?? 0);
    let lowerPctTo: number | undefined;
    let refused: { aliveAfter: number; minLive: number } | undefined;
    if (d.kind === 'lower') {
      lowerPctTo = d.pct;
      pct = d.pct;
      pctLowest = Math.min(pctLowest, pct);
    } else if (d.kind === 'refuse') {
      // Short in the step (a table cell); the whole reason and its fix once, in the problems.
      refused = { aliveAfter: d.aliveAfter, minLive: d.minLive };
      refusedStops.push(node);
      refusedAt ??= refused;
    }
    if (d.kind !== 'refuse' && d.after.margin === 0) zeroMargin.push(node);
    if (d.kind !== 'refuse' && d.short) shorts.set(JSON.stringify(d.short), d.short);
    alive--;
    dead++;
    steps.push({
      kind: 'stop',
      node,
      moves: [],
      primariesMoved: 0,
      copies: 0,
      bytes: 0,
      seconds: c.grace + 2,
      freezeAfter: snapshotOf({ alive, dead, pct, minLive: c.minLive }),
      ...(lowerPctTo !== undefined ? { lowerPctTo } : {}),
      ...(refused ? { refused } : {}),
    });
    (listed as { alive: boolean }).alive = false;
  }
  const left = s.nodes.filter((n) => n.alive).length + joining.filter((j) => !s.nodes.some((n) => n.address === j)).length;
  problems.push(...noRoomProblems(nr, left));
  if (refusedAt) problems.push({ code: 'min-live', nodes: refusedStops, ...refusedAt });
  if (zeroMargin.length) warnings.push({ code: 'margin-zero', nodes: zeroMargin });
  warnings.push(...shorts.values());
  return { steps, pctLowest, state: s };
}

function summarize(
  kind: ScalePlan['kind'],
  state: ClusterState,
  leaving: readonly string[],
  joining: readonly string[],
  steps: PlanStep[],
  c: Ctx,
  o: PlanOptions,
  pctLowest: number,
  problems: Refusal[],
  warnings: Note[] = [],
): ScalePlan {
  const moves = steps.flatMap((s) => s.moves);
  const loads = nodeLoads(state);
  const received = new Map<string, number>();
  for (const m of moves) if (m.bytes > 0) received.set(m.to, (received.get(m.to) ?? 0) + m.bytes);
  const all = [...new Set([...state.nodes.map((n) => n.address), ...joining])].sort();
  const disks = c.book ? projectFill(c.book, all, received, new Set(leaving)) : [];
  return {
    ...(disks.length ? { disks } : {}),
    sizesFrom: c.book ? (c.book.d.dialect === '2.6' ? 'metrics' : 'perf-counters') : 'assumed',
    kind,
    leaving,
    joining,
    steps,
    moves,
    replicasOnLeaving: leaving.reduce((a, n) => a + (loads.get(n)?.replicas ?? 0), 0),
    copies: moves.filter((m) => m.bytes > 0).length,
    primariesMoved: moves.filter((m) => m.type === 'move_pri').length,
    bytes: moves.reduce((a, m) => a + m.bytes, 0),
    seconds: criticalPath(steps),
    copyRateMBps: c.rateBps / (1024 * 1024),
    assumptions: c.assumptions,
    pctBefore: o.pct,
    pctLowest,
    problems,
    warnings,
    notes: [],
  };
}

/**
 * Duration as the engine runs it: drains one after another; a node is stopped once drained and
 * once the previous node is seen gone; the next drain starts right after a stop is issued (it
 * overlaps the failure detector's grace period of the previous, empty node).
 */
function criticalPath(steps: readonly PlanStep[]): number {
  let t = 0;
  let prevGone = 0;
  let drainEnd = 0;
  for (const s of steps) {
    if (s.kind === 'drain') drainEnd = t + s.seconds;
    else if (s.kind === 'stop') {
      const stopAt = Math.max(drainEnd, prevGone);
      prevGone = stopAt + s.seconds;
      t = stopAt;
    } else {
      t = Math.max(t, prevGone, drainEnd) + s.seconds;
      prevGone = drainEnd = t;
    }
  }
  return Math.max(t, prevGone, drainEnd);
}

export function planScaleIn(state: ClusterState, leaving: readonly string[], o: PlanOptions): ScalePlan {
  const c = ctxOf(o);
  const problems: Refusal[] = [];
  const warnings: Note[] = [];
  const { steps, pctLowest } = scaleInSteps(state, leaving, o, c, problems, [], warnings);
  return summarize('scale-in', state, leaving, [], steps, c, o, pctLowest, problems, warnings);
}

/**
 * The balancer's end state per table: every alive node within ±1 of the average replica count.
 * Copies = replicas that must land on nodes below their share (each is one full copy).
 */
function rebalanceEstimate(state: ClusterState, extraNodes: readonly string[], c: Ctx): PlannedMove[] {
  const alive = [...new Set([...state.nodes.filter((n) => n.alive).map((n) => n.address), ...extraNodes])].sort();
  const moves: PlannedMove[] = [];
  for (const t of state.tables) {
    const count = new Map<string, number>(alive.map((a) => [a, 0]));
    for (const p of t.partitions) for (const a of [p.primary, ...p.secondaries]) if (a && count.has(a)) count.set(a, count.get(a)! + 1);
    const total = [...count.values()].reduce((a, b) => a + b, 0);
    const N = alive.length;
    const low = Math.floor(total / N);
    // Nodes under `low` receive; the ones over `ceil` give. Pair them greedily.
    const takers = alive.filter((a) => count.get(a)! < low);
    const givers = alive.filter((a) => count.get(a)! > low).sort((x, y) => count.get(y)! - count.get(x)!);
    for (const to of takers) {
      while (count.get(to)! < low) {
        const from = givers.find((g) => count.get(g)! > low + 1) ?? givers.find((g) => count.get(g)! > low);
        if (!from) break;
        count.set(from, count.get(from)! - 1);
        count.set(to, count.get(to)! + 1);
        moves.push({
          gpid: `${t.appId}.*`,
          appId: t.appId,
          table: t.name,
          pidx: -1,
          type: 'copy_sec',
          from,
          to,
          bytes: c.size(t.name, t.appId, -1, from),
        });
        givers.sort((x, y) => count.get(y)! - count.get(x)!);
      }
    }
  }
  return moves;
}

export function planScaleOut(state: ClusterState, joining: readonly string[], o: PlanOptions): ScalePlan {
  const c = ctxOf(o);
  const { alive, dead } = aliveDead(state);
  const newOnes = joining.filter((j) => !state.nodes.some((n) => n.address === j && n.alive));
  const after = snapshotOf({ alive: alive + newOnes.length, dead, pct: o.pct, minLive: c.minLive });
  const steps = startStepsFor(joining, newOnes, { alive, dead }, o.pct, c.minLive);
  const moves = rebalanceEstimate(state, joining, c);
  c.assumptions.push(
    'rebalance copies estimated from the balancer end state (every node within ±1 replica per table); primaries then move without copying',
  );
  steps.push({
    kind: 'rebalance',
    moves,
    primariesMoved: 0,
    copies: moves.length,
    bytes: moves.reduce((a, m) => a + m.bytes, 0),
    seconds: 3 * (c.tick + 30) + copySeconds(moves, c),
    freezeAfter: after,
  });
  return summarize('scale-out', state, [], joining, steps, c, o, o.pct, []);
}

/** One `start` step per joining node; each start of a node not yet alive adds one to the alive count after it. */
function startStepsFor(
  joining: readonly string[],
  newOnes: readonly string[],
  now: { alive: number; dead: number },
  pct: number,
  minLive: number,
): PlanStep[] {
  let started = 0;
  return joining.map((node) => {
    if (newOnes.includes(node)) started++;
    return {
      kind: 'start' as const,
      node,
      moves: [],
      primariesMoved: 0,
      copies: 0,
      bytes: 0,
      seconds: 5,
      freezeAfter: snapshotOf({ alive: now.alive + started, dead: now.dead, pct, minLive }),
    };
  });
}

/** Node migration: start the new nodes (no rebalance), drain the old ones onto them, then one rebalance. */
export function planMigration(state: ClusterState, from: readonly string[], to: readonly string[], o: PlanOptions): ScalePlan {
  const c = ctxOf(o);
  const problems: Refusal[] = [];
  const { alive, dead } = aliveDead(state);
  const newOnes = to.filter((j) => !state.nodes.some((n) => n.address === j && n.alive));
  const startSteps = startStepsFor(to, newOnes, { alive, dead }, o.pct, c.minLive);
  // The joined nodes are alive when the drain starts.
  const joined: ClusterState = {
    ...state,
    nodes: [...state.nodes.filter((n) => !newOnes.includes(n.address)), ...newOnes.map((a) => ({ address: a, alive: true }))],
  };
  const warnings: Note[] = [];
  const { steps, pctLowest, state: afterDrain } = scaleInSteps(joined, from, o, c, problems, [], warnings);
  const moves = rebalanceEstimate(afterDrain, [], c);
  const last = steps[steps.length - 1]?.freezeAfter ?? startSteps[0]!.freezeAfter;
  steps.push({
    kind: 'rebalance',
    moves,
    primariesMoved: 0,
    copies: moves.length,
    bytes: moves.reduce((a, m) => a + m.bytes, 0),
    seconds: moves.length ? 3 * (c.tick + 30) + copySeconds(moves, c) : c.tick,
    freezeAfter: last,
  });
  return summarize('migration', state, from, to, [...startSteps, ...steps], c, o, pctLowest, problems, warnings);
}

/** A few lines an operator reads before saying yes. */
export function describePlan(p: ScalePlan): string {
  const lines: string[] = [];
  const what =
    p.kind === 'scale-in'
      ? `remove ${p.leaving.join(', ')}`
      : p.kind === 'scale-out'
        ? `add ${p.joining.join(', ')}`
        : `migrate ${p.leaving.join(', ')} -> ${p.joining.join(', ')}`;
  lines.push(`${p.kind}: ${what}`);
  lines.push(
    `  primaries moved (no copy): ${p.primariesMoved}; replicas copied: ${p.copies}${p.kind !== 'scale-out' ? ` (hosted on leaving nodes: ${p.replicasOnLeaving})` : ''}`,
  );
  lines.push(`  bytes to copy: ${fmtBytes(p.bytes)}; estimated duration: ${fmtDuration(p.seconds)} at ${p.copyRateMBps} MB/s`);
  for (const s of p.steps) {
    if (s.kind === 'stop') {
      lines.push(
        `  stop ${s.node}: then alive ${s.freezeAfter.alive}, dead ${s.freezeAfter.dead}, margin ${s.freezeAfter.margin}${s.lowerPctTo !== undefined ? `; lower meta.live_percentage to ${s.lowerPctTo} just before` : ''}${s.refused ? `; REFUSED: ${s.refused}` : ''}`,
      );
    } else if (s.kind === 'drain') {
      lines.push(
        `  drain ${s.node}: ${s.primariesMoved} primaries moved, ${s.copies} copies (${fmtBytes(s.bytes)}), ~${fmtDuration(s.seconds)}`,
      );
    } else if (s.kind === 'rebalance') {
      lines.push(`  rebalance: ~${s.copies} copies (${fmtBytes(s.bytes)}), ~${fmtDuration(s.seconds)}`);
    } else {
      lines.push(`  start ${s.node}`);
    }
  }
  if (p.pctLowest !== p.pctBefore)
    lines.push(
      `  meta.live_percentage: ${p.pctBefore} -> ${p.pctLowest} during the run; it can only return to ${p.pctBefore} after a meta restart`,
    );
  for (const a of p.assumptions) lines.push(`  assumption: ${a}`);
  for (const w of p.warnings) lines.push(`  WARNING: ${JSON.stringify(w)}`);
  for (const pr of p.problems) lines.push(`  PROBLEM: ${JSON.stringify(pr)}`);
  return lines.join('\n');
}
