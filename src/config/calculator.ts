/**
 * The threshold calculator's model: for k nodes removed one after another, the alive share after
 * each removal and the largest threshold that survives all of them. Arithmetic from freeze.ts.
 */
import { freezeMargin, pctAllowingRemoval, removalSchedule, type FreezeInputs, type RemovalStep } from '../cluster/freeze';

export interface CalculatorResult {
  readonly k: number;
  readonly steps: readonly RemovalStep[];
  /** Largest threshold that lets all k removals pass; null when min_live forbids it. */
  readonly safePct: number | null;
  /** How many removals the current threshold survives (-1: frozen already). */
  readonly margin: number;
  /** True when the current threshold already allows k removals. */
  readonly currentAllows: boolean;
}

export function calculate(inputs: FreezeInputs, k: number): CalculatorResult {
  const kk = Math.max(0, Math.min(k, inputs.alive));
  const steps = removalSchedule(inputs, kk);
  const safePct = pctAllowingRemoval(inputs.alive, inputs.dead, inputs.minLive, kk);
  const margin = freezeMargin(inputs);
  return { k: kk, steps, safePct, margin, currentAllows: margin >= kk };
}

/** One line per removal, e.g. "after 3: 7/10 alive = 70.0% — ok (safe up to 70%)". */
export function describeStep(s: RemovalStep, total: number): string {
  const verdict = s.frozen
    ? `FROZEN (${s.reasons.map((r) => (r === 'min_live' ? 'below min live' : 'below threshold')).join(', ')})`
    : 'ok';
  const safe = s.largestSafePct === null ? 'no threshold helps: below min live' : `safe up to ${s.largestSafePct}%`;
  return `after ${s.removed}: ${s.alive}/${total} alive = ${s.aliveShare.toFixed(1)}% — ${verdict} (${safe})`;
}
