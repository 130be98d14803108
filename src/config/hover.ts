/** Hover text for keys, placeholders, sections and directives, from the key catalogue. */
import { freezeMargin } from '../cluster/freeze';
import {
  isKnownSection,
  keyRead,
  keySpec,
  SERVER_VERSIONS,
  SOURCE_REF,
  versionsReading,
  type KeySpec,
  type ServerVersion,
} from './catalogue';
import { DIRECTIVE_MARKER } from './directives';
import { versionOrigin, type Analysis } from './analysis';
import { placeholdersIn, type Position, type Range } from './parser';

export interface HoverResult {
  readonly markdown: string;
  readonly range: Range;
}

/** Where the selected version's source reads the key, e.g. "v2.5.0 src/replica/replica_stub.cpp:122". */
function readAt(version: ServerVersion, section: string, key: string): string | undefined {
  const f = keyRead(version, section, key);
  return f ? `${SOURCE_REF[version]} \`${f[2]}\`` : undefined;
}

export function describeKey(spec: KeySpec, version: ServerVersion, origin?: string): string {
  const unit = spec.unit ? ` ${spec.unit}` : '';
  const defaults = SERVER_VERSIONS.map(
    (v) => `${v}: \`${spec.defaults[v] || '(empty)'}\`${unit}${v === version ? ' ← selected' : ''}`,
  ).join(' · ');
  const lines = [
    `**${spec.key}** \`[${spec.section}]\` — ${spec.type === 'enum' ? spec.enumValues!.join(' | ') : spec.type}`,
    '',
    spec.summary,
    '',
    `Default: ${defaults}${spec.shipped !== undefined ? ` · shipped config.ini: \`${spec.shipped}\`` : ''}`,
  ];
  const r = spec.range?.[version];
  if (r) {
    const b = [
      r.min !== undefined ? `≥ ${r.min}` : '',
      r.max !== undefined ? `≤ ${r.max}` : '',
      r.excluded ? `not ${r.excluded[0]}..${r.excluded[1]}` : '',
    ]
      .filter(Boolean)
      .join(', ');
    lines.push('', `Range (${version}): ${b}; otherwise ${r.consequence}.`);
  }
  if (spec.unusedIn?.length) lines.push('', `Not read by any code in: ${spec.unusedIn.join(', ')}.`);
  if (spec.noEffectIn?.length) lines.push('', `Read, but without effect, in: ${spec.noEffectIn.join(', ')}.`);
  lines.push('', `Run time: ${spec.runtime}`);
  const at = readAt(version, spec.section, spec.key);
  if (at) lines.push('', `Read at ${at}.`);
  if (origin) lines.push('', `Version ${version}: ${origin}.`);
  return lines.join('\n');
}

/** A key the catalogue does not describe: what the source says of it (type, defaults, where it is read). */
export function describeKnownKey(section: string, key: string, version: ServerVersion, origin?: string): string | undefined {
  const readBy = versionsReading(section, key);
  if (readBy.length === 0) return undefined;
  const fact = keyRead(version, section, key) ?? keyRead(readBy[readBy.length - 1]!, section, key)!;
  const defaults = readBy
    .map((v) => `${v}: \`${keyRead(v, section, key)![1] || '(empty)'}\`${v === version ? ' ← selected' : ''}`)
    .join(' · ');
  const lines = [`**${key}** \`[${section}]\` — ${fact[0]}`, '', `Default: ${defaults}`];
  const unread = SERVER_VERSIONS.filter((v) => !readBy.includes(v));
  if (unread.length) lines.push('', `Not read by any code in: ${unread.join(', ')}.`);
  const at = readAt(version, section, key);
  if (at) lines.push('', `Read at ${at}.`);
  if (origin) lines.push('', `Version ${version}: ${origin}.`);
  return lines.join('\n');
}

function within(pos: Position, line: number, start: number, end: number): boolean {
  return pos.line === line && pos.character >= start && pos.character <= end;
}

