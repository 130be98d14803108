/** Scale-in: nodes leave one at a time (drain, stop, gone, healthy), overlapping only a drain with the previous failure-detection wait. */
import { replicasOn } from '../model';
import type { ScalePlan } from '../plan';
import { setSetting } from '../settings';
import { drainPrimaries, drainReplicas } from './drain';
import { stopOne, waitNodeGone, waitHealthy } from './nodeSteps';
import { balancePrimaries } from './rebalance';
import type { RunCtx } from '../types';
import type { ScaleEngine } from '../engine';

/** Scale-in: every leaving node black-listed, removed one at a time, then the primaries evened out. */
export async function scaleIn(eng: ScaleEngine, rc: RunCtx, nodes: readonly string[], plan: ScalePlan | undefined): Promise<void> {
  rc.excluded = new Set(nodes);
  await scaleInNodes(eng, rc, nodes, plan);
  // A drained node's primaries can only go to that partition's secondaries, so they pile up
  // on a few nodes; role switches (no copy) even them out per table.
  await eng.step(rc, 'primaries-balance', () => balancePrimaries(eng, rc));
}

/**
 * One node at a time: drain, stop, confirm gone, every partition healthy, then the next stop.
 * The only overlap: while the meta's failure detector takes its grace period to see a stopped
 * (already empty) node gone, the next node's replicas are already being moved. Moving replicas
 * kills nothing, the stopped node holds nothing and is black-listed, and the next stop still
 * waits until the previous node is confirmed gone and every partition is healthy, so the freeze
 * guard always counts exactly what the meta counts.
 */
export async function scaleInNodes(eng: ScaleEngine, rc: RunCtx, nodes: readonly string[], plan: ScalePlan | undefined): Promise<void> {
  await prepareScaleIn(eng, rc, nodes);
  let stopping: string | undefined;
  for (const node of nodes) {
    const planned = plan?.steps.find((s) => s.kind === 'drain' && s.node === node);
    await recheckDrained(eng, rc, node);
    if (stopping && !rc.finished.has(`${stopping}:gone`)) {
      eng.emit({
        kind: 'info',
        message: `draining ${node} while ${stopping}'s failure detection runs (${stopping} holds 0 replicas; ${node} is stopped only once the meta sees ${stopping} gone and every partition is healthy)`,
      });
    }
    await eng.step(rc, `${node}:primaries`, () => drainPrimaries(eng, rc, node, planned?.primariesMoved ?? 0));
    await eng.step(rc, `${node}:replicas`, () => drainReplicas(eng, rc, node, planned?.bytes ?? 0, planned?.seconds ?? 0));
    if (stopping) await finishRemoval(eng, rc, stopping);
    await eng.step(rc, `${node}:stop`, () => stopOne(eng, rc, node, false, false, true));
    stopping = node;
  }
  if (stopping) await finishRemoval(eng, rc, stopping);
}

/**
 * On resume the journal's "done" for a drain step is checked against the live placement: while
 * the run was interrupted something (the balancer, cure) may have put primaries or replicas back
 * on the node. Such a step runs again instead of being reported "already done".
 */
export async function recheckDrained(eng: ScaleEngine, rc: RunCtx, node: string): Promise<void> {
  const pri = `${node}:primaries`;
  const rep = `${node}:replicas`;
  if (!rc.finished.has(pri) && !rc.finished.has(rep)) return;
  // A node already stopped holds nothing that a drain could move.
  if (rc.finished.has(`${node}:stop`)) return;
  const s = await eng.readState(rc);
  const hosted = replicasOn(s, node);
  const primaries = hosted.filter((h) => h.role === 'primary').length;
  if (rc.finished.has(pri) && primaries > 0) {
    rc.finished.delete(pri);
    eng.emit({
      kind: 'warning',
      message: `${pri}: the journal says done, but ${node} holds ${primaries} primar${primaries === 1 ? 'y' : 'ies'} again (placed there while the run was interrupted); moving them again`,
    });
  }
  if (rc.finished.has(rep) && hosted.length > 0) {
    rc.finished.delete(rep);
    eng.emit({
      kind: 'warning',
      message: `${rep}: the journal says done, but ${node} holds ${hosted.length} replica(s) again (placed there while the run was interrupted); moving them again`,
    });
  }
}

export async function finishRemoval(eng: ScaleEngine, rc: RunCtx, node: string): Promise<void> {
  await eng.step(rc, `${node}:gone`, async () => {
    await waitNodeGone(eng, rc, node);
    return `${node} seen UNALIVE`;
  });
  await eng.step(rc, `${node}:healthy`, () => waitHealthy(eng, rc, eng.t.healthyMs, `every partition healthy after removing ${node}`));
  if (eng.d.control.cleanupNode) {
    await eng.step(rc, `${node}:cleanup`, async () => {
      await eng.d.control.cleanupNode!(node, rc.signal);
      return `cleanup ran for ${node}`;
    });
  }
}

export async function prepareScaleIn(eng: ScaleEngine, rc: RunCtx, nodes: readonly string[]): Promise<void> {
  await eng.step(
    rc,
    'level',
    async () => {
      await setSetting(eng, rc, 'meta_level', 'steady', 'no balancer while nodes leave');
      return 'meta level steady';
    },
    true,
  );
  await eng.step(
    rc,
    'blacklist',
    async () => {
      const bl = [...new Set(nodes)].join(',');
      await setSetting(eng, rc, 'meta.lb.assign_secondary_black_list', bl, 'cure must never place a replica on a leaving node');
      return `black list ${bl}`;
    },
    true,
  );
  await eng.step(
    rc,
    'delay',
    async () => {
      await setSetting(
        eng,
        rc,
        'meta.lb.assign_delay_ms',
        String(eng.o.assignDelayMs),
        'if a leaving node dies early its replicas are re-created at once',
      );
      return `assign delay ${eng.o.assignDelayMs} ms`;
    },
    true,
  );
}
