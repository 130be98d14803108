/**
 * `# pegasus-ops: ...` comment directives: facts about the cluster this file belongs to and rule
 * suppressions, kept in the file itself because the server ignores comments.
 *
 *   # pegasus-ops: nodes=10 cluster=prod version=2.4     (anywhere; first one of each wins)
 *   # pegasus-ops: disable=unknown-key,duplicate-key     (own line: the whole file)
 *   key = value  # pegasus-ops: disable=out-of-range     (trailing: that line only)
 *   # pegasus-ops: disable-next-line=duplicate-key       (the next line that is not a comment)
 */
import { SERVER_VERSIONS } from './catalogue';
import { DIRECTIVE_MARKER, type Comment, type ConfigDocument } from './parser';

export { DIRECTIVE_MARKER };

export interface DirectiveProblem {
  readonly line: number;
  readonly start: number;
  readonly end: number;
  readonly message: string;
}

export interface Directives {
  nodes?: { value: number; line: number };
  cluster?: { value: string; line: number };
  version?: { value: string; line: number };
  /** Rules disabled for the whole file. */
  readonly fileDisabled: Set<string>;
  /** Rules disabled per line (`*` = all). */
  readonly lineDisabled: Map<number, Set<string>>;
  readonly problems: DirectiveProblem[];
}

const KNOWN = new Set(['nodes', 'cluster', 'version', 'disable', 'disable-line', 'disable-next-line']);
const VERSIONS: readonly string[] = SERVER_VERSIONS;
const VERSION_LIST = SERVER_VERSIONS.join('|');

export function parseDirectives(doc: ConfigDocument): Directives {
  const d: Directives = { fileDisabled: new Set(), lineDisabled: new Map(), problems: [] };
  let contentLines: Set<number> | undefined; // built only when disable-next-line is used
  const nextContentLine = (after: number): number => {
    if (!contentLines) {
      contentLines = new Set();
      for (const e of doc.entries) contentLines.add(e.line);
      for (const s of doc.sections) contentLines.add(s.line);
    }
    for (let l = after + 1; l < doc.lineCount; l++) if (contentLines.has(l)) return l;
    return -1;
  };
  for (const c of doc.directiveComments) {
    const at = c.text.indexOf(DIRECTIVE_MARKER);
    if (at < 0) continue;
    applyDirective(d, c, c.text.slice(at + DIRECTIVE_MARKER.length), c.start + 1 + at + DIRECTIVE_MARKER.length, nextContentLine);
  }
  return d;
}

function addLine(d: Directives, line: number, rules: string[]): void {
  let set = d.lineDisabled.get(line);
  if (!set) d.lineDisabled.set(line, (set = new Set()));
  for (const r of rules) set.add(r);
}

function applyDirective(d: Directives, c: Comment, body: string, bodyCol: number, nextContentLine: (l: number) => number): void {
  const re = /([^\s=]+)(?:=(\S*))?/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(body))) {
    const name = m[1]!.toLowerCase();
    const value = m[2] ?? '';
    const start = bodyCol + m.index;
    const end = start + m[0].length;
    const bad = (message: string) => d.problems.push({ line: c.line, start, end, message });
    if (!KNOWN.has(name)) {
      bad(
        `Unknown pegasus-ops directive "${name}". Use nodes=N, cluster=NAME, version=${VERSION_LIST}, disable=RULE, disable-next-line=RULE.`,
      );
      continue;
    }
    if (name === 'nodes') {
      const n = /^\d+$/.test(value) ? Number(value) : NaN;
      if (!Number.isSafeInteger(n) || n < 1)
        bad(`nodes=${value} is not a node count; write a whole number of replica servers, e.g. nodes=10.`);
      else d.nodes ??= { value: n, line: c.line };
    } else if (name === 'cluster') {
      if (!value) bad('cluster= needs the cluster name as in the pegasus.clusters setting, e.g. cluster=prod.');
      else d.cluster ??= { value, line: c.line };
    } else if (name === 'version') {
      if (!VERSIONS.includes(value))
        bad(
          `version=${value} is not supported; use ${SERVER_VERSIONS.map((v) => `version=${v}`)
            .join(', ')
            .replace(/, ([^,]*)$/, ' or $1')}.`,
        );
      else d.version ??= { value, line: c.line };
    } else {
      const rules = value
        .split(',')
        .map((r) => r.trim())
        .filter(Boolean);
      const list = rules.length ? rules : ['*'];
      if (name === 'disable-next-line') {
        const target = nextContentLine(c.line);
        if (target >= 0) addLine(d, target, list);
      } else if (name === 'disable-line' || c.trailing) addLine(d, c.line, list);
      else for (const r of list) d.fileDisabled.add(r);
    }
  }
}

export function isSuppressed(d: Directives, code: string, line: number): boolean {
  if (d.fileDisabled.has(code) || d.fileDisabled.has('*')) return true;
  const set = d.lineDisabled.get(line);
  return !!set && (set.has(code) || set.has('*'));
}
