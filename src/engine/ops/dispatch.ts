/** Which steps each operation spec runs: the single-step operations here, scale-in/out and migrate in their modules (run/resume/restore are in engine.ts). */
import type { ScalePlan } from '../plan';
import { scaleIn, recheckDrained, prepareScaleIn } from './scaleIn';
import { scaleOut } from './scaleOut';
import { migrate } from './migrate';
import { drainPrimaries, drainReplicas } from './drain';
import { stopOne, waitNodeAlive, waitHealthy } from './nodeSteps';
import { rebalanceBody } from './rebalance';
import { restartMetas } from './metaRestart';
import type { OperationSpec, RunCtx } from '../types';
import type { OpContext } from '../context';

export async function body(cx: OpContext, spec: OperationSpec, rc: RunCtx, plan: ScalePlan | undefined): Promise<unknown> {
  switch (spec.op) {
    case 'scale-in':
      await scaleIn(cx, rc, spec.nodes, plan);
      return undefined;
    case 'scale-out':
      return await scaleOut(cx, rc, spec);
    case 'migrate':
      return await migrate(cx, rc, spec, plan);
    case 'drain-node':
      rc.excluded = new Set([spec.node]);
      await prepareScaleIn(cx, rc, [spec.node]);
      await recheckDrained(cx, rc, spec.node);
      await cx.step(rc, `${spec.node}:primaries`, () => drainPrimaries(cx, rc, spec.node, 0));
      await cx.step(rc, `${spec.node}:replicas`, () => drainReplicas(cx, rc, spec.node, 0));
      return undefined;
    case 'stop-node':
      await cx.step(rc, `${spec.node}:stop`, () => stopOne(cx, rc, spec.node, { force: !!spec.force }));
      return undefined;
    case 'start-node':
      await cx.step(rc, `${spec.node}:start`, async () => {
        await cx.deps.control.startNode(spec.node, rc.signal);
        await waitNodeAlive(cx, rc, spec.node);
        return `${spec.node} ALIVE`;
      });
      return undefined;
    case 'wait-healthy':
      await cx.step(rc, 'healthy', () => waitHealthy(cx, rc, spec.timeoutMs ?? cx.timeouts.healthyMs, 'every partition healthy'));
      return undefined;
    case 'rebalance':
      await cx.step(rc, 'rebalance', () => rebalanceBody(cx, rc));
      return undefined;
    case 'restart-meta':
      await restartMetas(cx, rc);
      return undefined;
    case 'restore-settings':
      return undefined; // the common epilogue restores
  }
}
