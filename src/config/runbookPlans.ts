/**
 * Reads the scale-ins planned in a runbook (`*.runbook.md`) so a config file can warn when its
 * threshold would freeze the cluster during them. Only what matters for the freeze rule: how many
 * nodes are removed before the meta next restarts (dead nodes stay counted until then).
 *
 * No parsing of its own: the runbook format's parser finds the cells and front matter, and the
 * cell language's parser reads each cell, so fences, front matter, quoting, comments and flag
 * spellings (`--nodes=A,B`, `--nodes "A,B"`) mean here exactly what they mean to the runner.
 */
import { parseScript, type CommandRegistry } from '../commands';
import { parseRunbook } from '../runbook/format';
import { findResumePoint, type CellRecord } from '../runbook/runLog';
import type { RunbookPlan } from './settings';

/** `registry`: the host's commands, so a cell means here what it means to the runner. */
export function scanRunbook(uri: string, text: string, registry: CommandRegistry): RunbookPlan | undefined {
  const doc = parseRunbook(text);
  let running = 0;
  let best = 0;
  let bestLine = -1;
  let bestCell = -1;
  for (const [index, cell] of doc.cells.entries()) {
    if (cell.kind !== 'code' || cell.line === undefined) continue;
    // The runner refuses a cell with a syntax error before running any of it: it removes nothing.
    const parsed = parseScript(registry, cell.value);
    if (!parsed.ok) continue;
    for (const c of parsed.commands) {
      const name = c.spec.name;
      if (name === 'restart-meta') {
        running = 0; // a meta restart forgets the removed nodes
        continue;
      }
      const leaving = name === 'scale-in' ? c.args.values.nodes : name === 'migrate' ? c.args.values.from : undefined;
      if (!Array.isArray(leaving)) continue;
      running += leaving.length;
      if (running > best) {
        best = running;
        // cell.line is the 1-based fence line, c.line the 1-based line in the cell: 0-based file line.
        bestLine = cell.line + c.line - 1;
        bestCell = index;
      }
    }
  }
  if (best === 0) return undefined;
  const cluster = doc.frontMatter.cluster;
  const name = uri.replace(/^.*[\\/]/, '');
  return {
    uri,
    ...(cluster ? { cluster } : {}),
    removals: best,
    line: bestLine,
    cell: bestCell,
    label: `Runbook ${name} (line ${bestLine + 1})`,
  };
}

/**
 * Whether a runbook's scale-in is still ahead, judged from its run log (`records`, oldest first):
 * never run, or stopped part-way so it can be resumed (findResumePoint), or its runs ended before
 * reaching the scale-in's cell. A run that got to that cell and is not resumable (it succeeded,
 * failed, or was cancelled and the resume declined) is finished or abandoned: history, not a plan.
 */
export function isPlanPending(plan: RunbookPlan, records: readonly CellRecord[]): boolean {
  if (records.length === 0) return true;
  if (findResumePoint(records)) return true;
  if (plan.cell === undefined) return false;
  const reached = (r: CellRecord) => r.cell.status !== 'started' && r.cell.index >= plan.cell!;
  return !records.some(reached);
}

export function isRunbookUri(uri: string): boolean {
  return /\.runbook\.md$/i.test(uri);
}
