/**
 * Reading the explorer's settings. Pure (no `vscode` import): the registry hands in the raw values.
 * Every entry of `pegasus.clusters` is validated on its own, so one bad entry is reported with its
 * index and name while the good ones still show up.
 */
import { clusterProfileSchema, describeZodError, type ClusterProfile } from '../../cluster/profile';

export interface SettingsProblem {
  /** Index in the `pegasus.clusters` array, or -1 for the setting as a whole. */
  readonly index: number;
  /** The entry's name when it has one, for the message. */
  readonly name?: string;
  readonly message: string;
}

export interface ParsedClusters {
  readonly clusters: readonly ClusterProfile[];
  readonly problems: readonly SettingsProblem[];
}

/** Keys that look like secrets; they belong in SecretStorage, never in settings.json. */
const SECRET_KEY = /^(password|passwd|secret|token|apikey|api_key|credentials?)$/i;

export function parseClusterSettings(raw: unknown): ParsedClusters {
  if (raw === undefined || raw === null) return { clusters: [], problems: [] };
  if (!Array.isArray(raw)) {
    return {
      clusters: [],
      problems: [
        {
          index: -1,
          message: `pegasus.clusters: expected a list of clusters, got ${describeType(raw)}. Example: [{"name": "prod", "metaServers": ["10.0.0.1:34601"]}]`,
        },
      ],
    };
  }
  const clusters: ClusterProfile[] = [];
  const problems: SettingsProblem[] = [];
  const seen = new Map<string, number>();
  raw.forEach((entry: unknown, index) => {
    const name =
      typeof entry === 'object' && entry !== null && typeof (entry as { name?: unknown }).name === 'string'
        ? (entry as { name: string }).name
        : undefined;
    const label = `pegasus.clusters[${index}]${name ? ` ("${name}")` : ''}`;
    let candidate: unknown = entry;
    if (typeof entry === 'object' && entry !== null && !Array.isArray(entry)) {
      const secretKeys = Object.keys(entry).filter((k) => SECRET_KEY.test(k));
      if (secretKeys.length > 0) {
        problems.push({
          index,
          name,
          message: `${label}: "${secretKeys.join('", "')}" looks like a secret; remove it from settings and use "Pegasus: Store Cluster Credential" (kept in VS Code's SecretStorage).`,
        });
        // Reported once above; the (strict) schema judges the rest, so the cluster still works.
        candidate = Object.fromEntries(Object.entries(entry).filter(([k]) => !SECRET_KEY.test(k)));
      }
    }
    const res = clusterProfileSchema.safeParse(candidate);
    if (!res.success) {
      const detail = describeZodError(res.error, `pegasus.clusters[${index}]`).split('\n').join('; ');
      problems.push({ index, name, message: `${label} is ignored: ${detail}` });
      return;
    }
    const prev = seen.get(res.data.name);
    if (prev !== undefined) {
      problems.push({
        index,
        name,
        message: `${label} is ignored: the name "${res.data.name}" is already used by pegasus.clusters[${prev}]; cluster names must be unique.`,
      });
      return;
    }
    seen.set(res.data.name, index);
    clusters.push(res.data);
  });
  return { clusters, problems };
}

/** Default poll interval, seconds. */
export const DEFAULT_REFRESH_INTERVAL_S = 5;

/** `pegasus.refreshInterval` in seconds → ms; 0 turns polling off; bad values fall back to the default. */
export function refreshIntervalMs(raw: unknown): number {
  if (typeof raw !== 'number' || !Number.isFinite(raw) || raw < 0) return DEFAULT_REFRESH_INTERVAL_S * 1000;
  if (raw === 0) return 0;
  // Below one second the meta would be polled harder than any operator can read.
  return Math.max(1, raw) * 1000;
}

function describeType(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object' && v !== null) return 'an object';
  return `${typeof v} ${JSON.stringify(v)}`;
}
