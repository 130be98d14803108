/**
 * Checks that the addresses an operator typed are nodes the meta lists, and names the closest
 * known one when not (the usual mistake: an IP where the meta lists hostnames, or a wrong port).
 */
import { editDistance } from '../cluster/suggest';
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

/** One sentence per address the meta does not list, naming the closest known node; empty when all are known. */
export function unknownNodes(state: ClusterState, addrs: readonly string[]): Extract<Refusal, { code: 'not-a-node' }>[] {
  const known = state.nodes.map((n) => n.address);
  const set = new Set(known);
  const out: Extract<Refusal, { code: 'not-a-node' }>[] = [];
  for (const a of addrs) {
    if (set.has(a)) continue;
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
