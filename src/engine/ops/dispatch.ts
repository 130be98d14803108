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
import type { ScaleEngine } from '../engine';

export async function body(eng: ScaleEngine, spec: OperationSpec, rc: RunCtx, plan: ScalePlan | undefined): Promise<unknown> {
  switch (spec.op) {
    case 'scale-in':
      await scaleIn(eng, rc, spec.nodes, plan);
      return undefined;
    case 'scale-out':
      return await scaleOut(eng, rc, spec);
    case 'migrate':
      return await migrate(eng, rc, spec, plan);
    case 'drain-node':
      rc.excluded = new Set([spec.node]);
      await prepareScaleIn(eng, rc, [spec.node]);
      await recheckDrained(eng, rc, spec.node);
      await eng.step(rc, `${spec.node}:primaries`, () => drainPrimaries(eng, rc, spec.node, 0));
      await eng.step(rc, `${spec.node}:replicas`, () => drainReplicas(eng, rc, spec.node, 0));
      return undefined;
    case 'stop-node':
      await eng.step(rc, `${spec.node}:stop`, () => stopOne(eng, rc, spec.node, !!spec.force));
      return undefined;
    case 'start-node':
      await eng.step(rc, `${spec.node}:start`, async () => {
        await eng.d.control.startNode(spec.node, rc.signal);
        await waitNodeAlive(eng, rc, spec.node);
        return `${spec.node} ALIVE`;
      });
      return undefined;
    case 'wait-healthy':
      await eng.step(rc, 'healthy', () => waitHealthy(eng, rc, spec.timeoutMs ?? eng.t.healthyMs, 'every partition healthy'));
      return undefined;
    case 'rebalance':
      await eng.step(rc, 'rebalance', () => rebalanceBody(eng, rc));
      return undefined;
    case 'restart-meta':
      await restartMetas(eng, rc);
      return undefined;
    case 'restore-settings':
      return undefined; // the common epilogue restores
  }
}
