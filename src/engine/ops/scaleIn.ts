/** Scale-in: nodes leave one at a time (drain, stop, gone, healthy), overlapping only a drain with the previous failure-detection wait. */
import { replicasOn } from '../model';
import type { ScalePlan } from '../plan';
import { otherNodes, sameValue, setSetting } from '../settings';
import type { ForeignValue } from '../notes';
import { drainPrimaries, drainReplicas } from './drain';
import { stopOne, waitNodeGone, waitHealthy } from './nodeSteps';
import { balancePrimaries } from './rebalance';
import { RefusedError, type RunCtx } from '../types';
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

/**
 * The black list goes first and is the claim on the cluster: it is the one mark that names a run's
 * nodes. A run that finds someone else's black list or lowered delay stops before changing anything;
 * two runs that both found none both write theirs, and after one poll the one whose list is still
 * there goes on while the other stops, having changed nothing that it still owns.
 */
export async function prepareScaleIn(cx: OpContext, rc: RunCtx, nodes: readonly string[]): Promise<void> {
  await cx.step(rc, 'blacklist', () => claimBlackList(cx, rc, nodes), { always: true });
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
    'delay',
    async () => {
      return (await setSetting(cx, rc, 'meta.lb.assign_delay_ms', String(cx.options.assignDelayMs), { code: 'fast-cure' }))
        ? ''
        : `assign delay already ${cx.options.assignDelayMs} ms`;
    },
    { always: true },
  );
}

const BLACK_LIST = 'meta.lb.assign_secondary_black_list';

async function claimBlackList(cx: OpContext, rc: RunCtx, nodes: readonly string[]): Promise<string> {
  const bl = [...new Set(nodes)].join(',');
  const mine = new Set(nodes);
  const owned = new Set(cx.deps.journal.openSettings(rc.run).map((s) => s.name));
  const found = await cx.retrying(rc, `reading ${BLACK_LIST}`, () => cx.deps.cluster.getSetting(BLACK_LIST, rc.signal));
  const marks: ForeignValue[] = [];
  // What this run set itself (a resume) is no one else's mark.
  if (!owned.has(BLACK_LIST) && found.trim() && !sameValue(BLACK_LIST, found, bl)) marks.push({ name: BLACK_LIST, ours: '', found });
  if (!owned.has('meta.lb.assign_delay_ms')) {
    const delay = await cx.retrying(rc, 'reading meta.lb.assign_delay_ms', () =>
      cx.deps.cluster.getSetting('meta.lb.assign_delay_ms', rc.signal),
    );
    if (Number(delay) < cx.options.lowDelayThresholdMs) marks.push({ name: 'meta.lb.assign_delay_ms', ours: '', found: delay });
  }
  if (marks.length) throw new RefusedError([{ code: 'another-operation', marks, nodes: otherNodes(found, mine) }]);
  if (sameValue(BLACK_LIST, found, bl)) return `black list already ${bl}`;
  // Journaled with the value this claim checked: a run writing in between must not become "the value before" to restore.
  cx.deps.journal.append({ t: 'setting', name: BLACK_LIST, before: found, after: bl, why: 'leaving-black-list' }, cx.date());
  await cx.retrying(rc, `setting ${BLACK_LIST}`, () => cx.deps.cluster.setSetting(BLACK_LIST, bl, rc.signal));
  cx.emit({ kind: 'setting', name: BLACK_LIST, from: found, to: bl, why: { code: 'leaving-black-list' } });
  // Read back after one poll: a run that wrote at the same moment has written by then; the last writer keeps the cluster.
  await cx.clock.sleep(cx.options.pollIntervalMs, rc.signal);
  const after = await cx.retrying(rc, `reading ${BLACK_LIST}`, () => cx.deps.cluster.getSetting(BLACK_LIST, rc.signal));
  if (!sameValue(BLACK_LIST, after, bl)) {
    rc.foreign.set(BLACK_LIST, after);
    cx.deps.journal.append({ t: 'event', kind: 'foreign-change', message: `${BLACK_LIST}=${after} (this run set ${bl})` }, cx.date());
    throw new RefusedError([
      { code: 'another-operation', marks: [{ name: BLACK_LIST, ours: bl, found: after }], nodes: otherNodes(after, mine) },
    ]);
  }
  return '';
}
