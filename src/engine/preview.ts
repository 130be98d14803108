/**
 * What a run is about to do, read before it is confirmed (nothing is changed): every setting it
 * will change and to what, every warning of the plan and pre-flight, the pre-flight verdict, and on
 * resume the steps already done. A run with nothing to change needs no confirmation.
 */
import type { OpContext } from './context';
import type { Note, Refusal } from './notes';
import type { ScalePlan } from './plan';
import type { SettingName } from './ports';
import { preflightReport } from './preflight';
import { leftOpen } from './settings';
import type { OperationSpec, SettingLeft } from './types';

/** A setting the run will change: its value now and the one the run sets. */
export interface SettingChange {
  readonly name: SettingName;
  readonly from: string;
  readonly to: string;
  /** Not given back at the end: only a meta restart brings the config value back (meta.live_percentage). */
  readonly untilMetaRestart?: boolean;
}

export interface ChangePreview {
  readonly op: OperationSpec['op'];
  readonly settings: readonly SettingChange[];
  readonly warnings: readonly Note[];
  /** The pre-flight verdict: empty when the run may start. */
  readonly refusals: readonly Refusal[];
  /** Resuming: the journal's run and its finished steps (skipped). */
  readonly resuming?: { readonly run: string; readonly done: readonly string[] };
  /** restore-settings: what it gives back. */
  readonly restores?: readonly SettingLeft[];
  /** Nothing would change: no confirmation is needed. */
  readonly nothingToChange: boolean;
}

const BLACK_LIST: SettingName = 'meta.lb.assign_secondary_black_list';

/** The preview of `spec`; `plan` is the engine's plan of it (scale operations). */
export async function previewChange(
  cx: OpContext,
  spec: OperationSpec,
  o: { resume?: boolean; signal?: AbortSignal; plan?: (signal?: AbortSignal) => Promise<ScalePlan> },
): Promise<ChangePreview> {
  const j = cx.deps.journal;
  if (spec.op === 'restore-settings') {
    const restores = leftOpen(cx);
    return { op: spec.op, settings: [], warnings: [], refusals: [], restores, nothingToChange: restores.length === 0 };
  }
  const r = o.resume ? j.resumableRun() : undefined;
  const resumable = r && r.op === spec.op && JSON.stringify(r.params) === JSON.stringify(spec) ? r : undefined;
  const resuming = resumable ? { run: resumable.run, done: [...j.finishedSteps(resumable.run)] } : undefined;
  if (spec.op === 'restart-meta' || spec.op === 'wait-healthy') {
    return { op: spec.op, settings: [], warnings: [], refusals: [], ...(resuming ? { resuming } : {}), nothingToChange: false };
  }
  const report = await preflightReport(cx, spec, o.signal, resuming?.run);
  const plan = (spec.op === 'scale-in' || spec.op === 'scale-out' || spec.op === 'migrate') && o.plan ? await o.plan(o.signal) : undefined;
  const settings = await settingChanges(cx, spec, plan, o.signal);
  const warnings = dedupe([...report.warnings, ...(plan?.notes ?? []).filter((n) => n.code !== 'min-live-read')]);
  const refusals = [...report.refusals, ...(resuming ? [] : (plan?.problems ?? []))];
  return { op: spec.op, settings, warnings, refusals, ...(resuming ? { resuming } : {}), nothingToChange: false };
}

/** The settings a scale operation sets, with the value each has now (the engine's prepare steps and freeze guard). */
async function settingChanges(
  cx: OpContext,
  spec: OperationSpec,
  plan: ScalePlan | undefined,
  signal?: AbortSignal,
): Promise<SettingChange[]> {
  const leaving = spec.op === 'scale-in' ? spec.nodes : spec.op === 'migrate' ? spec.from : spec.op === 'drain-node' ? [spec.node] : [];
  const out: SettingChange[] = [];
  const now = async (name: SettingName): Promise<string> => {
    try {
      return await cx.deps.cluster.getSetting(name, signal);
    } catch {
      return '?';
    }
  };
  const add = async (name: SettingName, to: string, extra: Partial<SettingChange> = {}): Promise<void> => {
    const from = await now(name);
    if (from !== to) out.push({ name, from, to, ...extra });
  };
  if (leaving.length > 0) {
    await add('meta_level', 'steady');
    await add(BLACK_LIST, [...new Set(leaving)].join(','));
    await add('meta.lb.assign_delay_ms', String(cx.options.assignDelayMs));
  }
  if (plan && plan.pctLowest < plan.pctBefore)
    out.push({ name: 'meta.live_percentage', from: String(plan.pctBefore), to: String(plan.pctLowest), untilMetaRestart: true });
  if (spec.op === 'rebalance' || spec.op === 'migrate' || (spec.op === 'scale-out' && spec.rebalance !== false)) {
    await add('meta.lb.only_move_primary', 'true');
    out.push({ name: 'meta_level', from: leaving.length > 0 ? 'steady' : await now('meta_level'), to: 'lively' });
  }
  return out;
}

function dedupe(ns: readonly Note[]): Note[] {
  const seen = new Set<string>();
  return ns.filter((n) => {
    const k = JSON.stringify(n);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
