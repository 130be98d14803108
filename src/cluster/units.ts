/**
 * Human-readable sizes and durations for plans, progress and rehearsal reports. Pure and free of
 * Node built-ins: the notebook renderer bundles it for the browser.
 */

/** Binary units, one decimal below 100 (`1.0 GiB`, `512 MiB`, `17 B`). */
export function fmtBytes(n: number): string {
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < u.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 || i === 0 ? Math.round(v) : v.toFixed(1)} ${u[i]}`;
}

/** Whole seconds as `45s`, `1m15s` or `2h05m`. */
export function fmtDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
