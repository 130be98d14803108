/**
 * Text from a server (host names, cluster_info values, RPC error names, remote command output) is
 * shown to an operator's terminal: an escape sequence in it could retitle the window, hide lines or
 * worse, and a 10 MB value would flood the screen. Everything such text passes through here once.
 */

/** Longest table cell shown before it is cut (the full length is said instead). */
export const CELL_MAX = 4096;

/** C0 controls, DEL and C1 controls. */
const isControl = (c: number): boolean => c < 0x20 || (c >= 0x7f && c <= 0x9f);

function escapeControls(s: string, multiLine: boolean): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!isControl(c)) continue;
    if (multiLine && (c === 0x0a || c === 0x09)) continue;
    // A CRLF line ending is a line break, not a carriage return that could overwrite the line.
    if (multiLine && c === 0x0d && s.charCodeAt(i + 1) === 0x0a) {
      out += s.slice(from, i);
      from = i + 1;
      continue;
    }
    out += s.slice(from, i) + `\\x${c.toString(16).padStart(2, '0')}`;
    from = i + 1;
  }
  return from === 0 ? s : out + s.slice(from);
}

/**
 * `s` with control characters shown as `\x1b`-style escapes and cut to `max` characters, followed
 * by `… (N chars)` giving the full length when it was cut. `multiLine` keeps \n and \t (a CRLF is
 * read as a line break); otherwise they are escaped too. Already safe text comes back unchanged.
 */
export function terminalSafe(s: string, max = Infinity, multiLine = true): string {
  let head = s;
  let tail = '';
  if (s.length > max) {
    let end = Math.max(0, Math.floor(max));
    // Do not split a surrogate pair.
    const code = s.charCodeAt(end - 1);
    if (end > 0 && code >= 0xd800 && code <= 0xdbff) end--;
    head = s.slice(0, end);
    tail = `… (${s.length} chars)`;
  }
  return escapeControls(head, multiLine) + tail;
}
