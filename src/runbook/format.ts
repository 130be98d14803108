/**
 * The `*.runbook.md` file format: markdown whose top-level ```pegasus fenced blocks are code
 * cells (with an optional JSON options object after the language) and everything else markup.
 *
 * Round trip: every cell remembers the exact source text it came from and the whitespace before
 * it, so writing back an unchanged document reproduces the file byte for byte (CRLF, BOM,
 * indentation, odd fences). Only cells whose text or options changed are re-generated. Parsing
 * never throws: problems come back with line and column.
 */
import { parseCellOptions, type CellOptions } from './cellOptions';
import type { RunbookProblem } from './diagnostics';
import { parseFrontMatter, type FrontMatter } from './frontMatter';

export const CELL_LANGUAGE = 'pegasus';

export type Eol = '\n' | '\r\n';

export interface CodeCellSource {
  /** Exact text from the opening fence line to the end of the closing fence line (no final EOL). */
  readonly raw: string;
  /** The cell text as parsed (LF line ends), to detect edits. */
  readonly value: string;
  /** The info string after the language, as written (for re-use when only the body changed). */
  readonly optionsText: string;
  readonly fence: string;
  readonly indent: string;
  readonly closed: boolean;
}

export interface RunbookCell {
  readonly kind: 'markup' | 'code';
  /** Cell text with LF line ends (what an editor shows). */
  readonly value: string;
  /** Code cells only: validated options ({} when none or invalid). */
  readonly options?: CellOptions;
  /** Whitespace between the end of the previous cell (or front matter) and this cell. */
  readonly before?: string;
  /** Exact source of the cell content when it was read from a file. */
  readonly raw?: string;
  readonly code?: CodeCellSource;
  /** 1-based line of the cell's first line in the file. */
  readonly line?: number;
}

export interface RunbookDocument {
  readonly bom: boolean;
  /** The front matter block exactly as written, closing line and its EOL included; '' when none. */
  readonly frontMatterRaw: string;
  readonly frontMatter: FrontMatter;
  readonly cells: readonly RunbookCell[];
  /** Whatever follows the last cell (usually the final newline). */
  readonly trailer: string;
  readonly eol: Eol;
  readonly problems: readonly RunbookProblem[];
}

interface Line {
  /** Text without its line end. */
  readonly text: string;
  /** '\n', '\r\n' or '' (last line without newline). */
  readonly end: string;
  /** Offset of the line's first character in the source. */
  readonly offset: number;
}

function splitLines(src: string): Line[] {
  const lines: Line[] = [];
  let pos = 0;
  while (pos < src.length) {
    const nl = src.indexOf('\n', pos);
    if (nl < 0) {
      lines.push({ text: src.slice(pos), end: '', offset: pos });
      break;
    }
    const cr = nl > pos && src[nl - 1] === '\r';
    lines.push({ text: src.slice(pos, cr ? nl - 1 : nl), end: cr ? '\r\n' : '\n', offset: pos });
    pos = nl + 1;
  }
  return lines;
}

const FENCE_OPEN = /^( {0,3})(`{3,}|~{3,})(.*)$/;

interface Fence {
  readonly indent: string;
  readonly fence: string;
  readonly info: string;
}

function fenceOpen(text: string): Fence | undefined {
  const m = FENCE_OPEN.exec(text);
  if (!m) return undefined;
  const [, indent, fence, info] = m as unknown as [string, string, string, string];
  // CommonMark: a backtick fence's info string cannot contain a backtick.
  if (fence[0] === '`' && info.includes('`')) return undefined;
  return { indent, fence, info };
}

function closesFence(text: string, open: Fence): boolean {
  const m = /^ {0,3}(`{3,}|~{3,})[ \t]*$/.exec(text);
  return !!m && m[1]![0] === open.fence[0] && m[1]!.length >= open.fence.length;
}

function isBlank(text: string): boolean {
  return /^[ \t]*$/.test(text);
}

/** Removes up to `indent.length` leading spaces, as CommonMark does for indented fences. */
function unindent(text: string, indent: string): string {
  let i = 0;
  while (i < indent.length && text[i] === ' ') i++;
  return text.slice(i);
}

