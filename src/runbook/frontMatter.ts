/**
 * Runbook front matter: the YAML block at the top of the page that names the cluster (by its name
 * in the `pegasus.clusters` setting) and sets defaults for every cell.
 *
 *   ---
 *   cluster: staging
 *   defaults:
 *     timeout: 30m
 *     continueOnError: false
 *   ---
 *
 * Only the YAML that front matter needs is understood (mappings, lists, scalars, comments); other
 * keys such as `title` are kept and ignored. The block itself is never rewritten.
 */
import * as z from 'zod';
import { cellOptionsSchema } from './cellOptions';
import type { RunbookProblem } from './diagnostics';

export const frontMatterSchema = z.looseObject({
  cluster: z
    .string({ error: (i) => `"cluster" must be the name of a cluster in the pegasus.clusters setting, got ${JSON.stringify(i.input)}` })
    .min(1)
    .optional(),
  /** Treat the cluster as production whatever the settings say: every change asks first. */
  production: z.boolean({ error: '"production" must be true or false' }).optional(),
  /** Cell option defaults; a cell's own options win. */
  defaults: cellOptionsSchema.omit({ name: true }).optional(),
});
export type FrontMatter = z.infer<typeof frontMatterSchema>;

type Yaml = string | number | boolean | null | Yaml[] | { [k: string]: Yaml };

interface Src {
  readonly text: string;
  readonly line: number;
  readonly indent: number;
}

class YamlError extends Error {
  constructor(
    readonly line: number,
    readonly column: number,
    message: string,
  ) {
    super(message);
  }
}

function stripComment(s: string): string {
  // A '#' starts a comment only at the start or after whitespace, and not inside quotes.
  let q: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (q) {
      if (c === q) q = undefined;
    } else if (c === '"' || c === "'") q = c;
    else if (c === '#' && (i === 0 || /\s/.test(s[i - 1]!))) return s.slice(0, i).trimEnd();
  }
  return s.trimEnd();
}

function scalar(raw: string, line: number, column: number): Yaml {
  const s = raw.trim();
  if (s === '' || s === '~' || s === 'null') return null;
  if (s === 'true') return true;
  if (s === 'false') return false;
  if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s);
  if (s.startsWith('"')) {
    try {
      return JSON.parse(s) as string;
    } catch {
      throw new YamlError(line, column, `unterminated or invalid double-quoted string ${s}`);
    }
  }
  if (s.startsWith("'")) {
    if (!/^'(?:[^']|'')*'$/.test(s)) throw new YamlError(line, column, `unterminated single-quoted string ${s}`);
    return s.slice(1, -1).replace(/''/g, "'");
  }
  if (s.startsWith('[')) {
    if (!s.endsWith(']')) throw new YamlError(line, column, `a flow list must end with ']': ${s}`);
    const inner = s.slice(1, -1).trim();
    return inner === '' ? [] : inner.split(',').map((p) => scalar(p, line, column));
  }
  if (s.startsWith('{')) {
    if (!s.endsWith('}')) throw new YamlError(line, column, `a flow mapping must end with '}': ${s}`);
    const out = mapping();
    const inner = s.slice(1, -1).trim();
    for (const part of inner === '' ? [] : inner.split(',')) {
      const m = /^\s*("[^"]*"|'[^']*'|[^:]+?)\s*:\s*(.*)$/.exec(part);
      if (!m) throw new YamlError(line, column, `expected key: value inside { }, got ${part.trim()}`);
      const key = String(scalar(m[1]!, line, column));
      if (Object.hasOwn(out, key)) throw new YamlError(line, column, `duplicate key "${key}" inside { }: give each key once`);
      out[key] = scalar(m[2]!, line, column);
    }
    return out;
  }
  return s;
}

/**
 * A mapping without a prototype: keys such as `toString` or `__proto__` are plain keys, never
 * inherited members (a false "duplicate key") nor a way to set the object's prototype.
 */
function mapping(): Record<string, Yaml> {
  return Object.create(null) as Record<string, Yaml>;
}

const KEY = /^("[^"]*"|'[^']*'|[^\s:#][^:#]*?)\s*:(?:\s+(.*)|)$/;

