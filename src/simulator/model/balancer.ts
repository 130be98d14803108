/**
 * The greedy load balancer's per-table policy (app_balance_policy), planned over the meta's
 * partition configs. Phase 1 balances primaries (one widest augmenting path → move_primary, else
 * copy_primary); phase 2 (only when phase 1 produced nothing for any table) balances replica counts
 * with copy_secondary until max - min <= 1. Ties go to the lowest node index (the real meta breaks
 * them in hash order; byte-identical choices are not expected).
 */
import type { BalanceKind, Partition, SimApp } from './types';

export interface PlannedMove {
  readonly p: Partition;
  readonly kind: BalanceKind;
  readonly from: number;
  readonly to: number;
}

export interface PlanInput {
  readonly apps: readonly SimApp[];
  /** Alive node indices, ascending. */
  readonly alive: readonly number[];
  readonly onlyMovePrimary: boolean;
  readonly onlyPrimaryBalancer: boolean;
  readonly balancerInTurn: boolean;
  /** The checker counts all phases and ignores balancer_in_turn. */
  readonly checker: boolean;
}

export function planBalance(input: PlanInput): PlannedMove[] {
  const { alive } = input;
  const n = alive.length;
  if (n === 0) return [];
  const apps = [...input.apps].sort((a, b) => a.id - b.id);
  const out: PlannedMove[] = [];
  let phase1Any = false;
  for (const app of apps) {
    const moves = primaryBalance(app, alive, input.onlyMovePrimary);
    if (moves.length > 0) {
      phase1Any = true;
      out.push(...moves);
      if (input.balancerInTurn && !input.checker) return out;
    }
  }
  if ((phase1Any && !input.checker) || input.onlyPrimaryBalancer) return out;
  for (const app of apps) {
    const moves = copySecondary(app, alive);
    out.push(...moves);
    if (moves.length > 0 && input.balancerInTurn && !input.checker) break;
  }
  return out;
}

function primaryBalance(app: SimApp, alive: readonly number[], onlyMovePrimary: boolean): PlannedMove[] {
  const n = alive.length;
  const P = app.partitionCount;
  const low = Math.floor(P / n);
  const high = Math.ceil(P / n);
  let balanced = true;
  for (const a of alive) {
    const c = app.prim[a] ?? 0;
    if (c > high || c < low) {
      balanced = false;
      break;
    }
  }
  if (balanced) return [];
  const path = augmentingPath(app, alive, low, high);
  if (path) return path;
  return onlyMovePrimary ? [] : copyPrimary(app, alive, low);
}

/** One widest augmenting path through "A is primary, B is secondary" edges; move_primary along it. */
function augmentingPath(app: SimApp, alive: readonly number[], low: number, high: number): PlannedMove[] | null {
  const aliveSet = new Set(alive);
  const src = new Map<number, number>();
  const sink = new Map<number, number>();
  const anyBelow = alive.some((a) => (app.prim[a] ?? 0) < low);
  for (const a of alive) {
    const c = app.prim[a] ?? 0;
    if (anyBelow) {
      if (c > low) src.set(a, c - low);
      if (c < low) sink.set(a, low - c);
    } else {
      // Corner case: nobody is below low; move the excess above high onto nodes below high.
      if (c > high) src.set(a, c - high);
      if (c < high) sink.set(a, high - c);
    }
  }
  if (src.size === 0 || sink.size === 0) return null;
  // Edges A -> B with the partitions realising them.
  const edges = new Map<number, Map<number, Partition[]>>();
  for (const p of app.partitions) {
    if (p.primary < 0 || !aliveSet.has(p.primary)) continue;
    for (const s of p.secondaries) {
      if (!aliveSet.has(s)) continue;
      let m = edges.get(p.primary);
      if (!m) edges.set(p.primary, (m = new Map()));
      let l = m.get(s);
      if (!l) m.set(s, (l = []));
      l.push(p);
    }
  }
  // Widest path (max bottleneck), Dijkstra-style with a max-heap.
  const width = new Map<number, number>();
  const prev = new Map<number, number>();
  const heap: [number, number][] = [];
  const push = (w: number, v: number): void => {
    heap.push([w, v]);
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (better(heap[p]!, heap[i]!)) break;
      [heap[p], heap[i]] = [heap[i]!, heap[p]!];
      i = p;
    }
  };
  const pop = (): [number, number] => {
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let c = i;
        if (l < heap.length && better(heap[l]!, heap[c]!)) c = l;
        if (r < heap.length && better(heap[r]!, heap[c]!)) c = r;
        if (c === i) break;
        [heap[c], heap[i]] = [heap[i]!, heap[c]!];
        i = c;
      }
    }
    return top;
  };
  for (const [a, cap] of src) {
    width.set(a, cap);
    push(cap, a);
  }
  const done = new Set<number>();
  let bestSink = -1;
  let bestWidth = 0;
  while (heap.length > 0) {
    const [w, v] = pop();
    if (done.has(v) || w !== width.get(v)) continue;
    done.add(v);
    const sc = sink.get(v);
    if (sc !== undefined && Math.min(w, sc) > bestWidth) {
      bestWidth = Math.min(w, sc);
      bestSink = v;
    }
    const out = edges.get(v);
    if (!out) continue;
    for (const [to, ps] of out) {
      if (done.has(to) || src.has(to)) continue;
      const nw = Math.min(w, ps.length);
      if (nw > (width.get(to) ?? 0)) {
        width.set(to, nw);
        prev.set(to, v);
        push(nw, to);
      }
    }
  }
  if (bestSink < 0 || bestWidth <= 0 || src.has(bestSink)) return null;
  const hops: number[] = [bestSink];
  while (prev.has(hops[0]!)) hops.unshift(prev.get(hops[0]!)!);
  const f = bestWidth;
  const used = new Set<Partition>();
  const moves: PlannedMove[] = [];
  for (let i = 0; i + 1 < hops.length; i++) {
    const from = hops[i]!;
    const to = hops[i + 1]!;
    let k = 0;
    for (const p of edges.get(from)!.get(to)!) {
      if (k >= f) break;
      if (used.has(p)) continue;
      used.add(p);
      moves.push({ p, kind: 'move_pri', from, to });
      k++;
    }
  }
  return moves;
}

