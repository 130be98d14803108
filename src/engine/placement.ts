/**
 * Where a replica goes when a node is drained. Used both by the planner (to predict) and by the
 * running operation (to choose the `balance` targets), so the plan is what actually happens.
 *
 * The orderings follow the meta's own: a new primary is the member with the fewest primaries of
 * the table, then the fewest primaries overall, then the fewest replicas (of the table, overall); a new secondary goes to the alive, non-member, non-black-listed node with the
 * fewest replicas of the table, then the fewest replicas overall (`less_partitions`). Ties are
 * broken by address so a plan is reproducible.
 */
import type { ClusterState, PartitionView, TableView } from './ports';

interface Counts {
  tablePri: Map<string, number>;
  tableRep: Map<string, number>;
}

export class Placement {
  private readonly perTable = new Map<number, Counts>();
  private readonly totalPri = new Map<string, number>();
  private readonly totalRep = new Map<string, number>();
  private readonly alive: Set<string>;

  /** `excluded`: nodes that must not receive anything (every leaving node, i.e. the black list). */
  constructor(
    state: ClusterState,
    private readonly excluded: ReadonlySet<string>,
  ) {
    this.alive = new Set(state.nodes.filter((n) => n.alive).map((n) => n.address));
    for (const a of this.alive) {
      this.totalPri.set(a, 0);
      this.totalRep.set(a, 0);
    }
    for (const t of state.tables) {
      const c: Counts = { tablePri: new Map(), tableRep: new Map() };
      this.perTable.set(t.appId, c);
      for (const p of t.partitions) {
        if (p.primary) this.bump(t.appId, p.primary, 1, 1);
        for (const s of p.secondaries) this.bump(t.appId, s, 0, 1);
      }
    }
  }

  private bump(appId: number, node: string, pri: number, rep: number): void {
    const c = this.perTable.get(appId)!;
    c.tablePri.set(node, (c.tablePri.get(node) ?? 0) + pri);
    c.tableRep.set(node, (c.tableRep.get(node) ?? 0) + rep);
    this.totalPri.set(node, (this.totalPri.get(node) ?? 0) + pri);
    this.totalRep.set(node, (this.totalRep.get(node) ?? 0) + rep);
  }

  /** Marks a node alive for placement (a node joined by scale-out before the scale-in). */
  addNode(address: string): void {
    this.alive.add(address);
    if (!this.totalRep.has(address)) {
      this.totalRep.set(address, 0);
      this.totalPri.set(address, 0);
    }
  }

  /**
   * The secondary that should take over the primary role from `from`. Prefers members that stay;
   * falls back to a member that leaves later (moving a primary copies nothing, so that is cheap).
   */
  choosePrimaryTarget(t: TableView, p: PartitionView, from: string): string | null {
    const cands = p.secondaries.filter((s) => s !== from && this.alive.has(s));
    if (cands.length === 0) return null;
    const c = this.perTable.get(t.appId)!;
    // Fewest primaries of the table, then overall: moved primaries must not pile onto a few nodes.
    const key = (a: string): number[] => [
      this.excluded.has(a) ? 1 : 0,
      c.tablePri.get(a) ?? 0,
      this.totalPri.get(a) ?? 0,
      c.tableRep.get(a) ?? 0,
      this.totalRep.get(a) ?? 0,
    ];
    return pickMin(cands, key);
  }

  /** The node that should receive a new copy of this partition, or null when none qualifies. */
  chooseSecondaryTarget(t: TableView, p: PartitionView, also: readonly string[] = []): string | null {
    const members = new Set([p.primary, ...p.secondaries, ...also].filter((x): x is string => !!x));
    const cands = [...this.alive].filter((a) => !members.has(a) && !this.excluded.has(a));
    if (cands.length === 0) return null;
    const c = this.perTable.get(t.appId)!;
    return pickMin(cands, (a) => [c.tableRep.get(a) ?? 0, this.totalRep.get(a) ?? 0]);
  }

  /** True when `node` may still receive a new copy of this partition (alive, not leaving, not a member). */
  canReceive(p: PartitionView, node: string): boolean {
    return this.alive.has(node) && !this.excluded.has(node) && p.primary !== node && !p.secondaries.includes(node);
  }

  applyMovePrimary(t: TableView, from: string, to: string): void {
    this.bump(t.appId, from, -1, 0);
    this.bump(t.appId, to, 1, 0);
  }

  /** A replica leaves `from` (secondary) and a new one lands on `to`. */
  applyCopySecondary(t: TableView, from: string, to: string): void {
    this.bump(t.appId, from, 0, -1);
    this.bump(t.appId, to, 0, 1);
  }

  /** The primary role and its replica move from `from` to `to` (a table without a usable secondary). */
  applyCopyPrimary(t: TableView, from: string, to: string): void {
    this.bump(t.appId, from, -1, -1);
    this.bump(t.appId, to, 1, 1);
  }

  replicasOf(node: string): number {
    return this.totalRep.get(node) ?? 0;
  }
}

function pickMin(cands: readonly string[], key: (a: string) => number[]): string {
  let best = cands[0]!;
  let bestKey = key(best);
  for (let i = 1; i < cands.length; i++) {
    const a = cands[i]!;
    const k = key(a);
    const cmp = compareKeys(k, bestKey);
    if (cmp < 0 || (cmp === 0 && a < best)) {
      best = a;
      bestKey = k;
    }
  }
  return best;
}

function compareKeys(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}
