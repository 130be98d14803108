/**
 * Which Pegasus version a config file is for: a `version=` directive, else what the file's keys
 * show, else the connected cluster, else the `pegasus.config.serverVersion` setting.
 */
import { isKnownSectionInAnyVersion, SERVER_VERSIONS, versionsReading, type ServerVersion } from './catalogue';
import type { Directives } from './directives';
import { hasPlaceholder, type ConfigDocument, type Entry } from './parser';

/** A key that only some versions read, and the versions that do. */
export interface VersionEvidence {
  readonly section: string;
  readonly key: string;
  readonly line: number;
  readonly readBy: readonly ServerVersion[];
}

export type VersionSource =
  | { readonly kind: 'directive'; readonly line: number }
  /** `since`: a key first read in that version; `until`: a key last read in that version. */
  | { readonly kind: 'file'; readonly since?: VersionEvidence; readonly until?: VersionEvidence }
  | { readonly kind: 'cluster'; readonly cluster: string }
  | { readonly kind: 'setting' };

export interface VersionChoice {
  readonly version: ServerVersion;
  readonly source: VersionSource;
  /** The versions the file's keys allow (all of them when the keys tell nothing). */
  readonly candidates: readonly ServerVersion[];
}

const rank = (v: ServerVersion) => SERVER_VERSIONS.indexOf(v);

/**
 * The versions the keys allow. A key first read in a later version is strong evidence (old
 * servers never asked for it); a key no longer read is weaker, since files keep stale keys over
 * upgrades: it only narrows the range when it is still read at the lower bound.
 */
export function versionsOfFile(doc: ConfigDocument): { candidates: ServerVersion[]; since?: VersionEvidence; until?: VersionEvidence } {
  const evidence: VersionEvidence[] = [];
  for (const e of doc.entries as readonly Entry[]) {
    if (!e.section || e.duplicateOf || hasPlaceholder(e.key) || !isKnownSectionInAnyVersion(e.section.name)) continue;
    const readBy = versionsReading(e.section.name, e.key);
    if (readBy.length === 0 || readBy.length === SERVER_VERSIONS.length) continue;
    evidence.push({ section: e.section.name, key: e.key, line: e.line, readBy });
  }
  let lo = 0;
  let since: VersionEvidence | undefined;
  for (const ev of evidence) {
    const first = rank(ev.readBy[0]!);
    if (first > lo) [lo, since] = [first, ev];
  }
  let hi = SERVER_VERSIONS.length - 1;
  let until: VersionEvidence | undefined;
  for (const ev of evidence) {
    const last = rank(ev.readBy[ev.readBy.length - 1]!);
    if (last >= lo && last < hi) [hi, until] = [last, ev];
  }
  return { candidates: SERVER_VERSIONS.slice(lo, hi + 1), ...(since ? { since } : {}), ...(until ? { until } : {}) };
}

export function chooseVersion(
  doc: ConfigDocument,
  directives: Directives,
  fallback: {
    readonly cluster?: { readonly name: string; readonly version?: ServerVersion | undefined } | undefined;
    readonly setting: ServerVersion;
  },
): VersionChoice {
  const file = versionsOfFile(doc);
  if (directives.version)
    return {
      version: directives.version.value as ServerVersion,
      source: { kind: 'directive', line: directives.version.line },
      candidates: file.candidates,
    };
  const fromFile: VersionSource = {
    kind: 'file',
    ...(file.since ? { since: file.since } : {}),
    ...(file.until ? { until: file.until } : {}),
  };
  if (file.candidates.length === 1) return { version: file.candidates[0]!, source: fromFile, candidates: file.candidates };
  const c = fallback.cluster;
  if (c?.version && file.candidates.includes(c.version))
    return { version: c.version, source: { kind: 'cluster', cluster: c.name }, candidates: file.candidates };
  if (file.candidates.includes(fallback.setting))
    return { version: fallback.setting, source: { kind: 'setting' }, candidates: file.candidates };
  // The setting contradicts the file: the newest version the keys allow.
  return { version: file.candidates[file.candidates.length - 1]!, source: fromFile, candidates: file.candidates };
}
