/**
 * Rules, cross-key checks and threshold code lenses for a Pegasus config file. Pure: takes the
 * text and the editor's facts, returns findings (with their quick fixes) and lenses.
 *
 * Freeze arithmetic comes from `src/cluster/freeze.ts`, the one implementation shared with the
 * simulator and the scale engine.
 */
import { freezeMargin, freezeVerdict, pctAllowingRemoval, removalSchedule } from '../cluster/freeze';
import {
  isKnownSection,
  isKnownSectionInAnyVersion,
  keyRead,
  keySpec,
  suggestKey,
  SERVER_VERSIONS,
  shippedButUnread,
  versionsReading,
  type KeySpec,
  type ServerVersion,
} from './catalogue';
import { isSuppressed, parseDirectives, type Directives } from './directives';
import { firstEntry, hasPlaceholder, parseConfig, type ConfigDocument, type Entry, type Range, type Section } from './parser';
import type { AnalysisContext, ClusterNodeCounts, RunbookPlan } from './settings';
import { chooseVersion, type VersionChoice, type VersionSource } from './version';

export type Severity = 'error' | 'warning' | 'information' | 'hint';

export interface TextEdit {
  readonly range: Range;
  readonly newText: string;
}

export interface Fix {
  readonly title: string;
  readonly edits: readonly TextEdit[];
  readonly preferred?: boolean;
}

export interface Finding {
  readonly code: RuleCode;
  readonly severity: Severity;
  readonly message: string;
  readonly range: Range;
  readonly related?: readonly { range: Range; message: string }[];
  readonly fixes?: readonly Fix[];
  readonly unnecessary?: boolean;
  /** Facts behind a version-dependent finding: the version checked against and where it came from. */
  readonly data?: FindingData;
}

export interface FindingData {
  readonly version: ServerVersion;
  readonly versionSource: VersionSource['kind'];
  /** For unused keys: the versions whose code does read the key (empty when none does). */
  readonly readBy?: readonly ServerVersion[];
  /** For unused keys: why it has no effect. */
  readonly unusedReason?: 'other-versions' | 'shipped-not-read' | 'no-effect';
}

/** Stable rule codes; settings (`pegasus.config.disabledRules`) and directives refer to them. */
export const RULES = {
  'duplicate-section': 'A section appears twice; the server refuses to start.',
  'section-with-equals': 'A section header contains "="; the server fails to parse the file.',
  'key-before-section': 'A key appears before any [section]; the server fails to parse the file.',
  'malformed-section': 'A section header is not closed, is empty, or has text after "]".',
  'duplicate-key': 'A key is defined twice in a section; the server keeps the first and ignores the rest.',
  'unknown-key': 'A key that the server does not read in a section it does read (likely a typo); it is silently ignored.',
  'invalid-value': 'A value of the wrong type; the server ignores it and keeps the default, or refuses to start.',
  'out-of-range': 'A value outside what the server accepts; start-up fails or the cluster freezes.',
  'unused-key': 'A key no code reads in the selected server version.',
  'fd-grace-not-above-lease': 'fd_grace_seconds must be greater than fd_lease_seconds, or the meta refuses to start.',
  'fd-lease-too-short': 'fd_lease_seconds should exceed twice fd_beacon_interval_seconds.',
  'min-live-above-nodes': "min_live_node_count_for_unfreeze is above the cluster's node count: the meta is frozen from the start.",
  'threshold-freezes-on-loss':
    'The threshold freezes the meta before the cluster survives the number of node losses set in pegasus.config.tolerateNodeLosses.',
  'threshold-freezes-scale-in': 'The threshold would freeze the meta during a scale-in planned in an open runbook.',
  'bad-directive': 'A "# pegasus-ops:" comment directive that is not understood.',
  'cluster-not-matched':
    "[meta_server] server_list names none of the configured clusters' meta servers; no cluster's node counts are used.",
} as const;
export type RuleCode = keyof typeof RULES;
export const RULE_CODES = Object.keys(RULES) as RuleCode[];

export const CALCULATOR_COMMAND = 'pegasus.config.openCalculator';

/** Arguments of the calculator command that the lens opens. */
export interface CalculatorArgs {
  /** Filled in by the server (the analysis core does not know the document's URI). */
  uri?: string;
  /** The threshold entry to rewrite, or the [meta_server] header line to insert after. */
  readonly thresholdLine: number;
  readonly thresholdValueStart: number;
  readonly thresholdValueEnd: number;
  readonly thresholdInFile: boolean;
  readonly meta_serverLine: number;
  readonly pct: number;
  readonly minLive: number;
  readonly alive: number | null;
  readonly dead: number;
  readonly nodesSource: string | null;
  /** Nodes to remove preselected in the calculator. */
  readonly k: number | null;
}