/** Language word and the rest of an info string: "pegasus {"confirm":true}" → ["pegasus", "{…}", offset]. */
function splitInfo(info: string): { lang: string; rest: string; restOffset: number } {
  const m = /^([ \t]*)(\S*)([ \t]*)(.*)$/.exec(info)!;
  return { lang: m[2]!, rest: m[4]!.replace(/[ \t]+$/, ''), restOffset: m[1]!.length + m[2]!.length + m[3]!.length };
}

function firstEol(lines: readonly Line[]): Eol {
  const l = lines.find((x) => x.end !== '');
  return l?.end === '\r\n' ? '\r\n' : '\n';
}

export function parseRunbook(source: string): RunbookDocument {
  const problems: RunbookProblem[] = [];
  const bom = source.startsWith('\uFEFF');
  const src = bom ? source.slice(1) : source;
  const lines = splitLines(src);
  const eol = firstEol(lines);

  // Front matter: '---' on the very first line, closed by '---' or '...'.
  let i = 0;
  let frontMatterRaw = '';
  let frontMatter: FrontMatter = {};
  if (lines.length > 0 && /^---[ \t]*$/.test(lines[0]!.text)) {
    let close = -1;
    for (let j = 1; j < lines.length; j++) {
      if (/^(---|\.\.\.)[ \t]*$/.test(lines[j]!.text)) {
        close = j;
        break;
      }
    }
    if (close > 0) {
      const end = lines[close]!.offset + lines[close]!.text.length + lines[close]!.end.length;
      frontMatterRaw = src.slice(0, end);
      const body = lines.slice(1, close).map((l) => l.text);
      const fm = parseFrontMatter(body, 2);
      frontMatter = fm.value;
      problems.push(...fm.problems);
      i = close + 1;
    }
  }

  const cells: RunbookCell[] = [];
  // Start offset of text not yet assigned to a cell.
  let pending = frontMatterRaw.length;

  /** Turns src[pending, upTo) into `before` + an optional markup cell; returns the leftover whitespace. */
  const flushMarkup = (upTo: number, firstLine: number): string => {
    const gap = src.slice(pending, upTo);
    pending = upTo;
    if (isBlankText(gap)) return gap;
    const gapLines = splitLines(gap);
    let s = 0;
    while (s < gapLines.length && isBlank(gapLines[s]!.text)) s++;
    let e = gapLines.length - 1;
    while (e > s && isBlank(gapLines[e]!.text)) e--;
    const startOff = gapLines[s]!.offset;
    const endOff = gapLines[e]!.offset + gapLines[e]!.text.length;
    const raw = gap.slice(startOff, endOff);
    cells.push({
      kind: 'markup',
      value: raw.replace(/\r\n/g, '\n'),
      before: gap.slice(0, startOff),
      raw,
      line: firstLine + s,
    });
    return gap.slice(endOff);
  };

  while (i < lines.length) {
    const line = lines[i]!;
    const open = fenceOpen(line.text);
    if (!open) {
      i++;
      continue;
    }
    // Find the end of this fenced block (to end of document when unclosed, as CommonMark says).
    let j = i + 1;
    while (j < lines.length && !closesFence(lines[j]!.text, open)) j++;
    const closed = j < lines.length;
    const { lang, rest, restOffset } = splitInfo(open.info);
    if (lang !== CELL_LANGUAGE) {
      // Another language's fence stays part of the surrounding markdown; skip over it whole
      // so a ```pegasus inside it is not mistaken for a cell.
      i = closed ? j + 1 : lines.length;
      continue;
    }
    const gapStartLine = lineNumberAt(lines, pending);
    // Whitespace after the preceding markup (or all of a blank gap) precedes this cell.
    const before = flushMarkup(line.offset, gapStartLine);
    const lastLine = closed ? lines[j]! : lines[lines.length - 1]!;
    const rawEnd = closed ? lastLine.offset + lastLine.text.length : src.length;
    const raw = src.slice(line.offset, rawEnd);
    const bodyLines = lines.slice(i + 1, closed ? j : lines.length).map((l) => unindent(l.text, open.indent));
    const value = bodyLines.join('\n');
    const lineNo = i + 1;
    if (!closed) {
      problems.push({
        line: lineNo,
        column: open.indent.length + 1,
        severity: 'warning',
        message: `the \`\`\`pegasus block opened here is never closed; add a line with ${open.fence} after the cell's last command`,
      });
    }
    const optionsColumn = open.indent.length + open.fence.length + restOffset + 1;
    const opts = parseCellOptions(rest, { line: lineNo, column: optionsColumn });
    problems.push(...opts.problems);
    cells.push({
      kind: 'code',
      value,
      options: opts.value,
      before,
      raw,
      line: lineNo,
      code: { raw, value, optionsText: rest, fence: open.fence, indent: open.indent, closed },
    });
    pending = rawEnd;
    i = closed ? j + 1 : lines.length;
  }
  // What follows the last cell's text (usually just the final newline) is kept as the trailer.
  const trailer = flushMarkup(src.length, lineNumberAt(lines, pending));
  return { bom, frontMatterRaw, frontMatter, cells, trailer, eol, problems };
}

