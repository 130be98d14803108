/** Plain-words summaries of the cluster and of the settings a run left changed. */
import { aliveDead, nodeLoads, unhealthyPartitions } from './model';
import type { ClusterState } from './ports';
import type { SettingLeft } from './types';

/** The cluster in a few words: what an operator needs to know after success, failure or cancel. */
export function describeState(s: ClusterState, leaving: ReadonlySet<string> = new Set()): string {
  const { alive, dead } = aliveDead(s);
  const u = unhealthyPartitions(s);
  const loads = nodeLoads(s);
  const parts = [`meta leader ${s.leader}, level ${s.effectiveLevel}; ${alive} node(s) alive, ${dead} dead`];
  parts.push(
    u.length === 0
      ? 'every partition healthy'
      : `${u.length} partition(s) not fully healthy (${u
          .slice(0, 3)
          .map((x) => `${x.gpid} ${x.health}`)
          .join(', ')}${u.length > 3 ? ', …' : ''})`,
  );
  for (const n of leaving) {
    const l = loads.get(n);
    if (!l) parts.push(`${n}: not listed`);
    else parts.push(`${n}: ${l.alive ? 'ALIVE' : 'UNALIVE'}, ${l.replicas} replica(s), ${l.primaries} primaries`);
  }
  return parts.join('; ');
}

export function describeSettingsLeft(left: readonly SettingLeft[]): string {
  if (left.length === 0) return '; every setting the run changed is restored';
  return `; settings left changed: ${left.map((l) => `${l.name}=${l.value} (was ${l.original}: ${l.reason})`).join('; ')}`;
}