export interface Lens {
  readonly range: Range;
  /** Short: the editor truncates lens rows; the details are in `tooltip`, the hover and the calculator. */
  readonly title: string;
  /** The full sentence, shown when the pointer rests on the lens. */
  readonly tooltip: string;
  readonly command: string;
  readonly args: CalculatorArgs;
}

/** The node counts a config's freeze thresholds are judged against, and where they came from. */
export interface NodeCounts {
  readonly alive: number;
  readonly dead: number;
  /** Where the count came from, for messages: 'nodes= comment', 'cluster "prod"', 'pegasus.config.nodeCount'. */
  readonly source: string;
  readonly cluster?: string;
}

export interface Effective {
  readonly value: number;
  readonly entry?: Entry;
}

/**
 * The configured cluster a file is judged against, and why: the `cluster=` directive; the file's
 * own meta server list matching a cluster's (`server-list`); else, for a file that names no meta
 * servers, the active or the only cluster. `unmatched`: the file names meta servers that no
 * configured cluster has, so no cluster's figures apply to it.
 */
export interface ClusterBinding {
  readonly by: 'directive' | 'server-list' | 'active' | 'only' | 'unmatched' | 'none';
  readonly cluster?: ClusterNodeCounts;
  /** The meta servers the file names (concrete host:port values only). */
  readonly servers?: readonly string[];
}

export interface Analysis {
  readonly doc: ConfigDocument;
  readonly binding: ClusterBinding;
  /** The pending runbook scale-ins that concern this file's cluster. */
  readonly runbookPlans: readonly RunbookPlan[];
  readonly directives: Directives;
  readonly version: ServerVersion;
  /** Where the version came from, and the versions the file's keys allow. */
  readonly versionChoice: VersionChoice;
  readonly findings: Finding[];
  readonly lenses: Lens[];
  readonly nodes: NodeCounts | null;
  readonly pct: Effective | null;
  readonly minLive: Effective | null;
  /** True when a syntax error makes the file unreadable for the server. */
  readonly hasSyntaxErrors: boolean;
}

const INT_RE = /^[+-]?\d+$/;

function rng(line: number, start: number, end: number): Range {
  return { start: { line, character: start }, end: { line, character: end } };
}
const keyRange = (e: Entry): Range => rng(e.line, e.keyStart, e.keyEnd);
const valueRange = (e: Entry): Range => rng(e.line, e.valueStart, e.valueEnd);
const headerRange = (s: Section): Range => rng(s.line, s.headerStart, s.headerEnd);
const wholeLine = (line: number): Range => ({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } });

/** Parses a typed value; undefined when the server would not accept it as that type. */
export function parseTyped(spec: KeySpec, value: string): number | boolean | string | undefined {
  switch (spec.type) {
    case 'int':
    case 'uint': {
      if (!INT_RE.test(value)) return undefined;
      const n = Number(value);
      if (!Number.isSafeInteger(n)) return undefined;
      if (spec.type === 'uint' && n < 0) return undefined;
      return n;
    }
    case 'bool': {
      const v = value.toLowerCase();
      return v === 'true' ? true : v === 'false' ? false : undefined;
    }
    case 'enum':
      return spec.enumValues?.includes(value) ? value : undefined;
    default:
      return value;
  }
}

function numberDefault(spec: KeySpec, version: ServerVersion): number {
  return Number(spec.defaults[version]);
}

/**
 * The meta servers a file names in `[meta_server] server_list`, the list servers and clients load
 * by default (v2.5.0 src/common/replication_other_types.h, load_meta_servers); undefined when it
 * names none or only a placeholder (a template is not bound to any cluster by its text).
 */
export function fileMetaServers(doc: ConfigDocument): string[] | undefined {
  const e = firstEntry(doc, 'meta_server', 'server_list');
  if (!e || hasPlaceholder(e.value)) return undefined;
  const list = e.value
    .split(',')
    .map((x) => x.trim().toLowerCase())
    .filter(Boolean);
  return list.length > 0 ? list : undefined;
}

