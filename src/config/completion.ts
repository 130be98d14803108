/** Completions: section names after `[`, keys of the current section, values after `=`. */
import { COMMON_SECTIONS, keySpec, knownKeys, specsOf } from './catalogue';
import { describeKey } from './hover';
import type { Analysis } from './analysis';
import type { Position, Section } from './parser';

export interface CompletionEntry {
  readonly label: string;
  readonly kind: 'section' | 'key' | 'value';
  readonly detail?: string;
  readonly documentation?: string;
  readonly insertText: string;
}

function sectionAt(sections: readonly Section[], line: number): Section | undefined {
  let lo = 0;
  let hi = sections.length - 1;
  let found: Section | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (sections[mid]!.line <= line) {
      found = sections[mid];
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** `lineText` is the full text of the cursor's line. */
export function completionsAt(a: Analysis, pos: Position, lineText: string): CompletionEntry[] {
  const before = lineText.slice(0, pos.character);
  const trimmed = before.trimStart();
  if (/[#;]/.test(before.replace(/\^[#;]/g, ''))) return []; // inside a comment
  if (trimmed.startsWith('[')) {
    const present = new Set(a.doc.sections.map((s) => s.name));
    return COMMON_SECTIONS.filter((s) => !present.has(s)).map((s) => ({ label: s, kind: 'section', insertText: s }));
  }
  const section = sectionAt(a.doc.sections, pos.line);
  if (!section) return [];
  const eq = before.indexOf('=');
  if (eq >= 0) {
    const key = before.slice(0, eq).trim();
    const spec = keySpec(section.name, key);
    if (!spec) return [];
    const def = spec.defaults[a.version];
    const values = spec.type === 'enum' ? [...spec.enumValues!] : spec.type === 'bool' ? ['true', 'false'] : def ? [def] : [];
    return values.map((v) => ({ label: v, kind: 'value', detail: v === def ? `default in ${a.version}` : undefined, insertText: v }));
  }
  const present = new Set(section.entries.map((e) => e.key));
  const out: CompletionEntry[] = [];
  for (const spec of specsOf(section.name)) {
    if (present.has(spec.key) || spec.unusedIn?.includes(a.version)) continue;
    out.push({
      label: spec.key,
      kind: 'key',
      detail: `${spec.type}, default ${spec.defaults[a.version] || '(empty)'}`,
      documentation: describeKey(spec, a.version),
      insertText: `${spec.key} = ${spec.defaults[a.version]}`,
    });
  }
  for (const k of knownKeys(section.name, a.version)) {
    if (present.has(k) || keySpec(section.name, k)) continue;
    out.push({ label: k, kind: 'key', insertText: `${k} = ` });
  }
  return out;
}