function isBlankText(s: string): boolean {
  return /^[ \t\r\n]*$/.test(s);
}

function lineNumberAt(lines: readonly Line[], offset: number): number {
  // Binary search: the last line starting at or before `offset`.
  let lo = 0;
  let hi = lines.length - 1;
  let ans = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (lines[mid]!.offset <= offset) {
      ans = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  // An offset exactly at a line's end belongs to the next line's start for gap purposes.
  return ans + 1;
}

/** Picks a fence that no line of `body` could close early. */
function safeFence(body: string, preferred: string): string {
  const ch = preferred[0] === '~' ? '~' : '`';
  let len = Math.max(3, preferred.length);
  const re = ch === '`' ? /^ {0,3}(`{3,})/ : /^ {0,3}(~{3,})/;
  for (const l of body.split('\n')) {
    const m = re.exec(l);
    if (m && m[1]!.length >= len) len = m[1]!.length + 1;
  }
  return ch.repeat(len);
}

export function optionsToInfo(options: CellOptions | undefined): string {
  if (!options || Object.keys(options).length === 0) return '';
  return JSON.stringify(options);
}

function sameOptions(a: CellOptions | undefined, b: CellOptions | undefined): boolean {
  return optionsToInfo(a) === optionsToInfo(b);
}

/** Re-generates a code cell from its value and options, keeping its fence style where possible. */
function writeCode(cell: RunbookCell, eol: Eol): string {
  const src = cell.code;
  const indent = src?.indent ?? '';
  const fence = safeFence(cell.value, src?.fence ?? '```');
  const optionsUnchanged = src && sameOptions(cell.options, parseCellOptions(src.optionsText).value);
  const info = optionsUnchanged ? src.optionsText : optionsToInfo(cell.options);
  const head = `${indent}${fence}${CELL_LANGUAGE}${info ? ` ${info}` : ''}`;
  const body = cell.value === '' ? [] : cell.value.split('\n').map((l) => (l === '' ? l : indent + l));
  return [head, ...body, `${indent}${fence}`].join(eol);
}

/**
 * Writes cells back to markdown. Cells carrying their source (`raw`) and unchanged are written
 * verbatim; new or edited cells are generated with the document's line end.
 */
export function serializeRunbook(doc: Pick<RunbookDocument, 'bom' | 'frontMatterRaw' | 'cells' | 'trailer' | 'eol'>): string {
  const { eol } = doc;
  let out = doc.bom ? '\uFEFF' : '';
  out += doc.frontMatterRaw;
  const startGap = doc.frontMatterRaw ? eol : '';
  let first = true;
  let lastGenerated = false;
  doc.cells.forEach((cell, index) => {
    let text: string;
    let unchanged: boolean;
    if (cell.kind === 'code') {
      unchanged = !!cell.code && cell.code.value === cell.value && sameOptions(cell.options, parseCellOptions(cell.code.optionsText).value);
      text = unchanged ? cell.code!.raw : writeCode(cell, eol);
    } else {
      unchanged = cell.raw !== undefined && cell.raw.replace(/\r\n/g, '\n') === cell.value;
      if (!unchanged && cell.value.trim() === '') return; // an emptied markdown cell leaves nothing behind
      text = unchanged ? cell.raw! : cell.value.replace(/\n/g, eol);
    }
    // The first cell written keeps its own leading whitespace only if it was the first cell read.
    const before = first && (index > 0 || cell.before === undefined) ? startGap : (cell.before ?? eol + eol);
    out += before + text;
    first = false;
    lastGenerated = !unchanged;
  });
  // A generated last cell still ends with a line end, even where the old last cell did not.
  out += lastGenerated && doc.trailer === '' ? eol : doc.trailer;
  return out;
}
