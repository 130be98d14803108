/**
 * What the notebook renderer draws: the plan, live progress and the replica distribution per node
 * before and after. Cell outputs carry it under `RUNBOOK_MIME` next to the markdown table and the
 * JSON, so a reader without the renderer still sees the numbers. Validated with zod on both sides
 * (the renderer gets JSON from a cell output, which may come from an older version).
 */
import * as z from 'zod';

export const RUNBOOK_MIME = 'application/vnd.pegasus-ops.runbook+json';
export const RENDERER_ID = 'pegasus-ops.runbook-renderer';

const counts = z.object({ primaries: z.number().int().nonnegative(), secondaries: z.number().int().nonnegative() });
const bytes = z.number().nonnegative();

/** A node's data and disk as its replica server reported them, projected after the plan (bytes). */
export const nodeFillSchema = z.object({
  dataBefore: bytes,
  dataAfter: bytes,
  totalBytes: bytes,
  usedBefore: bytes,
  usedAfter: bytes,
});
export type NodeFillVisual = z.infer<typeof nodeFillSchema>;

export const distributionNodeSchema = z.object({
  address: z.string(),
  alive: z.boolean(),
  /** leaving: being removed; joining: being added; null: neither. */
  mark: z.enum(['leaving', 'joining']).nullable().optional(),
  before: counts,
  after: counts.optional(),
  /** Present when the node reported its disk. */
  fill: nodeFillSchema.optional(),
});
export type DistributionNode = z.infer<typeof distributionNodeSchema>;

export const distributionSchema = z.object({
  view: z.literal('distribution'),
  title: z.string(),
  /** "before"/"after" labels, e.g. "now" and "planned". */
  beforeLabel: z.string().default('before'),
  afterLabel: z.string().default('after'),
  nodes: z.array(distributionNodeSchema),
  /** The fill limit a staying node may not pass, and the warning level (percent), when nodes carry `fill`. */
  fillLimitPct: z.number().optional(),
  fillWarnPct: z.number().optional(),
});

export const planStepVisualSchema = z.object({
  label: z.string(),
  kind: z.string(),
  node: z.string().optional(),
  copies: z.number(),
  primariesMoved: z.number(),
  bytes: z.number(),
  seconds: z.number(),
  /** Alive/dead after the step and the freeze verdict under the threshold then in force. */
  alive: z.number(),
  dead: z.number(),
  pct: z.number(),
  frozen: z.boolean(),
  margin: z.number(),
  lowerPctTo: z.number().optional(),
  refused: z.string().optional(),
  /** Projected disk fill of the nodes receiving in this step (percent of their disks: now, and once this step and the ones before it are done). */
  fill: z.array(z.object({ node: z.string(), pctBefore: z.number(), pctAfter: z.number() })).optional(),
});

export const planVisualSchema = z.object({
  view: z.literal('plan'),
  title: z.string(),
  summary: z.array(z.object({ label: z.string(), value: z.string() })),
  steps: z.array(planStepVisualSchema),
  distribution: distributionSchema.optional(),
  problems: z.array(z.string()).default([]),
});

export const progressVisualSchema = z.object({
  view: z.literal('progress'),
  title: z.string(),
  message: z.string(),
  /** 0..1 when known. */
  fraction: z.number().min(0).max(1).optional(),
  state: z.enum(['running', 'succeeded', 'failed', 'cancelled']).default('running'),
  counters: z
    .array(z.object({ label: z.string(), value: z.number(), total: z.number().optional(), unit: z.string().optional() }))
    .default([]),
  elapsedMs: z.number().optional(),
  distribution: distributionSchema.optional(),
});

const tableSchema = z.object({
  title: z.string().optional(),
  columns: z.array(z.string()),
  rows: z.array(z.array(z.union([z.string(), z.number(), z.boolean(), z.null()]))),
  kind: z.enum(['grid', 'keyValue']).optional(),
});

/**
 * A command's whole result for the renderer: its tables (as the markdown alternative shows them)
 * and its picture when it has one. Editors pick a renderer's own mime over markdown and JSON, so
 * every result goes through the renderer; markdown and JSON stay as alternatives.
 */
export const resultVisualSchema = z.object({
  view: z.literal('result'),
  command: z.string(),
  ok: z.boolean(),
  summary: z.string().optional(),
  tables: z.array(tableSchema),
  /** Plain text when there are no tables (help, remote command output). */
  text: z.string().optional(),
  picture: z.discriminatedUnion('view', [distributionSchema, planVisualSchema, progressVisualSchema]).optional(),
});
export type ResultVisual = z.infer<typeof resultVisualSchema>;

export const visualSchema = z.discriminatedUnion('view', [distributionSchema, planVisualSchema, progressVisualSchema, resultVisualSchema]);
export type Visual = z.infer<typeof visualSchema>;
export type VisualInput = z.input<typeof visualSchema>;
export type DistributionVisual = z.infer<typeof distributionSchema>;
export type PlanVisual = z.infer<typeof planVisualSchema>;
export type ProgressVisual = z.infer<typeof progressVisualSchema>;

/** Minimal per-node role counts (the engine's `NodeLoad` fits). */
export interface LoadLike {
  readonly address: string;
  readonly alive: boolean;
  readonly primaries: number;
  readonly secondaries: number;
}

/**
 * Before/after distribution from two sets of per-node counts; nodes present in either appear,
 * sorted with leaving nodes first, then by address (stable, so pictures are comparable).
 */
export function distributionOf(
  title: string,
  before: Iterable<LoadLike>,
  after: Iterable<LoadLike> | undefined,
  marks: { leaving?: readonly string[]; joining?: readonly string[] } = {},
  labels: { before?: string; after?: string } = {},
): DistributionVisual {
  const b = new Map([...before].map((l) => [l.address, l]));
  const a = after ? new Map([...after].map((l) => [l.address, l])) : undefined;
  const leaving = new Set(marks.leaving ?? []);
  const joining = new Set(marks.joining ?? []);
  const addresses = [...new Set([...b.keys(), ...(a ? a.keys() : [])])];
  const rank = (x: string) => (leaving.has(x) ? 0 : joining.has(x) ? 2 : 1);
  addresses.sort((x, y) => rank(x) - rank(y) || x.localeCompare(y, 'en', { numeric: true }));
  return {
    view: 'distribution',
    title,
    beforeLabel: labels.before ?? 'before',
    afterLabel: labels.after ?? 'after',
    nodes: addresses.map((address) => {
      const nb = b.get(address);
      const na = a?.get(address);
      return {
        address,
        alive: (na ?? nb)?.alive ?? false,
        mark: leaving.has(address) ? 'leaving' : joining.has(address) ? 'joining' : null,
        before: { primaries: nb?.primaries ?? 0, secondaries: nb?.secondaries ?? 0 },
        ...(a ? { after: { primaries: na?.primaries ?? 0, secondaries: na?.secondaries ?? 0 } } : {}),
      };
    }),
  };
}

/** Parses a visual from cell output JSON; a readable error instead of a broken picture. */
export function parseVisual(json: unknown): { ok: true; visual: Visual } | { ok: false; error: string } {
  const r = visualSchema.safeParse(json);
  if (r.success) return { ok: true, visual: r.data };
  return { ok: false, error: r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') };
}
