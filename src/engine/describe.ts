/** The cluster after a run as counts: what an operator needs to know after success, failure or cancel (worded by the surfaces). */
import { aliveDead, nodeLoads, unhealthyPartitions } from './model';
import type { ClusterState } from './ports';
import type { StateSummary } from './types';

export function summarizeState(s: ClusterState, leaving: ReadonlySet<string> = new Set()): StateSummary {
  const u = unhealthyPartitions(s);
  const loads = nodeLoads(s);
  return {
    leader: s.leader,
    level: s.effectiveLevel,
    ...aliveDead(s),
    unhealthy: u.length,
    unhealthySample: u.slice(0, 3).map((x) => ({ gpid: x.gpid, health: x.health })),
    nodes: [...leaving].map((node) => {
      const l = loads.get(node);
      return l ? { node, listed: true, alive: l.alive, replicas: l.replicas, primaries: l.primaries } : { node, listed: false };
    }),
  };
}
