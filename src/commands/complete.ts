/**
 * Completions and hovers for one command line, from the registry's specs and the connected
 * cluster's names (node addresses, tables). Editors (notebook cells, the config server) map the
 * offsets to their own positions.
 */
import type { ClusterSnapshot } from '../cluster/snapshot';
import { META_LEVELS } from '../pegasus/types';
import { commandHelpMarkdown, flagLabel, usageLine } from './help';
import type { CommandRegistry } from './registry';
import { tokenize, type Token } from './tokenizer';
import type { CommandSpec, CompletionSource, FlagSpec, PositionalSpec } from './types';

export interface CompletionData {
  /** Node addresses as the shell prints them (host:port or ip:port). */
  readonly nodes?: readonly string[];
  readonly tables?: readonly string[];
  readonly metaServers?: readonly string[];
  /** `app_id.pidx` values, when a model is at hand (can be long; editors filter). */
  readonly gpids?: readonly string[];
}

/** Completion values from a cluster model; gpids only for clusters small enough to list them (≤ 10,000 partitions). */
export function completionDataFrom(snap: ClusterSnapshot, metaServers: readonly string[] = snap.meta.metaServers): CompletionData {
  const gpids: string[] = [];
  const total = snap.tables.reduce((a, t) => a + (t.partitions?.length ?? 0), 0);
  if (total <= 10_000) for (const t of snap.tables) for (let p = 0; p < (t.partitions?.length ?? 0); p++) gpids.push(`${t.appId}.${p}`);
  return {
    nodes: snap.nodes.map((n) => n.address),
    tables: snap.tables.filter((t) => t.status === 'AVAILABLE').map((t) => t.name),
    metaServers,
    gpids,
  };
}

export type CompletionKind = 'command' | 'flag' | 'value' | 'node' | 'table';

export interface CompletionItem {
  readonly label: string;
  readonly kind: CompletionKind;
  readonly detail?: string;
  /** Markdown. */
  readonly documentation?: string;
}

export interface Completions {
  /** 0-based offsets of the text the chosen item replaces. */
  readonly from: number;
  readonly to: number;
  readonly items: readonly CompletionItem[];
}

/** Remote commands a meta server knows, for `remote_command <cmd>`. */
export const META_REMOTE_COMMANDS = [
  'meta.live_percentage',
  'meta.lb.assign_delay_ms',
  'meta.lb.assign_secondary_black_list',
  'meta.lb.add_secondary_enable_flow_control',
  'meta.lb.add_secondary_max_count_for_one_node',
  'meta.lb.only_move_primary',
  'meta.lb.only_primary_balancer',
  'meta.lb.balancer_in_turn',
  'meta.lb.get_balance_operation_count',
  'meta.lb.ignored_app_list',
  'meta.dump',
  'server-info',
  'server-stat',
  'help',
] as const;

function sourceValues(src: CompletionSource | undefined, data: CompletionData, registry: CommandRegistry): CompletionItem[] {
  switch (src) {
    case 'node':
      return (data.nodes ?? []).map((n) => ({ label: n, kind: 'node' as const, detail: 'replica server' }));
    case 'table':
      return (data.tables ?? []).map((t) => ({ label: t, kind: 'table' as const, detail: 'table' }));
    case 'meta-level':
      return META_LEVELS.map((l) => ({ label: l, kind: 'value' as const, detail: 'meta function level' }));
    case 'gpid':
      return (data.gpids ?? []).map((g) => ({ label: g, kind: 'value' as const, detail: 'app_id.partition_index' }));
    case 'remote-command':
      return [...META_REMOTE_COMMANDS, ...registry.list().map((s) => s.name)]
        .filter((v, i, a) => a.indexOf(v) === i)
        .map((c) => ({ label: c, kind: 'value' as const }));
    case 'command':
      return registry.list().map((c) => ({ label: c.name, kind: 'command' as const, detail: c.summary }));
    case 'meta-server':
      return (data.metaServers ?? []).map((m) => ({ label: m, kind: 'value' as const, detail: 'meta server' }));
    default:
      return [];
  }
}

function valueItems(x: FlagSpec | PositionalSpec, data: CompletionData, registry: CommandRegistry): CompletionItem[] {
  if (x.type === 'enum') return (x.values ?? []).map((v) => ({ label: v, kind: 'value' as const, detail: x.description }));
  if (x.type === 'boolean') return [];
  return sourceValues(x.complete, data, registry);
}

function flagItem(f: FlagSpec): CompletionItem {
  return {
    label: f.short ? `-${f.short}` : `--${f.name}`,
    kind: 'flag',
    detail: `${flagLabel(f)}${f.type === 'boolean' ? '' : ` <${f.valueName ?? f.name}>`}`,
    documentation: f.description,
  };
}

function findFlag(spec: CommandSpec, text: string): FlagSpec | undefined {
  const name = text.replace(/^--?/, '').split('=')[0]!;
  return spec.flags.find((f) =>
    text.startsWith('--') ? f.name === name || f.aliases?.includes(name) : f.short === name || f.name === name,
  );
}

