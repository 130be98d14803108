/** Scale-out: start the new nodes (or add them through the simulator) and wait until each is ALIVE. */
import { setSetting } from '../settings';
import { waitNodeAlive } from './nodeSteps';
import { rebalanceBody } from './rebalance';
import { EngineError, type OperationSpec, type RunCtx } from '../types';
import type { OpContext } from '../context';

export async function scaleOut(cx: OpContext, rc: RunCtx, spec: Extract<OperationSpec, { op: 'scale-out' }>): Promise<{ added: string[] }> {
  const nodes = await startNodes(cx, rc, spec.nodes ?? [], spec.count ?? 0);
  if (spec.rebalance !== false) await cx.step(rc, 'rebalance', () => rebalanceBody(cx, rc));
  return { added: nodes };
}

export async function startNodes(cx: OpContext, rc: RunCtx, nodes: readonly string[], count: number): Promise<string[]> {
  await cx.step(
    rc,
    'level',
    async () => {
      return (await setSetting(cx, rc, 'meta_level', 'steady', { code: 'no-balancer-while-joining' })) ? '' : 'meta level already steady';
    },
    { always: true },
  );
  const out = [...nodes];
  for (let i = 1; i <= count; i++) {
    const id = `add:${i}`;
    if (rc.finished.has(id)) {
      const addr = cx.deps.journal.stepDetail(rc.run, id);
      if (addr) out.push(addr);
      continue;
    }
    if (!cx.deps.control.addNode)
      throw new EngineError(
        `scale-out by count needs a node control that can add nodes (the simulator); name the nodes instead (${cx.deps.control.kind} control)`,
      );
    const addr = await cx.step(rc, id, async () => {
      const a = await cx.deps.control.addNode!(rc.signal);
      rc.added.push(a);
      return a;
    });
    out.push(addr);
  }
  for (const node of out) {
    await cx.step(rc, `${node}:start`, async () => {
      const s = await cx.readState(rc);
      if (s.nodes.some((n) => n.address === node && n.alive)) return `${node} already ALIVE`;
      await cx.deps.control.startNode(node, rc.signal);
      return `start issued for ${node}`;
    });
    await cx.step(rc, `${node}:alive`, () => waitNodeAlive(cx, rc, node));
  }
  return out;
}
