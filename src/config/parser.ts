/**
 * A tolerant parser for Pegasus `config.ini` files that keeps positions for every piece.
 *
 * It follows the server's own reading rules (upstream src/utils/configuration.cpp): `#` and `;` start a comment
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
  /** First definition of each key across every section of this name (shared by repeats). */
  readonly firstKeys: KeyLookup;
}

export interface KeyLookup {
  get(key: string): Entry | undefined;
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

export type SyntaxProblemKind =
  'key-before-section' | 'section-with-equals' | 'unclosed-section' | 'empty-section-name' | 'text-after-section';

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
  /** The redefinitions (entries with `duplicateOf`), in file order. */
  readonly duplicateEntries: Entry[];
  readonly comments: Comment[];
  /** The comments that contain the `pegasus-ops:` directive marker (found with one scan of the text). */
  readonly directiveComments: Comment[];
  readonly problems: SyntaxProblem[];
  readonly lineCount: number;
  /** First section of each name (what the server would use if it started). */
  readonly sectionByName: Map<string, Section>;
}

/** Starts a Pegasus Ops directive inside a comment (see directives.ts). */
export const DIRECTIVE_MARKER = 'pegasus-ops:';

const HASH = 35; // #
const SEMI = 59; // ;
const CARET = 94; // ^
const LBRACKET = 91; // [
const RBRACKET = 93; // ]

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

/** First definition per key of a section: a short list (most sections are small), a Map past 16 keys. */
class KeyIndex implements KeyLookup {
  private readonly list: Entry[] = [];
  private map: Map<string, Entry> | undefined;
  get(key: string): Entry | undefined {
    if (this.map) return this.map.get(key);
    const list = this.list;
    for (let i = 0; i < list.length; i++) if (list[i]!.key === key) return list[i];
    return undefined;
  }
  add(e: Entry): void {
    if (this.map) {
      this.map.set(e.key, e);
      return;
    }
    this.list.push(e);
    if (this.list.length > 16) this.map = new Map(this.list.map((x) => [x.key, x]));
  }
}

