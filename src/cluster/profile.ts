/**
 * A cluster as the operator configures it: one entry of the `pegasus.clusters` setting, of the
 * CLI's `--cluster`, and of a runbook's front matter reference. Validated with zod at every boundary.
 */
import { z } from 'zod';
import { HOST_PORT_PATTERN } from './address';

const hostPort = z
  .string()
  .regex(HOST_PORT_PATTERN, 'expected host:port, for example 10.0.0.1:34601');

/** Argv templates run without a shell; placeholders such as {host}, {port}, {address} are filled per node. */
const argv = z
  .array(z.string().min(1))
  .min(1, 'an argv template needs at least the program name')
  // Checked when the settings are read, not first when a node is stopped (the engine checks again).
  .superRefine((a, ctx) => {
    a.forEach((arg, i) => {
      for (const m of arg.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) {
        if (!['host', 'port', 'address'].includes(m[1]!)) ctx.addIssue({ code: 'custom', path: [i], message: `unknown placeholder {${m[1]}} in ${JSON.stringify(arg)}; use {host}, {port} or {address}` });
      }
    });
    if (a[0] && /\{[A-Za-z_][A-Za-z0-9_]*\}/.test(a[0])) ctx.addIssue({ code: 'custom', path: [0], message: `the program (${JSON.stringify(a[0])}) must be fixed, not a placeholder` });
  });

export const nodeControlSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('command'),
    stop: argv,
    start: argv,
    /** Runs once a node is confirmed gone and every partition is healthy again. */
    cleanup: argv.optional(),
    /** Restarts one meta server ({host}, {port}, {address} of that meta). */
    restartMeta: argv.optional(),
  }),
  z.object({ kind: z.literal('manual') }),
  z.object({ kind: z.literal('simulator'), control: z.string().url('expected the simulator control URL, for example http://127.0.0.1:34700') }),
]);
export type NodeControlConfig = z.infer<typeof nodeControlSchema>;

export const clusterProfileSchema = z.object({
  name: z.string().min(1, 'a cluster needs a name'),
  metaServers: z.array(hostPort).min(1, 'list at least one meta server as host:port'),
  nodeControl: nodeControlSchema.optional(),
  production: z.boolean().optional(),
});
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
