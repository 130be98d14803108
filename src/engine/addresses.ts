/**
 * Checks that the addresses an operator typed are nodes the meta lists, and names the closest
 * known one when not (the usual mistake: an IP where the meta lists hostnames, or a wrong port).
 */
import { editDistance } from '../cluster/suggest';
import type { JournalRecord } from './journal';
import { nodeLoads } from './model';
import type { Refusal } from './notes';
import type { ClusterState } from './ports';

function splitHostPort(a: string): { host: string; port: string } {
  const i = a.lastIndexOf(':');
  return i < 0 ? { host: a, port: '' } : { host: a.slice(0, i), port: a.slice(i + 1) };
}

const isIp = (h: string): boolean => /^\d{1,3}(\.\d{1,3}){3}$/.test(h);

/** The known node most like `addr`: same port first, then the fewest character edits; ties by address. */
export function closestNode(addr: string, known: readonly string[]): string | undefined {
  const { port } = splitHostPort(addr);
  const samePort = known.filter((k) => splitHostPort(k).port === port);
  const pool = samePort.length ? samePort : known;
  return [...pool].sort((x, y) => editDistance(addr, x) - editDistance(addr, y) || (x < y ? -1 : 1))[0];
}

/** A node an earlier run stopped (and no later run started): the run and when its stop was done. */
export interface RemovedNode {
  readonly run: string;
  readonly at: string;
}

/** Nodes the journal says were stopped by a run and not started again since, in journal order. */
export function removedNodes(records: readonly JournalRecord[]): Map<string, RemovedNode> {
  const out = new Map<string, RemovedNode>();
  for (const r of records) {
    if (r.t !== 'step' || r.status !== 'done') continue;
    if (r.step.endsWith(':stop')) out.set(r.step.slice(0, -':stop'.length), { run: r.run, at: r.at });
    else if (r.step.endsWith(':start')) out.delete(r.step.slice(0, -':start'.length));
    else if (r.step.startsWith('add:') && r.detail) out.delete(r.detail);
  }
  return out;
}

/**
 * One refusal per address the meta does not list. A node an earlier run removed is said to be
 * not listed any more, with no "closest known": the nearest address to a removed node is a
 * healthy neighbour, and suggesting it would point the operator at a live member.
 */
export function unknownNodes(
  state: ClusterState,
  addrs: readonly string[],
  removed: ReadonlyMap<string, RemovedNode> = new Map(),
): Extract<Refusal, { code: 'not-a-node' }>[] {
  const known = state.nodes.map((n) => n.address);
  const set = new Set(known);
  const out: Extract<Refusal, { code: 'not-a-node' }>[] = [];
  for (const a of addrs) {
    if (set.has(a)) continue;
    const gone = removed.get(a);
    if (gone) {
      out.push({ code: 'not-a-node', node: a, known: known.length, removed: { run: gone.run, at: gone.at } });
      continue;
    }
    const near = closestNode(a, known);
    const h = splitHostPort(a).host;
    const mixed = near !== undefined && isIp(h) !== isIp(splitHostPort(near).host);
    out.push({
      code: 'not-a-node',
      node: a,
      known: known.length,
      ...(near ? { closest: near } : {}),
      ...(mixed ? { listedAs: isIp(h) ? ('hostname' as const) : ('ip' as const) } : {}),
      ...(known[0] ? { example: known[0] } : {}),
    });
  }
  return out;
}

/**
 * The addresses the meta lists ALIVE that already hold replicas: serving members, which a
 * scale-out cannot join. A replica server started for the scale-out is ALIVE and empty until the
 * rebalance: that one is what a scale-out is for.
 */
export function aliveMembers(state: ClusterState, addrs: readonly string[]): Extract<Refusal, { code: 'already-member' }>[] {
  const loads = nodeLoads(state);
  const serving = (a: string): boolean => {
    const l = loads.get(a);
    return !!l && l.alive && state.nodes.some((n) => n.address === a) && l.replicas > 0;
  };
  const nodes = [...new Set(addrs.filter(serving))];
  return nodes.length > 0 ? [{ code: 'already-member', nodes }] : [];
}
