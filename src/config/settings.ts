/**
 * Settings of the config language (`pegasus.config.*`) and the facts the editor adds about
 * clusters and runbooks. Validated field by field so one bad setting does not discard the rest.
 */
import * as z from 'zod';
import { serverVersionSchema } from './catalogue';

export const configSettingsSchema = z.object({
  /** Replica servers of the cluster these files belong to, when no cluster is connected. */
  nodeCount: z.number().int().min(1).nullable(),
  serverVersion: serverVersionSchema,
  /** How many node losses in a row the threshold must survive without freezing. */
  tolerateNodeLosses: z.number().int().min(0).max(1000),
  disabledRules: z.array(z.string()),
  validationDelayMs: z.number().int().min(0).max(10000),
  codeLens: z.boolean(),
  detectByContent: z.boolean(),
});
export type ConfigSettings = z.infer<typeof configSettingsSchema>;

export const DEFAULT_SETTINGS: ConfigSettings = {
  nodeCount: null,
  serverVersion: '2.6',
  tolerateNodeLosses: 1,
  disabledRules: [],
  validationDelayMs: 250,
  codeLens: true,
  detectByContent: true,
};

/** Reads raw settings; a bad field falls back to its default and is reported by name, value and fix. */
export function parseSettings(raw: unknown): { settings: ConfigSettings; problems: string[] } {
  const problems: string[] = [];
  const settings: Record<string, unknown> = { ...DEFAULT_SETTINGS };
  if (raw === null || raw === undefined) return { settings: { ...DEFAULT_SETTINGS }, problems };
  if (typeof raw !== 'object') {
    problems.push(`pegasus.config: expected an object of settings, got ${JSON.stringify(raw)}; using the defaults.`);
    return { settings: { ...DEFAULT_SETTINGS }, problems };
  }
  const shape = configSettingsSchema.shape;
  for (const [name, schema] of Object.entries(shape) as [keyof ConfigSettings, z.ZodType][]) {
    const value = (raw as Record<string, unknown>)[name];
    if (value === undefined) continue;
    const r = schema.safeParse(value);
    if (r.success) settings[name] = r.data;
    else
      problems.push(
        `pegasus.config.${name}: ${JSON.stringify(value)} is not valid (${r.error.issues[0]?.message ?? 'invalid'}); using ${JSON.stringify(DEFAULT_SETTINGS[name])}.`,
      );
  }
  return { settings: settings as ConfigSettings, problems };
}

/** A connected cluster's node counts, which the config analysis judges the freeze thresholds against. */
export const clusterNodeCountsSchema = z.object({
  name: z.string().min(1),
  alive: z.number().int().min(0),
  dead: z.number().int().min(0),
  /** Its meta servers as configured (host:port), so a config file naming them is judged against this cluster. */
  metaServers: z.array(z.string()).optional(),
  /** The server version the cluster reports, when the editor knows it; a config file that does not show its own version takes it. */
  version: serverVersionSchema.optional(),
});
export type ClusterNodeCounts = z.infer<typeof clusterNodeCountsSchema>;

/** A scale-in planned in an open runbook whose run is pending: how many nodes it removes before the meta restarts. */
export const runbookPlanSchema = z.object({
  uri: z.string(),
  cluster: z.string().optional(),
  removals: z.number().int().min(1),
  /** Zero-based line of the scale-in that reaches `removals`. */
  line: z.number().int().min(0),
  /** Zero-based index (among all cells) of the cell holding that scale-in, as the run log counts cells. */
  cell: z.number().int().min(0).optional(),
  /** Short label for messages, e.g. "scale-in.runbook.md line 12". */
  label: z.string(),
});
export type RunbookPlan = z.infer<typeof runbookPlanSchema>;

/** Payload of the `pegasus/context` notification from the editor to the language server. */
export const editorContextSchema = z.object({
  clusters: z.array(clusterNodeCountsSchema).default([]),
  activeCluster: z.string().optional(),
  runbookPlans: z.array(runbookPlanSchema).default([]),
});
export type EditorContext = z.infer<typeof editorContextSchema>;

export interface AnalysisContext {
  readonly settings: ConfigSettings;
  readonly clusters: readonly ClusterNodeCounts[];
  readonly activeCluster?: string | undefined;
  readonly runbookPlans: readonly RunbookPlan[];
}

export const DEFAULT_CONTEXT: AnalysisContext = { settings: DEFAULT_SETTINGS, clusters: [], runbookPlans: [] };
