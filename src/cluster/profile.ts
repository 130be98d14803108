/**
 * A cluster as the operator configures it: one entry of the `pegasus.clusters` setting, of the
 * CLI's `--cluster`, and of a runbook's front matter reference. Validated with zod at every boundary.
 */
import * as z from 'zod';
import { HOST_PORT_PATTERN, portInRange } from './address';
import { didYouMean } from './suggest';

const hostPort = z
  .string()
  .regex(HOST_PORT_PATTERN, 'expected host:port, for example 10.0.0.1:34601')
  .refine(portInRange, 'port out of range: a port is 1..65535 (the meta RPC port is 34601 by default)');

/** Argv templates run without a shell; placeholders such as {host}, {port}, {address} are filled per node. */
const argv = z
  .array(z.string().min(1))
  .min(1, 'an argv template needs at least the program name')
  // Checked when the settings are read, not first when a node is stopped (the engine checks again).
  .superRefine((a, ctx) => {
    a.forEach((arg, i) => {
      for (const m of arg.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) {
        if (!['host', 'port', 'address'].includes(m[1]!))
          ctx.addIssue({
            code: 'custom',
            path: [i],
            message: `unknown placeholder {${m[1]}} in ${JSON.stringify(arg)}; use {host}, {port} or {address}`,
          });
      }
    });
    if (a[0] && /\{[A-Za-z_][A-Za-z0-9_]*\}/.test(a[0]))
      ctx.addIssue({ code: 'custom', path: [0], message: `the program (${JSON.stringify(a[0])}) must be fixed, not a placeholder` });
  });

/** Keys that look like credentials: hosts report them (they belong in a secret store) without dropping the cluster. */
export const SECRET_KEY_PATTERN = /^(password|passwd|secret|token|apikey|api_key|credentials?)$/i;

/** The issue for each key of `input` that `known` does not list, naming the likely one and every known key. */
function unknownKeyIssues(input: unknown, known: readonly string[], skip?: RegExp): string[] {
  if (!input || typeof input !== 'object' || Array.isArray(input)) return [];
  return Object.keys(input)
    .filter((k) => !known.includes(k) && !skip?.test(k))
    .map((k) => {
      const near = didYouMean(k, known);
      return `unknown key '${k}'${near ? ` (did you mean '${near}'?)` : ''}; known keys: ${known.join(', ')}`;
    });
}

/**
 * An object that rejects keys it does not know: a typo such as "nodecontrol" must not silently
 * turn node control into manual. The message names the key, the likely one and every known key.
 */
function strictObject<S extends z.ZodRawShape>(shape: S) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (iss) =>
      iss.code === 'unrecognized_keys' ? unknownKeyIssues(Object.fromEntries(iss.keys.map((k) => [k, 1])), known).join('; ') : undefined,
  });
}

export const nodeControlSchema = z.discriminatedUnion('kind', [
  strictObject({
    kind: z.literal('command'),
    stop: argv,
    start: argv,
    /** Runs once a node is confirmed gone and every partition is healthy again. */
    cleanup: argv.optional(),
    /** Restarts one meta server ({host}, {port}, {address} of that meta). */
    restartMeta: argv.optional(),
  }),
  strictObject({ kind: z.literal('manual') }),
  strictObject({
    kind: z.literal('simulator'),
    control: z.string().url('expected the simulator control URL, for example http://127.0.0.1:34700'),
  }),
]);
export type NodeControlConfig = z.infer<typeof nodeControlSchema>;

/** The ZooKeeper ensemble of the cluster's metas (their `[zookeeper] hosts_list`): where the operation lease is taken. */
export const zookeeperSchema = strictObject({
  hosts: z
    .string()
    .refine(
      (v) => v.split(',').every((h) => HOST_PORT_PATTERN.test(h.trim()) && portInRange(h.trim())),
      'expected host:port[,host:port…], for example 10.0.0.1:2181,10.0.0.2:2181',
    ),
  /** Parent node of the lease nodes (one per cluster name); default /pegasus-ops/locks. */
  root: z
    .string()
    .regex(/^(\/[^/\s]+)+$/, 'expected an absolute ZooKeeper path such as /pegasus-ops/locks')
    .optional(),
});
export type ZookeeperConfig = z.infer<typeof zookeeperSchema>;