/** Completions at `cursor` (0-based offset into `line`). */
export function completeAt(registry: CommandRegistry, line: string, cursor: number, data: CompletionData = {}): Completions {
  const before = line.slice(0, cursor);
  const tokens = tokenize(before, { lenient: true });
  const atNew = before.length === 0 || /\s$/.test(before) || tokens.length === 0;
  const current: Token | undefined = atNew ? undefined : tokens[tokens.length - 1];
  const done = atNew ? tokens : tokens.slice(0, -1);
  let from = current ? current.start : cursor;
  const to = cursor;
  const prefix = current?.text ?? '';
  const filter = (items: CompletionItem[], p = prefix) => items.filter((i) => i.label.toLowerCase().startsWith(p.toLowerCase()));

  if (done.length === 0) {
    const items = registry
      .list()
      .map((s) => ({ label: s.name, kind: 'command' as const, detail: s.summary, documentation: commandHelpMarkdown(s) }));
    return { from, to, items: filter(items) };
  }
  const spec = registry.get(done[0]!.text);
  if (!spec) return { from, to, items: [] };

  // Walk the finished tokens to learn which flags are given, whether a flag waits for its value,
  // and which positional comes next.
  const given = new Set<string>();
  let pendingFlag: FlagSpec | undefined;
  let positional = 0;
  let inRest = false;
  for (const t of done.slice(1)) {
    if (inRest) continue;
    if (pendingFlag) {
      pendingFlag = undefined;
      continue;
    }
    if (!t.quoted && t.text.startsWith('-') && t.text.length > 1 && !/^-\d/.test(t.text)) {
      const f = findFlag(spec, t.text);
      if (f) {
        given.add(f.name);
        if (f.type !== 'boolean' && !t.text.includes('=')) pendingFlag = f;
      }
      continue;
    }
    const p = spec.positionals[positional];
    if (p?.rest) inRest = true;
    else positional++;
  }
  // Inside (or right before) a rest positional that follows another one, everything is the
  // command's own arguments (`remote_command <cmd> <args>`): nothing to offer.
  if (inRest || (spec.positionals[positional]?.rest && positional > 0)) return { from, to, items: [] };

  const valueFor = (x: FlagSpec | PositionalSpec): Completions => {
    let items = valueItems(x, data, registry);
    let p = prefix;
    // In a comma list, complete the last item only.
    if (x.type === 'list' && prefix.includes(',')) {
      const cut = prefix.lastIndexOf(',') + 1;
      from += cut;
      p = prefix.slice(cut);
      const chosen = new Set(prefix.slice(0, cut - 1).split(','));
      items = items.filter((i) => !chosen.has(i.label));
    }
    return { from, to, items: filter(items, p) };
  };

  if (pendingFlag) return valueFor(pendingFlag);
  if (prefix.startsWith('-')) {
    // `--flag=val` completes the value.
    const eq = prefix.indexOf('=');
    if (eq > 0) {
      const f = findFlag(spec, prefix);
      if (!f) return { from, to, items: [] };
      from += eq + 1;
      return { from, to, items: filter(valueItems(f, data, registry), prefix.slice(eq + 1)) };
    }
    return { from, to, items: filter(spec.flags.filter((f) => !given.has(f.name)).map(flagItem)) };
  }
  const pos = spec.positionals[positional];
  const items = pos ? valueFor(pos).items : [];
  if (prefix === '') {
    // Offer the flags still missing after the values, required ones first.
    const flags = spec.flags.filter((f) => !given.has(f.name)).sort((a, b) => Number(!!b.required) - Number(!!a.required));
    return { from, to, items: [...items, ...flags.map(flagItem)] };
  }
  return pos ? valueFor(pos) : { from, to, items: [] };
}

export interface Hover {
  readonly from: number;
  readonly to: number;
  /** Markdown. */
  readonly markdown: string;
}

/** Help for the command name or flag under `cursor`. */
export function hoverAt(registry: CommandRegistry, line: string, cursor: number): Hover | undefined {
  const tokens = tokenize(line, { lenient: true });
  const i = tokens.findIndex((t) => cursor >= t.start && cursor <= t.end);
  if (i < 0 || tokens.length === 0) return undefined;
  const spec = registry.get(tokens[0]!.text);
  if (!spec) return undefined;
  const t = tokens[i]!;
  if (i === 0) return { from: t.start, to: t.end, markdown: commandHelpMarkdown(spec) };
  if (!t.quoted && t.text.startsWith('-')) {
    const f = findFlag(spec, t.text);
    if (f)
      return {
        from: t.start,
        to: t.end,
        markdown: `\`${flagLabel(f)}\`${f.type === 'boolean' ? '' : ` \`<${f.valueName ?? f.name}>\``} — ${f.description}\n\n\`${usageLine(spec)}\``,
      };
  }
  return undefined;
}
