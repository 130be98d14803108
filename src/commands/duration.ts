/**
 * Duration text of the cell language (`30m`, `90s`, `250ms`): parsed by the parser and cell
 * options, printed back by help. Its own module so help and the parser need not import each other.
 */

/** Parses `30m`, `10s`, `1h`, `250ms`, `2d` or plain seconds into milliseconds; NaN when invalid. */
export function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(s.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const mult = unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : unit === 'h' ? 3_600_000 : 86_400_000;
  return Math.round(n * mult);
}

/** Formats milliseconds back as the shortest duration text (`90000` → `90s`, `1800000` → `30m`). */
export function formatDuration(ms: number): string {
  for (const [unit, mult] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms >= mult && ms % mult === 0) return `${ms / mult}${unit}`;
  }
  return `${ms}ms`;
}