const profileShape = {
  name: z.string().min(1, 'a cluster needs a name'),
  metaServers: z.array(hostPort).min(1, 'list at least one meta server as host:port'),
  nodeControl: nodeControlSchema.optional(),
  production: z.boolean().optional(),
  zookeeper: zookeeperSchema.optional(),
};
const profileKeys = Object.keys(profileShape) as (keyof typeof profileShape)[];
/** The profile without the keys it tolerates but drops. */
type PlainProfile = z.output<ReturnType<typeof z.object<typeof profileShape>>>;

/**
 * Unknown keys are rejected with a did-you-mean, except credential-looking ones, which hosts flag
 * themselves (the explorer says to use the secret store) and which are dropped from the result.
 */
export const clusterProfileSchema = z
  .looseObject(profileShape)
  .superRefine((v, ctx) => {
    for (const message of unknownKeyIssues(v, profileKeys, SECRET_KEY_PATTERN)) ctx.addIssue({ code: 'custom', message });
  })
  .transform((v) => Object.fromEntries(profileKeys.filter((k) => v[k] !== undefined).map((k) => [k, v[k]])) as PlainProfile);
export type ClusterProfile = z.infer<typeof clusterProfileSchema>;

export const clusterProfilesSchema = z.array(clusterProfileSchema);

/** Formats a zod error as one line per problem, naming the path: "clusters[1].metaServers[0]: expected host:port …". */
export function describeZodError(err: z.ZodError, root = ''): string {
  return err.issues
    .map((i) => {
      const path = i.path.reduce<string>(
        (acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)),
        root,
      );
      return `${path || '(root)'}: ${i.message}`;
    })
    .join('\n');
}

function nameList(entries: readonly unknown[]): string {
  const names = entries
    .map((e) =>
      e && typeof e === 'object' && typeof (e as { name?: unknown }).name === 'string' ? (e as { name: string }).name : undefined,
    )
    .filter((n): n is string => !!n);
  return names.length ? names.map((n) => `'${n}'`).join(', ') : '(none has a name)';
}

/**
 * One cluster from what an operator passes on a command line (`--cluster`): one entry, or the whole
 * `pegasus.clusters` list (its only entry, or the one `clusterName` names). Throws an Error whose
 * message names the problem and the fix (one line per schema problem joined with '; ').
 */
export function pickClusterProfile(json: unknown, clusterName?: string): ClusterProfile {
  let root = 'cluster';
  if (Array.isArray(json)) {
    if (json.length === 0) throw new Error('the list is empty; give one cluster entry {"name":…,"metaServers":[…]}');
    if (clusterName !== undefined) {
      const i = json.findIndex((e) => e && typeof e === 'object' && (e as { name?: unknown }).name === clusterName);
      if (i < 0) throw new Error(`no cluster '${clusterName}' in the list; it has ${nameList(json)}`);
      json = json[i];
      root = `clusters[${i}]`;
    } else if (json.length === 1) {
      json = json[0];
      root = 'clusters[0]';
    } else {
      throw new Error(`the list has ${json.length} clusters (${nameList(json)}); pick one with --cluster-name NAME`);
    }
  } else if (clusterName !== undefined && json && typeof json === 'object' && (json as { name?: unknown }).name !== clusterName) {
    throw new Error(`the entry is named '${String((json as { name?: unknown }).name)}', not '${clusterName}'`);
  }
  const r = clusterProfileSchema.safeParse(json);
  if (!r.success) throw new Error(describeZodError(r.error, root).split('\n').join('; '));
  return r.data;
}
