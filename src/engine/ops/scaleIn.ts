/** Scale-in: nodes leave one at a time (drain, stop, gone, healthy), overlapping only a drain with the previous failure-detection wait. */
import { replicasOn } from '../model';
import type { ScalePlan } from '../plan';
import { setSetting } from '../settings';
import { drainPrimaries, drainReplicas } from './drain';
import { stopOne, waitNodeGone, waitHealthy } from './nodeSteps';
import { balancePrimaries } from './rebalance';
import type { RunCtx } from '../types';
import type { OpContext } from '../context';

/** Scale-in: every leaving node black-listed, removed one at a time, then the primaries evened out. */
export async function scaleIn(cx: OpContext, rc: RunCtx, nodes: readonly string[], plan: ScalePlan | undefined): Promise<void> {
  rc.excluded = new Set(nodes);
  await scaleInNodes(cx, rc, nodes, plan);
  // A drained node's primaries can only go to that partition's secondaries, so they pile up
  // on a few nodes; role switches (no copy) even them out per table.
  await cx.step(rc, 'primaries-balance', () => balancePrimaries(cx, rc));
}

/**
 * One node at a time: drain, stop, confirm gone, every partition healthy, then the next stop.
 * The only overlap: while the meta's failure detector takes its grace period to see a stopped
 * (already empty) node gone, the next node's replicas are already being moved. Moving replicas
 * kills nothing, the stopped node holds nothing and is black-listed, and the next stop still
 * waits until the previous node is confirmed gone and every partition is healthy, so the freeze
 * guard always counts exactly what the meta counts.
 */
export async function scaleInNodes(cx: OpContext, rc: RunCtx, nodes: readonly string[], plan: ScalePlan | undefined): Promise<void> {
  await prepareScaleIn(cx, rc, nodes);
  let stopping: string | undefined;
  for (const node of nodes) {
    const planned = plan?.steps.find((s) => s.kind === 'drain' && s.node === node);
    await recheckDrained(cx, rc, node);
    if (stopping && !rc.finished.has(`${stopping}:gone`)) {
      cx.emit({ kind: 'info', note: { code: 'drain-overlaps', node, previous: stopping } });
    }
    await cx.step(rc, `${node}:primaries`, () => drainPrimaries(cx, rc, node, planned?.primariesMoved ?? 0));
    await cx.step(rc, `${node}:replicas`, () => drainReplicas(cx, rc, node, planned?.bytes ?? 0, planned?.seconds ?? 0));
    if (stopping) await finishRemoval(cx, rc, stopping);
    await cx.step(rc, `${node}:stop`, () => stopOne(cx, rc, node, { waitGone: false, redrain: true }));
    stopping = node;
  }
  if (stopping) await finishRemoval(cx, rc, stopping);
}

/**
 * On resume the journal's "done" for a drain step is checked against the live placement: while
 * the run was interrupted something (the balancer, cure) may have put primaries or replicas back
 * on the node. Such a step runs again instead of being reported "already done".
 */
export async function recheckDrained(cx: OpContext, rc: RunCtx, node: string): Promise<void> {
  const pri = `${node}:primaries`;
  const rep = `${node}:replicas`;
  if (!rc.finished.has(pri) && !rc.finished.has(rep)) return;
  // A node already stopped holds nothing that a drain could move.
  if (rc.finished.has(`${node}:stop`)) return;
  const s = await cx.readState(rc);
  const hosted = replicasOn(s, node);
  const primaries = hosted.filter((h) => h.role === 'primary').length;
  if (rc.finished.has(pri) && primaries > 0) {
    rc.finished.delete(pri);
    cx.emit({ kind: 'warning', note: { code: 'drain-again', step: pri, node, primaries } });
  }
  if (rc.finished.has(rep) && hosted.length > 0) {
    rc.finished.delete(rep);
    cx.emit({ kind: 'warning', note: { code: 'drain-again', step: rep, node, replicas: hosted.length } });
  }
}

export async function finishRemoval(cx: OpContext, rc: RunCtx, node: string): Promise<void> {
  await cx.step(rc, `${node}:gone`, async () => {
    await waitNodeGone(cx, rc, node);
    return `${node} seen UNALIVE`;
  });
  await cx.step(rc, `${node}:healthy`, () => waitHealthy(cx, rc, cx.timeouts.healthyMs, `every partition healthy after removing ${node}`));
  if (cx.deps.control.cleanupNode) {
    await cx.step(rc, `${node}:cleanup`, async () => {
      await cx.deps.control.cleanupNode!(node, rc.signal);
      return `cleanup ran for ${node}`;
    });
  }
}

export async function prepareScaleIn(cx: OpContext, rc: RunCtx, nodes: readonly string[]): Promise<void> {
  await cx.step(
    rc,
    'level',
    async () => {
      // A change was told by its setting event; only "already so" is news.
      return (await setSetting(cx, rc, 'meta_level', 'steady', { code: 'no-balancer-while-leaving' })) ? '' : 'meta level already steady';
    },
    { always: true },
  );
  await cx.step(
    rc,
    'blacklist',
    async () => {
      const bl = [...new Set(nodes)].join(',');
      return (await setSetting(cx, rc, 'meta.lb.assign_secondary_black_list', bl, { code: 'leaving-black-list' }))
        ? ''
        : `black list already ${bl}`;
    },
    { always: true },
  );
  await cx.step(
    rc,
    'delay',
    async () => {
      return (await setSetting(cx, rc, 'meta.lb.assign_delay_ms', String(cx.options.assignDelayMs), { code: 'fast-cure' }))
        ? ''
        : `assign delay already ${cx.options.assignDelayMs} ms`;
    },
    { always: true },
  );
}
