/**
 * The one reading of `--cluster JSON|FILE [--cluster-name NAME]` and `--meta HOST:PORT,...` for
 * every subcommand. Errors are `UsageError`s that name the option and the fix.
 */
import { readFileSync } from 'node:fs';
import { clusterProfileSchema, pickClusterProfile, type ClusterProfile } from '../cluster/profile';
import { UsageError, type CliOption } from './args';

/** The options, declared once for every subcommand that talks to a cluster. */
export const clusterOptions = {
  cluster: {
    type: 'string',
    valueName: 'JSON|FILE',
    description:
      'one entry of the pegasus.clusters setting, inline or in a JSON file, e.g. \'{"name":"sim","metaServers":["127.0.0.1:34601"]}\'; or the whole setting (a list): its only entry or the one --cluster-name names',
  },
  'cluster-name': { type: 'string', valueName: 'NAME', description: 'which entry of a --cluster list to use' },
  meta: {
    type: 'string',
    valueName: 'HOST:PORT,...',
    description: 'the meta servers (any of them; the leader is found), for a cluster without node control',
  },
} as const satisfies Record<string, CliOption>;

export interface ProfileArgs {
  readonly cluster?: string | undefined;
  readonly clusterName?: string | undefined;
  readonly meta?: string | undefined;
}

export interface ResolvedProfile {
  readonly profile: ClusterProfile;
  /** How the cluster was given: a named --cluster entry, or a bare --meta list. */
  readonly source: 'cluster' | 'meta';
}

/** The combinations that make no sense, found before anything is read. Throws UsageError. */
export function checkProfileArgs(args: ProfileArgs): void {
  if (args.cluster !== undefined && args.meta !== undefined) throw new UsageError('give either --cluster or --meta, not both');
  if (args.clusterName !== undefined && args.cluster === undefined)
    throw new UsageError('--cluster-name picks an entry of a --cluster list; give --cluster too');
}

/**
 * The cluster the options name, or undefined when they name none. `defaultName` (a runbook's
 * front matter cluster) picks from a --cluster list of several when --cluster-name is absent, and
 * names a --meta cluster (else it is named after the list as typed).
 */
export function resolveClusterProfile(args: ProfileArgs, defaultName?: string): ResolvedProfile | undefined {
  checkProfileArgs(args);
  if (args.cluster !== undefined) return { profile: clusterProfile(args.cluster, args.clusterName, defaultName), source: 'cluster' };
  if (args.meta !== undefined) return { profile: metaProfile(args.meta, defaultName), source: 'meta' };
  return undefined;
}

function clusterProfile(spec: string, clusterName: string | undefined, defaultName: string | undefined): ClusterProfile {
  let text = spec;
  if (!/^\s*[[{]/.test(spec)) {
    try {
      text = readFileSync(spec, 'utf8');
    } catch (e) {
      const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'it is neither inline JSON nor an existing file' : (e as Error).message;
      throw new UsageError(`--cluster: cannot read '${spec}': ${why}; pass inline JSON (an entry {…} or the list […]) or a readable file`);
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UsageError(
      `--cluster: not valid JSON (${(e as Error).message}); expected one pegasus.clusters entry such as {"name":"sim","metaServers":["127.0.0.1:34601"]} or the list`,
    );
  }
  // A list of several with no --cluster-name: the default name (the runbook's cluster) is the natural pick.
  const name = clusterName ?? (Array.isArray(json) && json.length > 1 ? defaultName : undefined);
  try {
    return pickClusterProfile(json, name);
  } catch (e) {
    throw new UsageError(`--cluster: ${(e as Error).message}`);
  }
}

function metaProfile(meta: string, defaultName: string | undefined): ClusterProfile {
  const list = meta
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const r = clusterProfileSchema.safeParse({ name: defaultName ?? meta, metaServers: list });
  if (r.success) return r.data;
  // Name the entry the operator typed rather than a schema path.
  const issue = r.error.issues[0];
  const i = issue?.path[1];
  throw new UsageError(`--meta: ${typeof i === 'number' ? `'${list[i]}': ` : ''}${issue?.message ?? 'invalid'}`);
}