function better(a: [number, number], b: [number, number]): boolean {
  return a[0] > b[0] || (a[0] === b[0] && a[1] < b[1]);
}

function copyPrimary(app: SimApp, alive: readonly number[], low: number): PlannedMove[] {
  const count = new Map<number, number>();
  for (const a of alive) count.set(a, app.prim[a] ?? 0);
  const startedBelow = alive.some((a) => count.get(a)! < low);
  const byPrimary = new Map<number, Partition[]>();
  for (const p of app.partitions) {
    if (p.primary < 0) continue;
    let l = byPrimary.get(p.primary);
    if (!l) byPrimary.set(p.primary, (l = []));
    l.push(p);
  }
  const used = new Set<Partition>();
  const moves: PlannedMove[] = [];
  const exhausted = new Set<number>();
  for (let guard = 0; guard < app.partitionCount * 2 + 10; guard++) {
    let max = -1;
    let min = -1;
    for (const a of alive) {
      const c = count.get(a)!;
      if (!exhausted.has(a) && (max < 0 || c > count.get(max)!)) max = a;
      if (min < 0 || c < count.get(min)!) min = a;
    }
    if (max < 0 || min < 0 || max === min) break;
    const cmax = count.get(max)!;
    const cmin = count.get(min)!;
    if (startedBelow ? cmin >= low : cmax - cmin <= 1) break;
    const p = (byPrimary.get(max) ?? []).find((q) => !used.has(q) && q.primary === max && !q.secondaries.includes(min));
    if (!p) {
      exhausted.add(max);
      continue;
    }
    used.add(p);
    moves.push({ p, kind: 'copy_pri', from: max, to: min });
    count.set(max, cmax - 1);
    count.set(min, cmin + 1);
  }
  return moves;
}

function copySecondary(app: SimApp, alive: readonly number[]): PlannedMove[] {
  const n = alive.length;
  const floorAvg = Math.floor(app.partitionCount / n);
  const count = new Map<number, number>();
  let lo = Infinity;
  let hi = -Infinity;
  for (const a of alive) {
    const c = app.rep[a] ?? 0;
    count.set(a, c);
    lo = Math.min(lo, c);
    hi = Math.max(hi, c);
  }
  if (hi <= floorAvg || hi - lo <= 1) return []; // balanced: skip building the index
  const bySecondary = new Map<number, Partition[]>();
  for (const p of app.partitions) {
    for (const s of p.secondaries) {
      let l = bySecondary.get(s);
      if (!l) bySecondary.set(s, (l = []));
      l.push(p);
    }
  }
  const used = new Set<Partition>();
  const excluded = new Set<number>();
  const moves: PlannedMove[] = [];
  for (let guard = 0; guard < app.partitionCount * app.maxReplicas * 2 + 10; guard++) {
    let max = -1;
    let min = -1;
    for (const a of alive) {
      const c = count.get(a)!;
      if (!excluded.has(a) && (max < 0 || c > count.get(max)!)) max = a;
      if (min < 0 || c < count.get(min)!) min = a;
    }
    if (max < 0 || min < 0) break;
    const cmax = count.get(max)!;
    const cmin = count.get(min)!;
    if (cmax <= floorAvg || cmax - cmin <= 1) break;
    const p = (bySecondary.get(max) ?? []).find(
      (q) => !used.has(q) && q.primary !== max && q.primary !== min && !q.secondaries.includes(min),
    );
    if (!p) {
      excluded.add(max);
      continue;
    }
    used.add(p);
    moves.push({ p, kind: 'copy_sec', from: max, to: min });
    count.set(max, cmax - 1);
    count.set(min, cmin + 1);
  }
  return moves;
}
