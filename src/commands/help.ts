/**
 * The one help text of the cell language: usage lines, per-command help and the index. Used by
 * `help`, by syntax errors, by hovers and by `pegasus-ops exec --help`.
 */
import { formatDuration } from './duration';
import type { CommandRegistry } from './registry';
import type { CommandSpec, FlagSpec, PositionalSpec, Value } from './types';

function valuePlaceholder(x: FlagSpec | PositionalSpec): string {
  if (x.valueName) return x.valueName;
  if (x.type === 'enum' && x.values) return x.values.join('|');
  if (x.type === 'list') return `${x.name},...`;
  if (x.type === 'duration') return 'duration';
  return x.name;
}

export function flagLabel(f: FlagSpec): string {
  const names = [...(f.short ? [`-${f.short}`] : []), `--${f.name}`, ...(f.aliases ?? []).map((a) => `--${a}`)];
  return names.join('|');
}

function flagUsage(f: FlagSpec): string {
  const name = f.short ? `-${f.short}` : `--${f.name}`;
  const body = f.type === 'boolean' ? name : `${name} <${valuePlaceholder(f)}>`;
  return f.required ? body : `[${body}]`;
}

function positionalUsage(p: PositionalSpec): string {
  const body = `<${valuePlaceholder(p)}>${p.rest ? ' ...' : ''}`;
  return p.required ? body : `[${body}]`;
}

/** `app <table> [-d]` */
export function usageLine(spec: CommandSpec): string {
  const parts = [spec.name];
  // Like the Pegasus shell: required flags, then positionals, then optional flags (`app <table> [-d]`);
  // a trailing rest positional comes last, since it swallows everything after it.
  const hasRest = spec.positionals.some((p) => p.rest);
  for (const f of spec.flags) if (f.required) parts.push(flagUsage(f));
  if (hasRest) for (const f of spec.flags) if (!f.required) parts.push(flagUsage(f));
  for (const p of spec.positionals) parts.push(positionalUsage(p));
  if (!hasRest) for (const f of spec.flags) if (!f.required) parts.push(flagUsage(f));
  return parts.join(' ');
}

/** Wraps a paragraph at word boundaries so help reads well in an 80-100 column terminal. */
export function wrap(text: string, width: number): string {
  const out: string[] = [];
  let line = '';
  for (const w of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + w.length > width) {
      out.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) out.push(line);
  return out.join('\n');
}

/** ` (default X)` unless the description already names the default; durations as typed (30m, not 1800000). */
function formatDefault(item: { readonly default?: Value; readonly type: string; readonly description: string }): string {
  const v = item.default;
  if (v === undefined || v === false || /\bdefault\b/i.test(item.description)) return '';
  if (Array.isArray(v)) return v.length ? ` (default ${v.join(',')})` : '';
  if (item.type === 'duration' && typeof v === 'number') return ` (default ${formatDuration(v)})`;
  return ` (default ${String(v)})`;
}

/** What an engine step needs and does, from its `step` info: node control, settings, journal. */
function stepNotes(spec: CommandSpec): string[] {
  if (spec.category !== 'step') return [];
  const out: string[] = [];
  const info = spec.step;
  if (info?.nodeControl) {
    out.push(
      wrap(
        `Node control: stops or starts replica servers through the cluster's nodeControl (command or simulator). Without one (manual) it tells you what to stop or start and waits until the meta sees it.`,
        100,
      ),
    );
  }
  if (info?.settings?.length) out.push(wrap(`Settings it changes while it runs: ${info.settings.join('; ')}.`, 100));
  if (spec.mutating !== false) {
    out.push(
      wrap(
        'Journal: every setting change (with the value before) and every finished step is written to the journal; at the end, on failure and on cancel (Ctrl+C, SIGTERM) the settings are given back from it. pegasus-ops exec keeps one journal per cluster (--journal FILE to choose, --resume to continue an interrupted run, restore-settings to give back what is left).',
        100,
      ),
    );
  }
  return out.length ? ['', ...out] : [];
}

/** `help <command>`: usage, summary, description, options, examples, whether it asks first. */
export function commandHelp(spec: CommandSpec): string {
  const lines: string[] = [`usage: ${usageLine(spec)}`, '', `${spec.summary}.`];
  if (spec.aliases?.length) lines.push(`aliases: ${spec.aliases.join(', ')}`);
  if (spec.description) lines.push('', ...spec.description.split('\n').map((p) => wrap(p, 100)));
  const rows: [string, string][] = [
    ...spec.positionals.map((p): [string, string] => [`<${p.name}>`, `${p.description}${formatDefault(p)}`]),
    ...spec.flags.map((f): [string, string] => [
      f.type === 'boolean' ? flagLabel(f) : `${flagLabel(f)} <${valuePlaceholder(f)}>`,
      `${f.description}${f.required ? ' (required)' : formatDefault(f)}`,
    ]),
  ];
  if (rows.length) {
    const w = Math.max(...rows.map((r) => r[0].length));
    lines.push('', 'arguments:', ...rows.map(([a, b]) => `  ${a.padEnd(w)}  ${b}`));
  }
  if (spec.examples?.length) lines.push('', 'examples:', ...spec.examples.map((e) => `  ${e}`));
  lines.push(...stepNotes(spec));
  const mut = spec.mutating;
  if (mut === true) lines.push('', 'Changes the cluster: asks for confirmation first.');
  else if (mut !== false) lines.push('', 'May change the cluster (depending on its arguments): asks for confirmation first when it does.');
  return lines.join('\n');
}

const categoryTitle: Record<string, string> = { shell: 'Pegasus shell commands', step: 'Scale steps' };

/** `help`: every command with its summary, grouped by category. */
export function helpIndex(registry: CommandRegistry): string {
  const groups = new Map<string, CommandSpec[]>();
  for (const s of registry.list()) {
    const g = groups.get(s.category) ?? [];
    g.push(s);
    groups.set(s.category, g);
  }
  const all = registry.list();
  const w = all.length ? Math.max(...all.map((s) => s.name.length)) : 0;
  const out: string[] = [];
  for (const [cat, specs] of groups) {
    if (out.length) out.push('');
    out.push(`${categoryTitle[cat] ?? cat}:`);
    for (const s of specs) out.push(`  ${s.name.padEnd(w)}  ${s.summary}${s.mutating === true ? ' (asks first)' : ''}`);
  }
  out.push('', "Run 'help <command>' for its usage and options.");
  return out.join('\n');
}

/** Markdown help for hovers. */
export function commandHelpMarkdown(spec: CommandSpec): string {
  return `\`\`\`\n${usageLine(spec)}\n\`\`\`\n\n${commandHelp(spec).split('\n').slice(2).join('\n')}`;
}