/** The configured cluster a file belongs to (see ClusterBinding). */
export function bindCluster(doc: ConfigDocument, directives: Directives, ctx: AnalysisContext): ClusterBinding {
  const byName = (n: string) => ctx.clusters.find((c) => c.name === n);
  const servers = fileMetaServers(doc);
  const withServers = servers ? { servers } : {};
  if (directives.cluster) {
    const named = byName(directives.cluster.value);
    return named ? { by: 'directive', cluster: named, ...withServers } : { by: 'none', ...withServers };
  }
  if (servers) {
    // The cluster sharing the most meta servers: a settings entry may list only some of them.
    const shared = (c: ClusterNodeCounts) => (c.metaServers ?? []).filter((m) => servers.includes(m.trim().toLowerCase())).length;
    const best = ctx.clusters.reduce<ClusterNodeCounts | undefined>(
      (b, c) => (shared(c) > 0 && (!b || shared(c) > shared(b)) ? c : b),
      undefined,
    );
    return best ? { by: 'server-list', cluster: best, servers } : { by: 'unmatched', servers };
  }
  const active = ctx.activeCluster ? byName(ctx.activeCluster) : undefined;
  if (active) return { by: 'active', cluster: active };
  if (ctx.clusters.length === 1) return { by: 'only', cluster: ctx.clusters[0] };
  return { by: 'none' };
}

export function resolveNodes(directives: Directives, ctx: AnalysisContext, binding: ClusterBinding): NodeCounts | null {
  if (directives.nodes) return { alive: directives.nodes.value, dead: 0, source: 'nodes= comment' };
  const cluster = binding.cluster;
  if (cluster) return { alive: cluster.alive, dead: cluster.dead, source: `cluster "${cluster.name}"`, cluster: cluster.name };
  if (ctx.settings.nodeCount) return { alive: ctx.settings.nodeCount, dead: 0, source: 'pegasus.config.nodeCount' };
  return null;
}

/**
 * The pending scale-ins that run against this file's cluster. A runbook without a `cluster:` runs
 * against the active cluster. A file bound to no cluster by its own server list takes only plans
 * whose cluster is unknown.
 */
function plansFor(binding: ClusterBinding, directives: Directives, ctx: AnalysisContext): RunbookPlan[] {
  const fileCluster = directives.cluster?.value ?? binding.cluster?.name;
  return ctx.runbookPlans.filter((p) => {
    const target = p.cluster ?? ctx.activeCluster;
    if (binding.by === 'unmatched') return target === undefined;
    return !(target && fileCluster && target !== fileCluster);
  });
}

