/** Migration: the new nodes join first, so the leaving nodes' replicas land on them (the least loaded), then one rebalance. */
import type { ScalePlan } from '../plan';
import { scaleInNodes } from './scaleIn';
import { startNodes } from './scaleOut';
import { rebalanceBody } from './rebalance';
import type { OperationSpec, RunCtx } from '../types';
import type { OpContext } from '../context';

export async function migrate(
  cx: OpContext,
  rc: RunCtx,
  spec: Extract<OperationSpec, { op: 'migrate' }>,
  plan: ScalePlan | undefined,
): Promise<{ added: string[] }> {
  const nodes = await startNodes(cx, rc, spec.to ?? [], spec.count ?? 0);
  rc.excluded = new Set(spec.from);
  await scaleInNodes(cx, rc, spec.from, plan);
  await cx.step(rc, 'rebalance', () => rebalanceBody(cx, rc));
  return { added: nodes };
}
