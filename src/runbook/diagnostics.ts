/**
 * Problems found while reading a runbook, with 1-based line and column so an editor can point at
 * them and a terminal can print `file:line:col`.
 */
export interface RunbookProblem {
  readonly line: number;
  readonly column: number;
  readonly message: string;
  readonly severity: 'error' | 'warning';
}

export function formatProblem(p: RunbookProblem, file?: string): string {
  return `${file ? `${file}:` : ''}${p.line}:${p.column}: ${p.severity}: ${p.message}`;
}

/** Thrown where a caller needs a single failure (e.g. options of a cell about to run). */
export class RunbookError extends Error {
  constructor(
    readonly problems: readonly RunbookProblem[],
    file?: string,
  ) {
    super(problems.map((p) => formatProblem(p, file)).join('\n'));
    this.name = 'RunbookError';
  }
}
