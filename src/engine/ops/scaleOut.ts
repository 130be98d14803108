/** Scale-out: start the new nodes (or add them through the simulator) and wait until each is ALIVE. */
import { setSetting } from '../settings';
import { waitNodeAlive } from './nodeSteps';
import { rebalanceBody } from './rebalance';
import { EngineError, type OperationSpec, type RunCtx } from '../types';
import type { ScaleEngine } from '../engine';

export async function scaleOut(
  eng: ScaleEngine,
  rc: RunCtx,
  spec: Extract<OperationSpec, { op: 'scale-out' }>,
): Promise<{ added: string[] }> {
  const nodes = await startNodes(eng, rc, spec.nodes ?? [], spec.count ?? 0);
  if (spec.rebalance !== false) await eng.step(rc, 'rebalance', () => rebalanceBody(eng, rc));
  return { added: nodes };
}

export async function startNodes(eng: ScaleEngine, rc: RunCtx, nodes: readonly string[], count: number): Promise<string[]> {
  await eng.step(
    rc,
    'level',
    async () => {
      await setSetting(eng, rc, 'meta_level', 'steady', 'no balancer until every new node is up');
      return 'meta level steady';
    },
    true,
  );
  const out = [...nodes];
  for (let i = 1; i <= count; i++) {
    const id = `add:${i}`;
    if (rc.finished.has(id)) {
      const addr = eng.d.journal.stepDetail(rc.run, id);
      if (addr) out.push(addr);
      continue;
    }
    if (!eng.d.control.addNode)
      throw new EngineError(
        `scale-out by count needs a node control that can add nodes (the simulator); name the nodes instead (${eng.d.control.kind} control)`,
      );
    const addr = await eng.step(rc, id, async () => {
      const a = await eng.d.control.addNode!(rc.signal);
      rc.added.push(a);
      return a;
    });
    out.push(addr);
  }
  for (const node of out) {
    await eng.step(rc, `${node}:start`, async () => {
      const s = await eng.readState(rc);
      if (s.nodes.some((n) => n.address === node && n.alive)) return `${node} already ALIVE`;
      await eng.d.control.startNode(node, rc.signal);
      return `start issued for ${node}`;
    });
    await eng.step(rc, `${node}:alive`, () => waitNodeAlive(eng, rc, node));
  }
  return out;
}