/** One finding per code, place and message: several runbooks or rules saying the same thing say it once. */
function dedupe(findings: readonly Finding[]): Finding[] {
  const seen = new Map<string, Finding>();
  for (const f of findings) {
    const key = JSON.stringify([f.code, f.range, f.message]);
    const old = seen.get(key);
    if (!old) {
      seen.set(key, f);
      continue;
    }
    const fixes = [...(old.fixes ?? [])];
    for (const x of f.fixes ?? []) if (!fixes.some((y) => JSON.stringify(y) === JSON.stringify(x))) fixes.push(x);
    seen.set(key, { ...old, ...(fixes.length > 0 ? { fixes } : {}) });
  }
  return [...seen.values()];
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Where the version came from, for messages. */
export function versionOrigin(choice: VersionChoice): string {
  const s = choice.source;
  switch (s.kind) {
    case 'directive':
      return 'the version= comment';
    case 'file': {
      const why = [s.since, s.until]
        .filter((ev) => ev !== undefined)
        .map((ev) => `[${ev.section}] ${ev.key} is read only by ${ev.readBy.join(', ')}`);
      return why.length ? `inferred from this file: ${why.join('; ')}` : 'inferred from this file';
    }
    case 'cluster':
      return `cluster "${s.cluster}"`;
    case 'setting':
      return 'the pegasus.config.serverVersion setting';
  }
}

export function analyzeConfig(text: string, ctx: AnalysisContext): Analysis {
  const doc = parseConfig(text);
  return analyzeDocument(doc, ctx);
}

export function analyzeDocument(doc: ConfigDocument, ctx: AnalysisContext): Analysis {
  const directives = parseDirectives(doc);
  const binding = bindCluster(doc, directives, ctx);
  const versionChoice = chooseVersion(doc, directives, { cluster: binding.cluster, setting: ctx.settings.serverVersion });
  const version = versionChoice.version;
  const versionData = { version, versionSource: versionChoice.source.kind } as const;
  const inVersion = `Pegasus ${version} (${versionOrigin(versionChoice)})`;
  const raw: Finding[] = [];
  const push = (f: Finding) => raw.push(f);

  // ---- syntax: what the server rejects or skips ----
  let hasSyntaxErrors = false;
  for (const p of doc.problems) {
    const range = rng(p.line, p.start, p.end);
    if (p.kind === 'key-before-section') {
      hasSyntaxErrors = true;
      push({
        code: 'key-before-section',
        severity: 'error',
        range,
        message: 'Key before any [section]: the server fails to parse the file. Move it under a section header.',
      });
    } else if (p.kind === 'section-with-equals') {
      hasSyntaxErrors = true;
      push({
        code: 'section-with-equals',
        severity: 'error',
        range,
        message:
          'A section header cannot contain "=": the server fails to parse the file. Write "[name]" on its own line and the key below it.',
      });
    } else {
      hasSyntaxErrors = true;
      const what =
        p.kind === 'unclosed-section'
          ? 'is missing its closing "]"'
          : p.kind === 'empty-section-name'
            ? 'has no name'
            : 'has text after "]"';
      push({ code: 'malformed-section', severity: 'error', range, message: `This section header ${what}. Write it as "[section_name]".` });
    }
  }
  // Rules that are off are not evaluated at all (the did-you-mean search is the costly one).
  const disabled = new Set(ctx.settings.disabledRules);
  const ruleOn = (code: RuleCode): boolean =>
    !disabled.has(code) && !directives.fileDisabled.has(code) && !directives.fileDisabled.has('*');
  const unknownKeyOn = ruleOn('unknown-key');

  // ---- redefined keys: the parser lists them, no need to visit every entry ----
  if (ruleOn('duplicate-key')) {
    for (const e of doc.duplicateEntries) {
      const first = e.duplicateOf!;
      push({
        code: 'duplicate-key',
        severity: 'warning',
        range: keyRange(e),
        message: `"${e.key}" is already set on line ${first.line + 1} (= ${first.value || '(empty)'}); the server keeps that first value and ignores this one (= ${e.value || '(empty)'}).`,
        related: [{ range: keyRange(first), message: 'the definition the server uses' }],
        fixes: [{ title: `Remove this ignored "${e.key}" line`, edits: [{ range: wholeLine(e.line), newText: '' }], preferred: true }],
        unnecessary: true,
      });
    }
  }

  // ---- per section: repeats; per entry of a section we know: unknown keys, types and ranges ----
  // Sections we have no catalogue for (most [task.*], [threadpool.*] ...) are skipped whole.
  for (const s of doc.sections) {
    if (s.duplicateOf) {
      hasSyntaxErrors = true;
      push({
        code: 'duplicate-section',
        severity: 'error',
        range: headerRange(s),
        message: `Section [${s.name}] is already defined on line ${s.duplicateOf.line + 1}: the server refuses to start. Merge the two sections.`,
        related: [{ range: headerRange(s.duplicateOf), message: 'first definition' }],
      });
    }
    if (s.entries.length === 0 || !isKnownSectionInAnyVersion(s.name)) continue;
    const section = s.name;
    const sectionRead = isKnownSection(section, version);
    for (const e of s.entries) {
      const spec = keySpec(section, e.key);
      if (e.duplicateOf || hasPlaceholder(e.key)) {
        if (spec && !hasPlaceholder(e.value)) checkValue(e, spec, version, push);
        continue;
      }
      if (!keyRead(version, section, e.key)) {
        const readBy = versionsReading(section, e.key);
        const shippedBy = SERVER_VERSIONS.filter((v) => shippedButUnread(v, section, e.key));
        if (readBy.length > 0 || shippedBy.length > 0) {
          push({
            code: 'unused-key',
            severity: 'hint',
            range: keyRange(e),
            unnecessary: true,
            message:
              readBy.length > 0
                ? `No code reads "${e.key}" in ${inVersion}; it has no effect. Pegasus ${readBy.join(', ')} read${readBy.length === 1 ? 's' : ''} it.`
                : `No code reads "${e.key}" in ${inVersion}, although the config.ini shipped with ${shippedBy.join(', ')} sets it; it has no effect.`,
            data: { ...versionData, readBy, unusedReason: readBy.length > 0 ? 'other-versions' : 'shipped-not-read' },
          });
        } else if (sectionRead && unknownKeyOn) {
          const suggestion = suggestKey(section, e.key, version);
          push(
            suggestion
              ? {
                  code: 'unknown-key',
                  severity: 'warning',
                  range: keyRange(e),
                  message: `[${section}] has no key "${e.key}"; the server ignores it silently. Did you mean "${suggestion}"?`,
                  fixes: [{ title: `Change to "${suggestion}"`, edits: [{ range: keyRange(e), newText: suggestion }], preferred: true }],
                  data: versionData,
                }
              : {
                  // The key list comes from the source's flag definitions and config reads, which
                  // can miss a computed name: a hint, not a squiggle, when no known key is close.
                  code: 'unknown-key',
                  severity: 'hint',
                  range: keyRange(e),
                  message: `"${e.key}" is not a key Pegasus Ops knows in [${section}]; if the server does not read it, it is ignored silently.`,
                  data: versionData,
                },
          );
        }
      } else if (spec?.noEffectIn?.includes(version)) {
        push({
          code: 'unused-key',
          severity: 'hint',
          range: keyRange(e),
          unnecessary: true,
          message: `"${e.key}" is read in ${inVersion}, but nothing uses its value; it has no effect.`,
          data: { ...versionData, readBy: versionsReading(section, e.key), unusedReason: 'no-effect' },
        });
      }
      if (!spec || hasPlaceholder(e.value)) continue; // placeholders are filled in at deployment; nothing to check yet
      checkValue(e, spec, version, push);
    }
  }

  // ---- cross-key checks ----
  const meta = doc.sectionByName.get('meta_server');
  const repl = doc.sectionByName.get('replication');
  const eff = (section: string, key: string): Effective | null => {
    const spec = keySpec(section, key)!;
    const entry = firstEntry(doc, section, key);
    if (entry && !hasPlaceholder(entry.value)) {
      const v = parseTyped(spec, entry.value);
      if (typeof v === 'number') return { value: v, entry };
      return null; // invalid: reported above; cross checks would only add noise
    }
    if (entry) return null; // placeholder: unknown until deployment
    return { value: numberDefault(spec, version) };
  };

  if (repl) {
    const lease = eff('replication', 'fd_lease_seconds');
    const grace = eff('replication', 'fd_grace_seconds');
    const beacon = eff('replication', 'fd_beacon_interval_seconds');
    if (lease && grace && (lease.entry || grace.entry) && grace.value <= lease.value) {
      const at = grace.entry ?? lease.entry!;
      const src = (x: Effective) => (x.entry ? `line ${x.entry.line + 1}` : `the ${version} default`);
      push({
        code: 'fd-grace-not-above-lease',
        severity: 'error',
        range: valueRange(at),
        message: `fd_grace_seconds (${grace.value}, ${src(grace)}) must be greater than fd_lease_seconds (${lease.value}, ${src(lease)}): the meta refuses to start. A node must stop serving (lease) before the meta declares it dead (grace).`,
        related: [lease.entry, grace.entry]
          .filter((x): x is Entry => !!x && x !== at)
          .map((x) => ({ range: valueRange(x), message: x.key })),
        fixes: grace.entry
          ? [
              {
                title: `Set fd_grace_seconds to ${lease.value + 2}`,
                edits: [{ range: valueRange(grace.entry), newText: String(lease.value + 2) }],
                preferred: true,
              },
            ]
          : [],
      });
    }
    if (lease && beacon && (lease.entry || beacon.entry) && lease.value <= 2 * beacon.value) {
      const at = lease.entry ?? beacon.entry!;
      push({
        code: 'fd-lease-too-short',
        severity: 'warning',
        range: valueRange(at),
        message: `fd_lease_seconds (${lease.value}) should exceed twice fd_beacon_interval_seconds (${beacon.value}); otherwise one lost beacon can make a healthy node stop serving.`,
      });
    }
  }

  const nfs = doc.sectionByName.get('nfs');
  if (nfs) {
    // The copy-rate validator (nfs_client_impl.cpp in every version): 0, or more bytes per second than one copy block.
    const rate = eff('nfs', 'max_copy_rate_megabytes_per_disk');
    const block = eff('nfs', 'nfs_copy_block_bytes');
    if (rate?.entry && block && rate.value !== 0 && rate.value * 2 ** 20 <= block.value) {
      const least = Math.floor(block.value / 2 ** 20) + 1;
      push({
        code: 'out-of-range',
        severity: 'error',
        range: valueRange(rate.entry),
        message: `max_copy_rate_megabytes_per_disk = ${rate.value} must be 0 (unlimited) or more than nfs_copy_block_bytes (${block.value}${block.entry ? `, line ${block.entry.line + 1}` : ', the default'}) per second, i.e. at least ${least}: the server refuses to start.`,
        related: block.entry ? [{ range: valueRange(block.entry), message: 'nfs_copy_block_bytes' }] : [],
        fixes: [
          { title: `Set max_copy_rate_megabytes_per_disk to ${least}`, edits: [{ range: valueRange(rate.entry), newText: String(least) }] },
          { title: 'Set max_copy_rate_megabytes_per_disk to 0 (unlimited)', edits: [{ range: valueRange(rate.entry), newText: '0' }] },
        ],
        data: versionData,
      });
    }
  }

  const nodes = resolveNodes(directives, ctx, binding);
  const plans = plansFor(binding, directives, ctx);
  if (binding.by === 'unmatched' && ctx.clusters.length > 0 && ruleOn('cluster-not-matched')) {
    const at = firstEntry(doc, 'meta_server', 'server_list')!;
    const known = ctx.clusters.map((c) => `${c.name}${c.metaServers?.length ? ` (${c.metaServers.join(', ')})` : ''}`).join('; ');
    push({
      code: 'cluster-not-matched',
      severity: 'information',
      range: valueRange(at),
      message: `No configured cluster has these meta servers (configured: ${known}), so no cluster's node counts are used${nodes ? `; the freeze checks use ${nodes.source} (${nodes.alive} nodes)` : ''}. Add "# pegasus-ops: cluster=NAME" or "# pegasus-ops: nodes=N" to say which cluster this file is for.`,
    });
  }
  let pct: Effective | null = null;
  let minLive: Effective | null = null;
  const lenses: Lens[] = [];
  if (meta) {
    pct = eff('meta_server', 'node_live_percentage_threshold_for_update');
    minLive = eff('meta_server', 'min_live_node_count_for_unfreeze');
    // Out-of-range values are reported above; the freeze checks only make sense within range.
    if (pct && (pct.value < 0 || pct.value > 100)) pct = null;
    if (minLive && minLive.value < 1) minLive = null;
    if (pct && minLive) {
      if (nodes) freezeChecks(nodes, pct, minLive, meta, plans, ctx, push);
      if (ctx.settings.codeLens) lenses.push(...thresholdLenses(nodes, pct, minLive, meta, plans));
    }
  }

  for (const p of directives.problems)
    push({ code: 'bad-directive', severity: 'warning', range: rng(p.line, p.start, p.end), message: p.message });

  // ---- suppression: settings and inline directives ----
  const findings = dedupe(raw.filter((f) => !disabled.has(f.code) && !isSuppressed(directives, f.code, f.range.start.line)));
  return {
    doc,
    binding,
    runbookPlans: plans,
    directives,
    version,
    versionChoice,
    findings,
    lenses,
    nodes,
    pct,
    minLive,
    hasSyntaxErrors,
  };
}

function checkValue(e: Entry, spec: KeySpec, version: ServerVersion, push: (f: Finding) => void): void {
  const v = parseTyped(spec, e.value);
  const def = spec.defaults[version];
  if (v === undefined) {
    if (spec.type === 'enum') {
      push({
        code: 'invalid-value',
        severity: spec.enumCheckFails ? 'error' : 'warning',
        range: valueRange(e),
        message: `"${e.value}" is not a valid ${e.key}; use one of ${spec.enumValues!.join(', ')}.${spec.enumCheckFails ? ' The server refuses to start with an unknown value.' : ` The server keeps the default (${def}).`}`,
        fixes: spec.enumValues!.map((x) => ({
          title: `Change to "${x}"`,
          edits: [{ range: valueRange(e), newText: x }],
          preferred: x === def,
        })),
      });
    } else {
      const expected = spec.type === 'bool' ? 'true or false' : spec.type === 'uint' ? 'a whole number ≥ 0' : 'a whole number';
      push({
        code: 'invalid-value',
        severity: 'warning',
        range: e.value ? valueRange(e) : keyRange(e),
        message: `${e.key} = "${e.value}" is not ${expected}; the server ignores it and keeps the default (${def}${spec.unit ? ` ${spec.unit}` : ''}).`,
        fixes: [{ title: `Use the default (${def})`, edits: [{ range: valueRange(e), newText: def }] }],
      });
    }
    return;
  }
  const r = spec.range?.[version];
  if (r && typeof v === 'number') {
    const below = r.min !== undefined && v < r.min;
    const above = r.max !== undefined && v > r.max;
    const banned = r.excluded !== undefined && v >= r.excluded[0] && v <= r.excluded[1];
    if (below || above || banned) {
      const bounds = [r.min !== undefined ? `≥ ${r.min}` : '', r.max !== undefined ? `≤ ${r.max}` : ''].filter(Boolean).join(' and ');
      push({
        code: 'out-of-range',
        severity: 'error',
        range: valueRange(e),
        message: `${e.key} = ${v} is out of range${bounds ? ` (${bounds})` : ''} for Pegasus ${version}: ${r.consequence}.`,
        fixes: [{ title: `Use the default (${def})`, edits: [{ range: valueRange(e), newText: def }] }],
      });
    }
  }
}

function anchorFor(entry: Entry | undefined, meta: Section): Range {
  return entry ? valueRange(entry) : headerRange(meta);
}

function freezeChecks(
  nodes: NodeCounts,
  pct: Effective,
  minLive: Effective,
  meta: Section,
  plans: readonly RunbookPlan[],
  ctx: AnalysisContext,
  push: (f: Finding) => void,
): void {
  const total = nodes.alive + nodes.dead;
  const inputs = { alive: nodes.alive, dead: nodes.dead, pct: pct.value, minLive: minLive.value };
  const pctNote = pct.entry ? '' : ` (${pct.value} is the default; the file does not set it)`;
  const thresholdFix = (k: number): Fix[] => {
    const safe = pctAllowingRemoval(nodes.alive, nodes.dead, minLive.value, k);
    if (safe === null || !pct.entry || safe === pct.value) return [];
    return [
      {
        title: `Set node_live_percentage_threshold_for_update to ${safe} (lets ${plural(k, 'node')} go)`,
        edits: [{ range: valueRange(pct.entry), newText: String(safe) }],
        preferred: true,
      },
    ];
  };

  if (minLive.value > total) {
    push({
      code: 'min-live-above-nodes',
      severity: 'error',
      range: anchorFor(minLive.entry, meta),
      message: `min_live_node_count_for_unfreeze is ${minLive.value} but the cluster has ${plural(total, 'replica server')} (${nodes.source}): the meta stays frozen (no cure, no reconfiguration) whatever the threshold. Set it to at most ${total}.`,
      fixes: minLive.entry
        ? [
            {
              title: `Set min_live_node_count_for_unfreeze to ${Math.max(1, Math.min(3, total))}`,
              edits: [{ range: valueRange(minLive.entry), newText: String(Math.max(1, Math.min(3, total))) }],
            },
          ]
        : [],
    });
    return;
  }

  const margin = freezeMargin(inputs);
  const want = ctx.settings.tolerateNodeLosses;
  if (margin < want) {
    const lost = Math.max(0, margin + 1);
    const after = freezeVerdict({ ...inputs, alive: nodes.alive - lost, dead: nodes.dead + lost });
    const byMinLive = after.reasons.includes('min_live') && !after.reasons.includes('percentage');
    const what =
      margin < 0
        ? `the meta is frozen already with ${nodes.alive} alive of ${total}`
        : margin === 0
          ? `losing a single node freezes the meta`
          : `the meta freezes after ${plural(lost, 'node')} go${lost === 1 ? 'es' : ''} down`;
    const why = [
      after.reasons.includes('percentage') ? `alive share ${nodes.alive - lost}/${total} < ${pct.value}%${pctNote}` : '',
      after.reasons.includes('min_live') ? `fewer than ${minLive.value} alive (min_live_node_count_for_unfreeze)` : '',
    ]
      .filter(Boolean)
      .join(' and ');
    push({
      code: 'threshold-freezes-on-loss',
      severity: 'warning',
      range: anchorFor(byMinLive ? minLive.entry : pct.entry, meta),
      message: `With ${plural(total, 'node')} (${nodes.source}) ${what}: ${why}. pegasus.config.tolerateNodeLosses asks for ${want}. A frozen meta elects no new primaries, so partitions of the lost nodes stop serving.`,
      fixes: byMinLive ? [] : thresholdFix(want),
    });
  }

  for (const plan of plans) {
    const steps = removalSchedule(inputs, plan.removals);
    const bad = steps.find((s) => s.frozen);
    if (!bad && plan.removals <= nodes.alive) continue;
    const byMinLive = bad ? bad.reasons.includes('min_live') && !bad.reasons.includes('percentage') : true;
    const detail = bad
      ? `after removal ${bad.removed} of ${plan.removals} only ${bad.alive}/${total} (${bad.aliveShare.toFixed(1)}%) are alive${bad.reasons.includes('percentage') ? `, below ${pct.value}%${pctNote}` : ''}${bad.reasons.includes('min_live') ? `, fewer than ${minLive.value} (min_live_node_count_for_unfreeze)` : ''}`
      : `it removes more nodes than are alive`;
    push({
      code: 'threshold-freezes-scale-in',
      severity: 'warning',
      range: anchorFor(byMinLive ? minLive.entry : pct.entry, meta),
      message: `${plan.label} removes ${plural(plan.removals, 'node')} before the meta restarts; with this file ${detail}. Dead nodes stay counted until the meta restarts, and a leader restart or fail-over mid-scale-in reloads this value, so the cluster would freeze.`,
      fixes: byMinLive ? [] : thresholdFix(plan.removals),
    });
  }
}

function thresholdLenses(
  nodes: NodeCounts | null,
  pct: Effective,
  minLive: Effective,
  meta: Section,
  plans: readonly RunbookPlan[],
): Lens[] {
  const out: Lens[] = [];
  const pctEntry = pct.entry;
  const base = {
    thresholdLine: pctEntry ? pctEntry.line : meta.line,
    thresholdValueStart: pctEntry ? pctEntry.valueStart : 0,
    thresholdValueEnd: pctEntry ? pctEntry.valueEnd : 0,
    thresholdInFile: !!pctEntry,
    meta_serverLine: meta.line,
    pct: pct.value,
    minLive: minLive.value,
    alive: nodes ? nodes.alive : null,
    dead: nodes ? nodes.dead : 0,
    nodesSource: nodes ? nodes.source : null,
  };
  // The full calculator lens sits on the threshold (or on [meta_server] when the file relies on
  // the default); the min-live key gets one lens about its own rule.
  const range = pctEntry ? rng(pctEntry.line, pctEntry.keyStart, pctEntry.keyEnd) : headerRange(meta);
  const calc = 'Click for the threshold calculator.';
  if (!nodes) {
    out.push({
      range,
      title: 'Calculator… (node count unknown: add "# pegasus-ops: nodes=N")',
      tooltip: `The node count is unknown: connect a cluster, set pegasus.config.nodeCount, or add "# pegasus-ops: nodes=N" to this file. ${calc}`,
      command: CALCULATOR_COMMAND,
      args: { ...base, k: null },
    });
  } else {
    const total = nodes.alive + nodes.dead;
    const inputs = { alive: nodes.alive, dead: nodes.dead, pct: pct.value, minLive: minLive.value };
    const margin = freezeMargin(inputs);
    const who = nodes.dead === 0 ? plural(total, 'node') : `${nodes.alive} alive + ${nodes.dead} dead`;
    let title: string;
    let tooltip: string;
    if (margin < 0) {
      title = `Frozen now: ${nodes.alive}/${total} alive (${pct.value}%, min ${minLive.value})`;
      tooltip = `The meta is frozen now: ${nodes.alive} of ${total} alive is under ${pct.value}% or fewer than ${minLive.value} (${nodes.source}). ${calc}`;
    } else {
      // Name the rule that freezes first, so the short title points at the right key.
      const lost = margin + 1;
      const after = freezeVerdict({ ...inputs, alive: nodes.alive - lost, dead: nodes.dead + lost });
      const rule = after.reasons.includes('percentage') || lost > nodes.alive ? `${pct.value}%` : `min ${minLive.value} alive`;
      title = `Freezes after ${lost} more down (${who}, ${rule})`;
      tooltip =
        nodes.dead === 0
          ? `${margin} of ${plural(total, 'node')} can go down, one after another, before the meta freezes (${nodes.source}). ${calc}`
          : `${margin} more of ${nodes.alive} alive (${nodes.dead} dead) can go down, one after another, before the meta freezes (${nodes.source}). ${calc}`;
    }
    out.push({ range, title, tooltip, command: CALCULATOR_COMMAND, args: { ...base, k: Math.max(1, margin + 1) } });
    const k = Math.max(1, margin + 1, ...plans.map((p) => p.removals));
    if (k <= nodes.alive) {
      const safe = pctAllowingRemoval(nodes.alive, nodes.dead, minLive.value, k);
      const plan = plans.find((p) => p.removals === k);
      const why = plan ? ` (${plan.label})` : '';
      out.push({
        range,
        title: safe === null ? `Allow ${k}: lower min_live (${minLive.value}) · Calculator…` : `Allow ${k} down: ≤ ${safe}% · Calculator…`,
        tooltip:
          safe === null
            ? `Removing ${plural(k, 'node')}${why} is not possible without lowering min_live_node_count_for_unfreeze (${minLive.value}). ${calc}`
            : `To let ${plural(k, 'node')} go down one after another${why}, node_live_percentage_threshold_for_update must be at most ${safe}. ${calc}`,
        command: CALCULATOR_COMMAND,
        args: { ...base, k },
      });
    }
  }
  if (minLive.entry) {
    const at = rng(minLive.entry.line, minLive.entry.keyStart, minLive.entry.keyEnd);
    const alone = nodes ? Math.max(0, nodes.alive - minLive.value) : 0;
    out.push({
      range: at,
      title: nodes
        ? `Freezes below ${minLive.value} alive (alone lets ${alone} of ${nodes.alive} go) · Calculator…`
        : `Freezes below ${minLive.value} alive · Calculator…`,
      tooltip: nodes
        ? `The meta freezes when fewer than ${minLive.value} nodes are alive: by this rule alone ${alone} of ${nodes.alive} alive can go (${nodes.source}). ${calc}`
        : `The meta freezes when fewer than ${minLive.value} nodes are alive. ${calc}`,
      command: CALCULATOR_COMMAND,
      args: { ...base, k: null },
    });
  }
  return out;
}
