/**
 * Code actions: the findings' own quick fixes, per-rule suppression comments, and "set the
 * threshold so k nodes can go" rewrites on the threshold line (the calculator's apply step).
 */
import { freezeMargin, pctAllowingRemoval } from '../cluster/freeze';
import type { Analysis, Finding, TextEdit } from './analysis';
import { firstEntry, type Range } from './parser';

export interface Action {
  readonly title: string;
  readonly kind: 'quickfix' | 'refactor';
  readonly edits: readonly TextEdit[];
  readonly preferred?: boolean;
  /** The finding this action fixes or silences. */
  readonly finding?: Finding;
}

const overlaps = (a: Range, b: Range) => a.start.line <= b.end.line && b.start.line <= a.end.line;

/** Edits that set the threshold, rewriting the entry or adding it under [meta_server]. */
export function thresholdEdit(a: Analysis, pct: number): TextEdit | null {
  const entry = firstEntry(a.doc, 'meta_server', 'node_live_percentage_threshold_for_update');
  if (entry)
    return {
      range: { start: { line: entry.line, character: entry.valueStart }, end: { line: entry.line, character: entry.valueEnd } },
      newText: String(pct),
    };
  const meta = a.doc.sectionByName.get('meta_server');
  if (!meta) return null;
  const indent = meta.entries[0] ? ' '.repeat(meta.entries[0].keyStart) : '  ';
  return {
    range: { start: { line: meta.line + 1, character: 0 }, end: { line: meta.line + 1, character: 0 } },
    newText: `${indent}node_live_percentage_threshold_for_update = ${pct}\n`,
  };
}

/** The plans the thresholds are rewritten for are the analysis's own (those that concern the file's cluster). */
export function actionsFor(a: Analysis, range: Range, lineLength: (line: number) => number): Action[] {
  const out: Action[] = [];
  for (const f of a.findings) {
    if (!overlaps(f.range, range)) continue;
    for (const fix of f.fixes ?? [])
      out.push({ title: fix.title, kind: 'quickfix', edits: fix.edits, ...(fix.preferred ? { preferred: true } : {}), finding: f });
    const line = f.range.start.line;
    out.push({
      title: `Ignore ${f.code} on this line`,
      kind: 'quickfix',
      edits: [
        {
          range: { start: { line, character: lineLength(line) }, end: { line, character: lineLength(line) } },
          newText: `  # pegasus-ops: disable=${f.code}`,
        },
      ],
      finding: f,
    });
    out.push({
      title: `Ignore ${f.code} in this file`,
      kind: 'quickfix',
      edits: [
        { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: `# pegasus-ops: disable=${f.code}\n` },
      ],
      finding: f,
    });
  }

  // Threshold rewrites for the node counts that matter: the next loss and every planned scale-in.
  const meta = a.doc.sectionByName.get('meta_server');
  if (meta && a.nodes && a.pct && a.minLive) {
    const entry = a.pct.entry;
    const anchorLine = entry ? entry.line : meta.line;
    if (range.start.line <= anchorLine && anchorLine <= range.end.line) {
      const { alive, dead } = a.nodes;
      const margin = freezeMargin({ alive, dead, pct: a.pct.value, minLive: a.minLive.value });
      const ks = new Set<number>([Math.max(1, margin + 1), ...a.runbookPlans.map((p) => p.removals)]);
      for (const k of [...ks].sort((x, y) => x - y)) {
        if (k > alive) continue;
        const safe = pctAllowingRemoval(alive, dead, a.minLive.value, k);
        if (safe === null || safe === a.pct.value) continue;
        const edit = thresholdEdit(a, safe);
        const dup = out.some(
          (o) =>
            o.edits.length === 1 && edit && o.edits[0]!.newText === edit.newText && o.edits[0]!.range.start.line === edit.range.start.line,
        );
        if (edit && !dup)
          out.push({
            title: `Set node_live_percentage_threshold_for_update to ${safe} (lets ${k} of ${alive + dead} nodes go down)`,
            kind: 'refactor',
            edits: [edit],
          });
      }
    }
  }
  // Two findings on one line offer the same "ignore" edit, and two plans may ask for the same threshold.
  const seen = new Set<string>();
  return out.filter((o) => {
    const key = JSON.stringify([o.title, o.edits]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
