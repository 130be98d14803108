/**
 * Checks that the addresses an operator typed are nodes the meta lists, and names the closest
 * known one when not (the usual mistake: an IP where the meta lists hostnames, or a wrong port).
 */
import { editDistance } from '../cluster/suggest';
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
export function unknownNodes(state: ClusterState, addrs: readonly string[]): string[] {
  const known = state.nodes.map((n) => n.address);
  const set = new Set(known);
  const out: string[] = [];
  for (const a of addrs) {
    if (set.has(a)) continue;
    const near = closestNode(a, known);
    const h = splitHostPort(a).host;
    const mix =
      near && isIp(h) !== isIp(splitHostPort(near).host)
        ? ` (the meta lists nodes by ${isIp(h) ? 'hostname' : 'IP address'}: use the form nodes -d prints)`
        : '';
    out.push(`${a} is not a node of this cluster (the meta lists ${known.length} node(s)${near ? `; closest known: ${near}` : ''})${mix}`);
  }
  return out;
}
