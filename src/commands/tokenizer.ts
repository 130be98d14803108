/**
 * Splits one command line into tokens the way a POSIX shell would for plain words: whitespace
 * separates, '...' is literal, "..." allows \" \\ escapes, a backslash outside quotes escapes the
 * next character, and a `#` starting a token comments out the rest of the line. Every token keeps
 * its 0-based start/end offsets so errors and completions can point at it.
 */
import { CommandSyntaxError } from './errors';

export interface Token {
  /** The unquoted text. */
  readonly text: string;
  /** 0-based offset of the first character in the line (quote included). */
  readonly start: number;
  /** 0-based offset just past the last character. */
  readonly end: number;
  /** True when any part of the token was quoted or escaped (it is never a flag then). */
  readonly quoted: boolean;
}

export interface TokenizeOptions {
  /** Return what was read so far instead of throwing on an open quote (for completions). */
  readonly lenient?: boolean;
}

export function tokenize(line: string, opts: TokenizeOptions = {}): Token[] {
  const tokens: Token[] = [];
  const n = line.length;
  let i = 0;
  while (i < n) {
    const c = line[i]!;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      i++;
      continue;
    }
    if (c === '#') break; // comment to the end of the line
    const start = i;
    let text = '';
    let quoted = false;
    while (i < n) {
      const ch = line[i]!;
      if (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n') break;
      if (ch === "'") {
        quoted = true;
        const close = line.indexOf("'", i + 1);
        if (close < 0) {
          if (opts.lenient) {
            text += line.slice(i + 1);
            i = n;
            break;
          }
          throw new CommandSyntaxError("unterminated quote: add the closing '", i + 1, n - i);
        }
        text += line.slice(i + 1, close);
        i = close + 1;
      } else if (ch === '"') {
        quoted = true;
        const open = i;
        i++;
        let closed = false;
        while (i < n) {
          const q = line[i]!;
          if (q === '\\' && i + 1 < n && (line[i + 1] === '"' || line[i + 1] === '\\')) {
            text += line[i + 1];
            i += 2;
          } else if (q === '"') {
            closed = true;
            i++;
            break;
          } else {
            text += q;
            i++;
          }
        }
        if (!closed && !opts.lenient) {
          throw new CommandSyntaxError('unterminated quote: add the closing "', open + 1, n - open);
        }
      } else if (ch === '\\') {
        quoted = true;
        if (i + 1 < n) text += line[i + 1];
        i += 2;
      } else {
        text += ch;
        i++;
      }
    }
    tokens.push({ text, start, end: Math.min(i, n), quoted });
  }
  return tokens;
}

/** Quotes a value so `tokenize` reads it back unchanged (for generated command lines). */
export function quoteArg(s: string): string {
  if (s !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
