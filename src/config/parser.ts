/**
 * A tolerant parser for Pegasus `config.ini` files that keeps positions for every piece.
 *
 * It follows the server's own reading rules (behaviour spec §7.1): `#` and `;` start a comment
 * anywhere on a line unless escaped as `^#` / `^;`; `[section]` headers; `key = value` with
 * whitespace trimmed; a line without `=` defines the key with an empty value; the first
 * definition of a duplicated key wins. It never throws: anything odd becomes a `SyntaxProblem`
 * and parsing carries on with the next line.
 *
 * Written as a single pass over char codes (no regex per line) because the language server
 * re-parses the whole file on every edit.
 */

/** Zero-based, like LSP positions (`character` counts UTF-16 code units). */
export interface Position {
  readonly line: number;
  readonly character: number;
}
export interface Range {
  readonly start: Position;
  readonly end: Position;
}

export interface Comment {
  readonly line: number;
  /** Column of the `#` or `;`. */
  readonly start: number;
  /** Text after the marker, untrimmed. */
  readonly text: string;
  /** True when the comment follows a key or header on the same line. */
  readonly trailing: boolean;
}

export interface Section {
  /** Name between the brackets, trimmed. */
  readonly name: string;
  readonly line: number;
  /** Columns of the name inside the brackets. */
  readonly nameStart: number;
  readonly nameEnd: number;
  /** Columns of the whole header `[...]`. */
  readonly headerStart: number;
  readonly headerEnd: number;
  /** Entries in file order, duplicates included (flagged with `duplicateOf`). */
  readonly entries: Entry[];
  /** Set when an earlier section already had this name (the server refuses to start). */
  duplicateOf: Section | undefined;
}

export interface Entry {
  readonly key: string;
  /** The value with comments cut off, trimmed, `^#`/`^;` unescaped. */
  readonly value: string;
  /** The value as written (escapes kept). */
  readonly rawValue: string;
  readonly line: number;
  readonly keyStart: number;
  readonly keyEnd: number;
  /** Column of `=`; -1 when the line has none (key with an empty value). */
  readonly eqColumn: number;
  /** Columns of the trimmed raw value (equal when empty: the place a value would go). */
  readonly valueStart: number;
  readonly valueEnd: number;
  /** The section the entry belongs to; undefined for a key before any header. */
  readonly section: Section | undefined;
  /** Set on a redefinition: the first definition, which the server keeps. */
  duplicateOf: Entry | undefined;
}

export type SyntaxProblemKind = 'key-before-section' | 'section-with-equals' | 'unclosed-section' | 'empty-section-name' | 'text-after-section';

export interface SyntaxProblem {
  readonly kind: SyntaxProblemKind;
  readonly line: number;
  readonly start: number;
  readonly end: number;
}

export interface ConfigDocument {
  readonly sections: Section[];
  /** Every entry in file order, including those before any header. */
  readonly entries: Entry[];
  readonly comments: Comment[];
  readonly problems: SyntaxProblem[];
  readonly lineCount: number;
  /** First section of each name (what the server would use if it started). */
  readonly sectionByName: Map<string, Section>;
}

const HASH = 35; // #
const SEMI = 59; // ;
const CARET = 94; // ^
const LBRACKET = 91; // [
const RBRACKET = 93; // ]
const EQ = 61; // =
const CR = 13;

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 11 || c === 12 || c === 0xfeff || c === 0xa0;
}

/** Removes the `^` of `^#` / `^;` escapes. */
export function unescapeValue(raw: string): string {
  if (raw.indexOf('^') < 0) return raw;
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === CARET && i + 1 < raw.length) {
      const n = raw.charCodeAt(i + 1);
      if (n === HASH || n === SEMI) {
        out += raw[i + 1];
        i++;
        continue;
      }
    }
    out += raw[i];
  }
  return out;
}

