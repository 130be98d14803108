/**
 * The meta server's freeze rule (meta_service::check_freeze, upstream src/meta/meta_service.cpp) and the arithmetic built on it.
 *
 * The meta is frozen iff `alive < minLive` or `alive * 100 < pct * (alive + dead)`, integer
 * arithmetic, strictly less-than. Dead nodes stay counted until the meta leader restarts or fails
 * over. This is the single implementation used by the simulator, the scale engine's freeze guard,
 * the explorer's freeze margin and the config language server's code lens.
 */

export interface FreezeInputs {
  /** Replica servers the meta currently sees alive. */
  readonly alive: number;
  /** Replica servers the meta counts as dead (removed since the last meta restart included). */
  readonly dead: number;
  /** `node_live_percentage_threshold_for_update` or the runtime `meta.live_percentage`. */
  readonly pct: number;
  /** `min_live_node_count_for_unfreeze`. */
  readonly minLive: number;
}

export type FreezeReason = 'min_live' | 'percentage';

export interface FreezeVerdict {
  readonly frozen: boolean;
  /** Every condition that holds; empty when not frozen. */
  readonly reasons: readonly FreezeReason[];
}

export function freezeVerdict(i: FreezeInputs): FreezeVerdict {
  const reasons: FreezeReason[] = [];
  if (i.alive < i.minLive) reasons.push('min_live');
  if (i.alive * 100 < i.pct * (i.alive + i.dead)) reasons.push('percentage');
  return { frozen: reasons.length > 0, reasons };
}

export function isFrozen(i: FreezeInputs): boolean {
  return freezeVerdict(i).frozen;
}

/**
 * How many more nodes can go down, one after another, before the meta freezes.
 * Each node that goes down moves from alive to dead (the total stays the same).
 * Returns 0 when the next loss would freeze it, and -1 when it is frozen already.
 */
export function freezeMargin(i: FreezeInputs): number {
  if (isFrozen(i)) return -1;
  let k = 0;
  while (k < i.alive && !isFrozen({ ...i, alive: i.alive - (k + 1), dead: i.dead + (k + 1) })) k++;
  return k;
}

/** Inputs with their verdict and margin: what a snapshot shows and what a guard step reports. */
export interface FreezeState extends FreezeInputs, FreezeVerdict {
  /** How many more nodes can go down before the meta freezes (-1: frozen now). */
  readonly margin: number;
}

export function freezeState(i: FreezeInputs): FreezeState {
  const v = freezeVerdict(i);
  return { ...i, frozen: v.frozen, reasons: v.reasons, margin: freezeMargin(i) };
}

/**
 * The largest integer threshold (0..100) under which the meta stays unfrozen with `alive` alive
 * and `dead` dead nodes; null when no percentage helps (the min-live rule alone freezes it).
 */
export function largestSafePct(alive: number, dead: number, minLive: number): number | null {
  if (alive < minLive) return null;
  const total = alive + dead;
  if (total === 0) return 100;
  // alive*100 >= pct*total  <=>  pct <= floor(alive*100/total)
  return Math.min(100, Math.floor((alive * 100) / total));
}

export interface RemovalStep {
  /** 1-based count of nodes removed so far. */
  readonly removed: number;
  readonly alive: number;
  readonly dead: number;
  /** alive / (alive + dead) in percent, for display. */
  readonly aliveShare: number;
  readonly frozen: boolean;
  readonly reasons: readonly FreezeReason[];
  /** Largest threshold that keeps the meta unfrozen after this removal (null: min-live freezes it). */
  readonly largestSafePct: number | null;
}

/**
 * The alive share after each of `k` removals, one after another, starting from `alive`/`dead`,
 * with the verdict under `pct` and the largest safe threshold at each step.
 */
export function removalSchedule(i: FreezeInputs, k: number): RemovalStep[] {
  const steps: RemovalStep[] = [];
  for (let r = 1; r <= k && r <= i.alive; r++) {
    const alive = i.alive - r;
    const dead = i.dead + r;
    const v = freezeVerdict({ ...i, alive, dead });
    steps.push({
      removed: r,
      alive,
      dead,
      aliveShare: alive + dead === 0 ? 100 : (alive * 100) / (alive + dead),
      frozen: v.frozen,
      reasons: v.reasons,
      largestSafePct: largestSafePct(alive, dead, i.minLive),
    });
  }
  return steps;
}

/**
 * The largest threshold that lets `k` nodes be removed one after another without a freeze
 * (the minimum over every intermediate step); null when min-live forbids it whatever the pct.
 */
export function pctAllowingRemoval(alive: number, dead: number, minLive: number, k: number): number | null {
  let best = 100;
  for (let r = 1; r <= k; r++) {
    const p = largestSafePct(alive - r, dead + r, minLive);
    if (p === null) return null;
    best = Math.min(best, p);
  }
  return best;
}
