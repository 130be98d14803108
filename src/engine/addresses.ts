/**
 * Checks that the addresses an operator typed are nodes the meta lists, and names the closest
 * known one when not (the usual mistake: an IP where the meta lists hostnames, or a wrong port).
 */
import type { Refusal } from './notes';
import type { ClusterState } from './ports';

function splitHostPort(a: string): { host: string; port: string } {
  const i = a.lastIndexOf(':');
  return i < 0 ? { host: a, port: '' } : { host: a.slice(0, i), port: a.slice(i + 1) };
}

const isIp = (h: string): boolean => /^\d{1,3}(\.\d{1,3}){3}$/.test(h);

function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** The known node most like `addr`: same port first, then the fewest character edits; ties by address. */
export function closestNode(addr: string, known: readonly string[]): string | undefined {
  const { port } = splitHostPort(addr);
  const samePort = known.filter((k) => splitHostPort(k).port === port);
  const pool = samePort.length ? samePort : known;
  return [...pool].sort((x, y) => distance(addr, x) - distance(addr, y) || (x < y ? -1 : 1))[0];
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
