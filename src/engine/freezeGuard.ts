/**
 * The freeze guard: decisions built on THE freeze arithmetic in src/cluster/freeze.ts (never
 * re-implemented here). `dead` always counts every node removed since the last meta restart,
 * because the meta keeps them in its dead set until then.
 */
import { freezeState, largestSafePct, type FreezeInputs, type FreezeState } from '../cluster/freeze';
import type { Note } from './notes';

export type FreezeInputsNow = FreezeInputs;

type MarginShort = Extract<Note, { code: 'margin-short' }>;

export type RemovalDecision =
  /** The node can go without touching the threshold. */
  | { readonly kind: 'ok'; readonly after: FreezeSnapshot; readonly short?: MarginShort }
  /** Lower `meta.live_percentage` to `pct` just before the step (the largest value that avoids the freeze). */
  | { readonly kind: 'lower'; readonly pct: number; readonly after: FreezeSnapshot; readonly short?: MarginShort }
  /** No percentage helps: the min-live rule would freeze the meta (`aliveAfter` < `minLive`). */
  | { readonly kind: 'refuse'; readonly aliveAfter: number; readonly minLive: number; readonly after: FreezeSnapshot };

/** The freeze state (margin = further removals possible before a freeze, -1: frozen) and the arithmetic behind it. */
export interface FreezeSnapshot extends FreezeState {
  /** `alive*100` vs `pct*(alive+dead)`, for messages. */
  readonly arithmetic: string;
}

export function snapshotOf(i: FreezeInputsNow): FreezeSnapshot {
  const s = freezeState(i);
  // The comparisons come from the verdict's reasons, so the rule itself lives only in freeze.ts.
  const pctCmp = s.reasons.includes('percentage') ? '<' : '>=';
  const liveCmp = s.reasons.includes('min_live') ? '<' : '>=';
  return {
    ...s,
    arithmetic: `alive*100 = ${i.alive * 100} ${pctCmp} pct*(alive+dead) = ${i.pct * (i.alive + i.dead)}; alive ${i.alive} ${liveCmp} min_live ${i.minLive}`,
  };
}

/**
 * Before one more node goes dead: keep the threshold, lower it just enough, or refuse.
 * `keepMargin` (default 0): lower to the largest pct that still leaves that many further node
 * losses before a freeze; when min-live makes that impossible, the margin-0 value is used and
 * `short` says so.
 */
export function decideRemoval(now: FreezeInputsNow, keepMargin = 0): RemovalDecision {
  const afterIn = { ...now, alive: now.alive - 1, dead: now.dead + 1 };
  const after = snapshotOf(afterIn);
  if (!after.frozen && after.margin >= keepMargin) return { kind: 'ok', after };
  const safe = largestSafePct(afterIn.alive, afterIn.dead, now.minLive);
  if (safe === null) {
    return { kind: 'refuse', after, aliveAfter: afterIn.alive, minLive: now.minLive };
  }
  if (keepMargin > 0) {
    const spare = largestSafePct(afterIn.alive - keepMargin, afterIn.dead + keepMargin, now.minLive);
    if (spare !== null) {
      const pct = Math.min(now.pct, spare);
      return pct === now.pct ? { kind: 'ok', after } : { kind: 'lower', pct, after: snapshotOf({ ...afterIn, pct }) };
    }
    const short: MarginShort = { code: 'margin-short', keepMargin, aliveAfter: afterIn.alive - keepMargin, minLive: now.minLive };
    if (!after.frozen) return { kind: 'ok', after, short };
    return { kind: 'lower', pct: safe, after: snapshotOf({ ...afterIn, pct: safe }), short };
  }
  return { kind: 'lower', pct: safe, after: snapshotOf({ ...afterIn, pct: safe }) };
}

export type RestoreDecision =
  { readonly kind: 'restore' } | { readonly kind: 'keep'; readonly note: Extract<Note, { code: 'pct-kept-lowered' }> };

/** May the original threshold come back now? Never while the dead nodes still counted would freeze the meta. */
export function decideRestorePct(original: number, alive: number, dead: number, minLive: number): RestoreDecision {
  const s = snapshotOf({ alive, dead, pct: original, minLive });
  if (!s.frozen) return { kind: 'restore' };
  return { kind: 'keep', note: { code: 'pct-kept-lowered', original, alive, dead, minLive } };
}