export function hoverAt(a: Analysis, pos: Position): HoverResult | null {
  const { doc } = a;
  for (const c of doc.comments) {
    if (c.line !== pos.line || pos.character < c.start) continue;
    if (c.text.includes(DIRECTIVE_MARKER)) {
      const nodes = a.nodes ? `Node count in use: ${a.nodes.alive + a.nodes.dead} (${a.nodes.source}).` : 'No node count known yet.';
      return {
        range: { start: { line: c.line, character: c.start }, end: { line: c.line, character: c.start + 1 + c.text.length } },
        markdown: [
          '**Pegasus Ops directive** (the server ignores comments)',
          '',
          '- `nodes=N` — replica servers of the cluster this file belongs to',
          '- `cluster=NAME` — the cluster (as named in `pegasus.clusters`) to take the live node count from',
          `- \`version=${SERVER_VERSIONS.join('|')}\` — server version for defaults, ranges and known keys (now ${a.version}: ${versionOrigin(a.versionChoice)})`,
          '- `disable=RULE,...` — on its own line: for the whole file; after a key: for that line',
          '- `disable-next-line=RULE,...`',
          '',
          nodes,
        ].join('\n'),
      };
    }
  }
  for (const s of doc.sections) {
    if (s.line > pos.line) break;
    if (within(pos, s.line, s.headerStart, s.headerEnd) && isKnownSection(s.name, a.version)) {
      const text =
        s.name === 'meta_server'
          ? 'Meta server settings: the freeze guard, cure and balancer.'
          : s.name === 'replication'
            ? 'Replication settings: failure detection, the cure tick, logs for learning.'
            : s.name === 'nfs'
              ? 'NFS copy settings used when replicas are learned from other nodes.'
              : s.name === 'zookeeper'
                ? "ZooKeeper client settings of the meta servers: the session that holds the leader's lock."
                : `A section Pegasus ${a.version} reads.`;
      return {
        range: { start: { line: s.line, character: s.headerStart }, end: { line: s.line, character: s.headerEnd } },
        markdown: `**[${s.name}]** — ${text}`,
      };
    }
  }
  // Entries are in line order; a binary search keeps hovers cheap in long files.
  const entries = doc.entries;
  let lo = 0;
  let hi = entries.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (entries[mid]!.line < pos.line) lo = mid + 1;
    else hi = mid - 1;
  }
  const e = entries[lo];
  if (!e || e.line !== pos.line) return null;
  for (const [text, base] of [
    [e.key, e.keyStart],
    [e.rawValue, e.valueStart],
  ] as const) {
    for (const p of placeholdersIn(text)) {
      if (within(pos, e.line, base + p.start, base + p.end)) {
        const md =
          p.kind === 'template'
            ? `**\`%{${p.name}}\`** — template placeholder. The server does not resolve it; deployment tooling (\`run.sh start_onebox\`, minos) replaces it before start. Left as is, the server sees the literal text.`
            : `**\`%${p.name}%\`** — filled from the server's command line (\`-cargs ${p.name}=VALUE\`). Unresolved at start it becomes an empty value.`;
        return {
          range: { start: { line: e.line, character: base + p.start }, end: { line: e.line, character: base + p.end } },
          markdown: md,
        };
      }
    }
  }
  if (!e.section || !within(pos, e.line, e.keyStart, e.keyEnd)) return null;
  const origin = versionOrigin(a.versionChoice);
  const spec = keySpec(e.section.name, e.key);
  if (!spec) {
    const md = describeKnownKey(e.section.name, e.key, a.version, origin);
    return md
      ? { range: { start: { line: e.line, character: e.keyStart }, end: { line: e.line, character: e.keyEnd } }, markdown: md }
      : null;
  }
  let md = describeKey(spec, a.version, origin);
  if (e.duplicateOf) md += `\n\n_Ignored: line ${e.duplicateOf.line + 1} sets it first._`;
  else if (a.nodes && a.pct && a.minLive && (e === a.pct.entry || e === a.minLive.entry)) {
    // The lens title is short; the hover carries the full sentence and where the count came from.
    const total = a.nodes.alive + a.nodes.dead;
    const margin = freezeMargin({ alive: a.nodes.alive, dead: a.nodes.dead, pct: a.pct.value, minLive: a.minLive.value });
    md +=
      margin < 0
        ? `\n\n**Now:** the meta is frozen with ${a.nodes.alive} of ${total} alive (${a.nodes.source}).`
        : `\n\n**Now:** ${margin} of ${a.nodes.alive} alive${a.nodes.dead ? ` (${a.nodes.dead} dead)` : ''} can go down, one after another, before the meta freezes (${a.nodes.source}); the lens opens the calculator.`;
  }
  return { range: { start: { line: e.line, character: e.keyStart }, end: { line: e.line, character: e.keyEnd } }, markdown: md };
}
