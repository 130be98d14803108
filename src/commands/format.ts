/**
 * Renders result tables the way the Pegasus shell's table printer does (a `[section]` header,
 * every column left-aligned to its widest cell plus two spaces, `key : value` sections, a blank
 * line between sections), and as markdown for notebooks. Cells and titles carry server text, so
 * they are made terminal-safe here, the one place tables become text.
 */
import { CELL_MAX, terminalSafe } from './safeText';
import type { Cell, CommandResult, TableData } from './types';

export function cellText(c: Cell): string {
  if (c === null) return '-';
  return String(c);
}

/** A cell as shown: control characters escaped, cut at `CELL_MAX`. */
function shown(c: Cell): string {
  return terminalSafe(cellText(c), CELL_MAX);
}

const safeTitle = (t: string): string => terminalSafe(t, CELL_MAX, false);

const SPACE = 2;

function renderGrid(t: TableData): string[] {
  const rows = [t.columns.map(safeTitle), ...t.rows.map((r) => r.map(shown))];
  const widths = t.columns.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  // Multi-line cells (master's JSON balance counts) are printed as they are, in the last column.
  return rows.map((r) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + SPACE)))
      .join('')
      .replace(/\s+$/, ''),
  );
}

function renderKeyValue(t: TableData): string[] {
  const w = Math.max(0, ...t.rows.map((r) => shown(r[0] ?? '').length));
  return t.rows.map((r) => `${shown(r[0] ?? '').padEnd(w + SPACE)}: ${r[1] === undefined ? '' : shown(r[1])}`.replace(/\s+$/, ''));
}

/** One table as shell text, with its `[title]` header when it has one. */
export function renderTable(t: TableData): string {
  const lines = t.title ? [`[${safeTitle(t.title)}]`] : [];
  lines.push(...(t.kind === 'keyValue' ? renderKeyValue(t) : renderGrid(t)));
  return lines.join('\n');
}

/** Several tables as shell text, one blank line between sections. */
export function renderTables(ts: readonly TableData[]): string {
  return ts.map(renderTable).join('\n\n');
}

function mdEscape(s: string): string {
  return terminalSafe(s, CELL_MAX).replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}

/** One table as a GitHub markdown table (key/value sections become two-column tables). */
export function tableToMarkdown(t: TableData): string {
  const cols = t.kind === 'keyValue' && t.columns.length < 2 ? ['key', 'value'] : t.columns;
  const head = `| ${cols.map(mdEscape).join(' | ')} |`;
  const sep = `|${cols.map(() => ' --- ').join('|')}|`;
  const body = t.rows.map((r) => `| ${cols.map((_, i) => mdEscape(r[i] === undefined ? '' : cellText(r[i]))).join(' | ')} |`);
  return [...(t.title ? [`**${mdEscape(t.title)}**`, ''] : []), head, sep, ...body].join('\n');
}

/** A whole result as markdown: its tables, or its text in a code block when it has none. */
export function resultToMarkdown(r: CommandResult): string {
  if (r.tables.length === 0) return '```\n' + terminalSafe(r.text) + '\n```';
  const parts = r.tables.map(tableToMarkdown);
  if (r.summary) parts.push(r.summary);
  return parts.join('\n\n');
}

/** A key/value section from pairs. */
export function keyValueTable(title: string | undefined, pairs: readonly (readonly [string, Cell])[]): TableData {
  return { ...(title ? { title } : {}), columns: ['key', 'value'], rows: pairs.map(([k, v]) => [k, v]), kind: 'keyValue' };
}