export function parseConfig(text: string): ConfigDocument {
  const sections: Section[] = [];
  const entries: Entry[] = [];
  const duplicateEntries: Entry[] = [];
  const comments: Comment[] = [];
  const directiveComments: Comment[] = [];
  const problems: SyntaxProblem[] = [];
  const sectionByName = new Map<string, Section>();
  let current: Section | undefined;
  // key -> first entry of the current section's name (a repeated section shares the first's index)
  let keysInSection = new KeyIndex();
  const orphanKeys = new KeyIndex();

  const len = text.length;
  let nextCR = text.indexOf('\r');
  let nextHash = text.indexOf('#');
  let nextSemi = text.indexOf(';');
  let nextEq = text.indexOf('=');
  let nextCaret = text.indexOf('^');
  // A directive needs a ':'; tracking the next one (one-char search, each char read once) keeps
  // the marker search to the few comments that have a colon.
  let nextColon = text.indexOf(':');
  let lineNo = 0;
  let pos = 0;
  while (pos <= len) {
    // Find the end of this line.
    // Lines end at \n, \r\n or a lone \r, as in the editor (LSP positions count them all).
    let eol = text.indexOf('\n', pos);
    if (eol < 0) eol = len;
    if (nextCR >= 0 && nextCR < pos) nextCR = text.indexOf('\r', pos);
    let end = eol;
    let next = eol + 1;
    if (nextCR >= 0 && nextCR < eol) {
      end = nextCR;
      next = text.charCodeAt(nextCR + 1) === 10 ? nextCR + 2 : nextCR + 1;
    }
    const lineStart = pos;

    // First unescaped comment marker and first '=' of the line. The next occurrence of each
    // character in the whole text is remembered, so the scanning is native indexOf, done once.
    if (nextHash >= 0 && nextHash < lineStart) nextHash = text.indexOf('#', lineStart);
    if (nextSemi >= 0 && nextSemi < lineStart) nextSemi = text.indexOf(';', lineStart);
    if (nextEq >= 0 && nextEq < lineStart) nextEq = text.indexOf('=', lineStart);
    if (nextCaret >= 0 && nextCaret < lineStart) nextCaret = text.indexOf('^', lineStart);
    let commentAt = -1;
    for (;;) {
      const h = nextHash >= 0 && nextHash < end ? nextHash : -1;
      const m = nextSemi >= 0 && nextSemi < end ? nextSemi : -1;
      const c = h < 0 ? m : m < 0 ? h : Math.min(h, m);
      if (c < 0) break;
      if (c > lineStart && text.charCodeAt(c - 1) === CARET) {
        // escaped: look for the next one of the same kind
        if (c === nextHash) nextHash = text.indexOf('#', c + 1);
        else nextSemi = text.indexOf(';', c + 1);
        continue;
      }
      commentAt = c;
      break;
    }
    const eqAt = nextEq >= 0 && nextEq < (commentAt < 0 ? end : commentAt) ? nextEq : -1;
    const contentEnd = commentAt < 0 ? end : commentAt;
    let s = lineStart;
    while (s < contentEnd && isSpace(text.charCodeAt(s))) s++;
    let e = contentEnd;
    while (e > s && isSpace(text.charCodeAt(e - 1))) e--;

    if (commentAt >= 0) {
      const comment: Comment = { line: lineNo, start: commentAt - lineStart, text: text.slice(commentAt + 1, end), trailing: e > s };
      comments.push(comment);
      if (nextColon >= 0 && nextColon < commentAt) nextColon = text.indexOf(':', commentAt);
      if (nextColon >= 0 && nextColon < end && comment.text.indexOf(DIRECTIVE_MARKER) >= 0) directiveComments.push(comment);
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
        else if (close < e - 1)
          problems.push({ kind: 'text-after-section', line: lineNo, start: close + 1 - lineStart, end: e - lineStart });
        while (nameS < nameE && isSpace(text.charCodeAt(nameS))) nameS++;
        while (nameE > nameS && isSpace(text.charCodeAt(nameE - 1))) nameE--;
        const name = text.slice(nameS, nameE);
        if (name.length === 0) problems.push({ kind: 'empty-section-name', line: lineNo, start: s - lineStart, end: e - lineStart });
        const earlier = sectionByName.get(name);
        // Keys of a repeated section are still checked against the first one's keys.
        keysInSection = earlier ? (earlier.firstKeys as KeyIndex) : new KeyIndex();
        const section: Section = {
          name,
          line: lineNo,
          nameStart: nameS - lineStart,
          nameEnd: nameE - lineStart,
          headerStart: s - lineStart,
          headerEnd: (close < 0 ? e : close + 1) - lineStart,
          entries: [],
          duplicateOf: earlier,
          firstKeys: keysInSection,
        };
        if (!earlier) sectionByName.set(name, section);
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
          value: nextCaret >= 0 && nextCaret < e ? unescapeValue(rawValue) : rawValue,
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
        if (firstDef) {
          entry.duplicateOf = firstDef;
          duplicateEntries.push(entry);
        } else seen.add(entry);
        if (!current) problems.push({ kind: 'key-before-section', line: lineNo, start: s - lineStart, end: e - lineStart });
        else current.entries.push(entry);
        entries.push(entry);
      }
    }

    lineNo++;
    if (next > len) break;
    pos = next;
  }
  // A trailing newline does not start a line the editor would count differently; keep LSP's count.
  return { sections, entries, duplicateEntries, comments, directiveComments, problems, lineCount: lineNo, sectionByName };
}

/** The value the server would use for `section.key`: the first definition in the first such section. */
export function firstEntry(doc: ConfigDocument, section: string, key: string): Entry | undefined {
  return doc.sectionByName.get(section)?.firstKeys.get(key);
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
