/**
 * The confirmation text of a change, the same in the editor's dialog and on a terminal: what it
 * does, every setting it changes, every warning, the pre-flight verdict and, on resume, what is
 * already done (so the one deciding sees all of it before the run, not after).
 */
import type { ConfirmRequest } from './types';

export function confirmDetail(req: ConfirmRequest): string {
  return [
    `This changes the cluster:\n${req.change}`,
    ...extras(req),
    ...(req.production ? ['The cluster is marked production: every change asks.'] : []),
  ].join('\n\n');
}

/** What a terminal question adds after the change: the same lists, or '' when the command gave none. */
export function confirmExtras(req: ConfirmRequest): string {
  const e = extras(req);
  return e.length ? `\n${e.join('\n')}\n` : '';
}

function extras(req: ConfirmRequest): string[] {
  const parts: string[] = [];
  if (req.settings?.length) parts.push(`Settings it changes:\n${req.settings.map((s) => `• ${s}`).join('\n')}`);
  if (req.warnings?.length) parts.push(`Warnings:\n${req.warnings.map((w) => `⚠ ${w}`).join('\n')}`);
  if (req.verdict !== undefined) parts.push(`Pre-flight: ${req.verdict}`);
  if (req.done) parts.push(`Resuming; already done (skipped):\n${req.done.map((d) => `✓ ${d}`).join('\n')}`);
  return parts;
}