function parseBlock(lines: Src[], start: number, indent: number): { value: Yaml; next: number } {
  const first = lines[start]!;
  if (first.text.startsWith('- ') || first.text === '-') {
    const items: Yaml[] = [];
    let i = start;
    while (i < lines.length && lines[i]!.indent === indent && (lines[i]!.text.startsWith('- ') || lines[i]!.text === '-')) {
      items.push(scalar(lines[i]!.text.slice(1), lines[i]!.line, indent + 3));
      i++;
    }
    if (i < lines.length && lines[i]!.indent > indent) {
      throw new YamlError(lines[i]!.line, lines[i]!.indent + 1, 'nested lists are not supported in runbook front matter');
    }
    return { value: items, next: i };
  }
  const out = mapping();
  let i = start;
  while (i < lines.length) {
    const l = lines[i]!;
    if (l.indent < indent) break;
    if (l.indent > indent) throw new YamlError(l.line, l.indent + 1, `unexpected indentation (expected ${indent} spaces)`);
    const m = KEY.exec(l.text);
    if (!m) throw new YamlError(l.line, l.indent + 1, `expected "key: value", got ${JSON.stringify(l.text)}`);
    const key = String(scalar(m[1]!, l.line, l.indent + 1));
    if (Object.hasOwn(out, key))
      throw new YamlError(l.line, l.indent + 1, `duplicate key "${key}": give each key once (the second would silently win)`);
    const rest = m[2];
    if (rest !== undefined && rest.trim() !== '') {
      out[key] = scalar(rest, l.line, l.indent + 1 + l.text.indexOf(rest));
      i++;
    } else if (i + 1 < lines.length && lines[i + 1]!.indent > indent) {
      const sub = parseBlock(lines, i + 1, lines[i + 1]!.indent);
      out[key] = sub.value;
      i = sub.next;
    } else if (i + 1 < lines.length && lines[i + 1]!.indent === indent && lines[i + 1]!.text.startsWith('-')) {
      // YAML allows a list at the same indentation as its key.
      const sub = parseBlock(lines, i + 1, indent);
      out[key] = sub.value;
      i = sub.next;
    } else {
      out[key] = null;
      i++;
    }
  }
  return { value: out, next: i };
}

/** Parses the lines between the `---` fences; `firstLine` is the 1-based line of the first of them. */
export function parseFrontMatter(body: readonly string[], firstLine: number): { value: FrontMatter; problems: RunbookProblem[] } {
  const lines: Src[] = [];
  for (let k = 0; k < body.length; k++) {
    const raw = body[k]!;
    if (/^\s*\t/.test(raw)) {
      return {
        value: {},
        problems: [
          { line: firstLine + k, column: 1, severity: 'error', message: 'front matter is indented with a tab; YAML needs spaces' },
        ],
      };
    }
    const text = stripComment(raw);
    if (text.trim() === '') continue;
    const indent = text.length - text.trimStart().length;
    lines.push({ text: text.trimStart(), line: firstLine + k, indent });
  }
  if (lines.length === 0) return { value: {}, problems: [] };
  let data: Yaml;
  try {
    const res = parseBlock(lines, 0, lines[0]!.indent);
    if (res.next < lines.length) {
      const l = lines[res.next]!;
      throw new YamlError(l.line, l.indent + 1, 'unexpected indentation');
    }
    data = res.value;
  } catch (err) {
    if (err instanceof YamlError) {
      return { value: {}, problems: [{ line: err.line, column: err.column, severity: 'error', message: `front matter: ${err.message}` }] };
    }
    throw err;
  }
  if (Array.isArray(data) || data === null || typeof data !== 'object') {
    return {
      value: {},
      problems: [{ line: firstLine, column: 1, severity: 'error', message: 'front matter must be a mapping such as "cluster: staging"' }],
    };
  }
  const res = frontMatterSchema.safeParse(data);
  if (res.success) return { value: res.data, problems: [] };
  const problems = res.error.issues.map((i) => {
    const key = String(i.path[0] ?? '');
    const at = lines.find((l) => l.indent === lines[0]!.indent && l.text.startsWith(`${key}:`));
    const where = i.path.length ? `front matter ${i.path.join('.')}` : 'front matter';
    return { line: at?.line ?? firstLine, column: (at?.indent ?? 0) + 1, severity: 'error' as const, message: `${where}: ${i.message}` };
  });
  // Keep what is valid (e.g. the cluster) so one bad default does not hide the target cluster.
  const partial: FrontMatter = {};
  const d = data as Record<string, Yaml>;
  if (typeof d.cluster === 'string' && d.cluster) partial.cluster = d.cluster;
  if (typeof d.production === 'boolean') partial.production = d.production;
  return { value: partial, problems };
}