/** Escapes `#` and `;` so a value can be written back into the file. */
export function escapeValue(value: string): string {
  return value.replace(/[#;]/g, (m) => `^${m}`);
}

export function parseConfig(text: string): ConfigDocument {
  const sections: Section[] = [];
  const entries: Entry[] = [];
  const comments: Comment[] = [];
  const problems: SyntaxProblem[] = [];
  const sectionByName = new Map<string, Section>();
  let current: Section | undefined;
  // key -> first entry, per section (reset on each header)
  let keysInSection = new Map<string, Entry>();
  const keysBySectionName = new Map<string, Map<string, Entry>>();
  const orphanKeys = new Map<string, Entry>();

  const len = text.length;
  let lineNo = 0;
  let pos = 0;
  while (pos <= len) {
    // Find the end of this line.
    let eol = text.indexOf('\n', pos);
    if (eol < 0) eol = len;
    let end = eol;
    if (end > pos && text.charCodeAt(end - 1) === CR) end--;
    const lineStart = pos;

    // Scan once: first unescaped comment marker, first '=', first '['.
    let commentAt = -1;
    let eqAt = -1;
    for (let i = lineStart; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c === HASH || c === SEMI) {
        if (i > lineStart && text.charCodeAt(i - 1) === CARET) continue;
        commentAt = i;
        break;
      }
      if (c === EQ && eqAt < 0) eqAt = i;
    }
    const contentEnd = commentAt < 0 ? end : commentAt;
    let s = lineStart;
    while (s < contentEnd && isSpace(text.charCodeAt(s))) s++;
    let e = contentEnd;
    while (e > s && isSpace(text.charCodeAt(e - 1))) e--;

    if (commentAt >= 0) {
      comments.push({ line: lineNo, start: commentAt - lineStart, text: text.slice(commentAt + 1, end), trailing: e > s });
    }

    if (e > s) {
      const first = text.charCodeAt(s);
      if (first === LBRACKET) {
        if (eqAt >= 0 && eqAt < contentEnd) {
          problems.push({ kind: 'section-with-equals', line: lineNo, start: s - lineStart, end: e - lineStart });
        }
        let close = -1;
        for (let i = e - 1; i > s; i--) {
          if (text.charCodeAt(i) === RBRACKET) {
            close = i;
            break;
          }
        }
        let nameS = s + 1;
        let nameE = close < 0 ? e : close;
        if (close < 0) problems.push({ kind: 'unclosed-section', line: lineNo, start: s - lineStart, end: e - lineStart });
        else if (close < e - 1) problems.push({ kind: 'text-after-section', line: lineNo, start: close + 1 - lineStart, end: e - lineStart });
        while (nameS < nameE && isSpace(text.charCodeAt(nameS))) nameS++;
        while (nameE > nameS && isSpace(text.charCodeAt(nameE - 1))) nameE--;
        const name = text.slice(nameS, nameE);
        if (name.length === 0) problems.push({ kind: 'empty-section-name', line: lineNo, start: s - lineStart, end: e - lineStart });
        const section: Section = {
          name,
          line: lineNo,
          nameStart: nameS - lineStart,
          nameEnd: nameE - lineStart,
          headerStart: s - lineStart,
          headerEnd: (close < 0 ? e : close + 1) - lineStart,
          entries: [],
          duplicateOf: undefined,
        };
        const earlier = sectionByName.get(name);
        if (earlier) {
          section.duplicateOf = earlier;
          // Keys of a repeated section are still checked against the first one's keys.
          keysInSection = keysBySectionName.get(name)!;
        } else {
          sectionByName.set(name, section);
          keysInSection = new Map();
          keysBySectionName.set(name, keysInSection);
        }
        sections.push(section);
        current = section;
      } else {
        const hasEq = eqAt >= 0 && eqAt < contentEnd;
        let keyE = hasEq ? eqAt : e;
        while (keyE > s && isSpace(text.charCodeAt(keyE - 1))) keyE--;
        let valS = hasEq ? eqAt + 1 : e;
        while (valS < e && isSpace(text.charCodeAt(valS))) valS++;
        const key = text.slice(s, keyE);
        const rawValue = hasEq ? text.slice(valS, e) : '';
        const entry: Entry = {
          key,
          value: unescapeValue(rawValue),
          rawValue,
          line: lineNo,
          keyStart: s - lineStart,
          keyEnd: keyE - lineStart,
          eqColumn: hasEq ? eqAt - lineStart : -1,
          valueStart: (hasEq ? valS : e) - lineStart,
          valueEnd: e - lineStart,
          section: current,
          duplicateOf: undefined,
        };
        const seen = current ? keysInSection : orphanKeys;
        const firstDef = seen.get(key);
        if (firstDef) entry.duplicateOf = firstDef;
        else seen.set(key, entry);
        if (!current) problems.push({ kind: 'key-before-section', line: lineNo, start: s - lineStart, end: e - lineStart });
        else current.entries.push(entry);
        entries.push(entry);
      }
    }

    lineNo++;
    if (eol >= len) break;
    pos = eol + 1;
  }
  // A trailing newline does not start a line the editor would count differently; keep LSP's count.
  return { sections, entries, comments, problems, lineCount: lineNo, sectionByName };
}

/** The value the server would use for `section.key`: the first definition in the first such section. */
export function firstEntry(doc: ConfigDocument, section: string, key: string): Entry | undefined {
  const sec = doc.sectionByName.get(section);
  if (!sec) return undefined;
  for (const s of doc.sections) {
    if (s.name !== section) continue;
    for (const e of s.entries) if (e.key === key && !e.duplicateOf) return e;
  }
  return undefined;
}

/** Placeholders the server or deployment tooling fills in: `%name%` (-cargs) and `%{name}` (templates). */
export function placeholdersIn(s: string): { name: string; start: number; end: number; kind: 'cargs' | 'template' }[] {
  const out: { name: string; start: number; end: number; kind: 'cargs' | 'template' }[] = [];
  let i = s.indexOf('%');
  while (i >= 0 && i < s.length - 1) {
    if (s.charCodeAt(i + 1) === 123 /* { */) {
      const close = s.indexOf('}', i + 2);
      if (close < 0) break;
      out.push({ name: s.slice(i + 2, close), start: i, end: close + 1, kind: 'template' });
      i = s.indexOf('%', close + 1);
    } else {
      const close = s.indexOf('%', i + 1);
      if (close < 0) break;
      const name = s.slice(i + 1, close);
      if (/^[A-Za-z0-9_.-]+$/.test(name)) {
        out.push({ name, start: i, end: close + 1, kind: 'cargs' });
        i = s.indexOf('%', close + 1);
      } else {
        i = close;
      }
    }
  }
  return out;
}

export function hasPlaceholder(s: string): boolean {
  return s.indexOf('%') >= 0 && placeholdersIn(s).length > 0;
}
