/**
 * "Why is it stuck?": from one cluster state, which partitions are not where the step wants them,
 * in which state, the likely cause and the fix. Plain language, a few lines.
 */
import { freezeVerdict, largestSafePct } from '../cluster/freeze';
import { replicaRatio } from '../cluster/health';
import { META_LEVEL_VALUE, isMetaLevel } from '../pegasus/types';
import { aliveDead, unhealthyPartitions, type UnhealthyPartition } from './model';
import { Placement } from './placement';
import type { ClusterState } from './ports';

export interface Diagnosis {
  /** Up to 10 partitions in trouble, as `gpid (table): state`. */
  readonly partitions: readonly string[];
  readonly cause: string;
  readonly fix: string;
}

export interface DiagnoseContext {
  /** What the step waits for, in words ("node X to hold no replica"). */
  readonly waitingFor: string;
  /** Nodes that must not receive replicas (the black list). */
  readonly excluded: ReadonlySet<string>;
  /** The node being drained, if any. */
  readonly node?: string;
  readonly pct: number;
  readonly minLive: number;
  /** The stored level, when known. */
  readonly storedLevel?: string;
  readonly stalledSeconds: number;
}

function describe(u: UnhealthyPartition): string {
  return `${u.gpid} (${u.table}): ${u.health}, ${replicaRatio(!!u.primary, u.secondaries.length, u.maxReplicaCount)} replicas, primary ${u.primary ?? '-'}, ballot ${u.ballot}`;
}

export function diagnose(state: ClusterState, c: DiagnoseContext): Diagnosis {
  const { alive, dead } = aliveDead(state);
  const unhealthy = unhealthyPartitions(state);
  const v = freezeVerdict({ alive, dead, pct: c.pct, minLive: c.minLive });
  const list = (xs: UnhealthyPartition[]): string[] => xs.slice(0, 10).map(describe);
  if (state.effectiveLevel === 'freezed' || v.frozen) {
    // minLive 0: the percentage bound alone; a min-live freeze is named in the cause.
    return {
      partitions: list(unhealthy),
      cause: `the meta is frozen (alive ${alive}, dead ${dead}, live_percentage ${c.pct}, min_live ${c.minLive}: ${v.reasons.join(' and ') || 'reported freezed'}); it accepts no reconfiguration, so nothing moves`,
      fix: `bring the stopped nodes back, or lower meta.live_percentage to at most ${largestSafePct(alive, dead, 0)} (remote_command -t meta-server meta.live_percentage N); restart the metas after the scale-in`,
    };
  }
  if (c.storedLevel && isMetaLevel(c.storedLevel) && META_LEVEL_VALUE[c.storedLevel] < META_LEVEL_VALUE.steady) {
    return {
      partitions: list(unhealthy),
      cause: `the meta level is ${c.storedLevel}: proposals and cure do not run below steady`,
      fix: 'set_meta_level steady',
    };
  }
  const noPrimary = unhealthy.filter((u) => !u.primary);
  if (noPrimary.length > 0) {
    const deadMembers = noPrimary.filter((u) => u.secondaries.length === 0);
    return {
      partitions: list(noPrimary),
      cause:
        deadMembers.length > 0
          ? `${deadMembers.length} partition(s) have no alive replica at all (DDD): the meta waits for the last dropped nodes to come back`
          : `${noPrimary.length} partition(s) have no primary; the meta should elect one of the secondaries at its next tick`,
      fix:
        deadMembers.length > 0
          ? 'start the nodes that held them again, or run ddd_diagnose in the Pegasus shell'
          : 'wait one lb tick; if it persists check the secondaries are alive and the meta is not frozen',
    };
  }
  // Partitions that need a new secondary but have nowhere to go.
  const placement = new Placement(state, c.excluded);
  const nowhere: string[] = [];
  for (const t of state.tables) {
    for (const p of t.partitions) {
      const n = (p.primary ? 1 : 0) + p.secondaries.length;
      const involvesNode = c.node !== undefined && (p.primary === c.node || p.secondaries.includes(c.node));
      if ((n < t.maxReplicaCount || involvesNode) && !placement.chooseSecondaryTarget(t, p))
        nowhere.push(`${t.appId}.${p.pidx} (${t.name}): ${n}/${t.maxReplicaCount} replicas, no eligible node`);
    }
  }
  if (nowhere.length > 0) {
    return {
      partitions: nowhere.slice(0, 10),
      cause: `${nowhere.length} partition(s) need a node that is alive, not black-listed and not already a member, and none is left`,
      fix: 'add replica servers first (scale-out), remove fewer nodes, or lower the table replica count',
    };
  }
  if (unhealthy.length > 0) {
    return {
      partitions: list(unhealthy),
      cause: `${unhealthy.length} partition(s) are under-replicated and no replica was added in ${Math.round(c.stalledSeconds)} s: learning is slow (copy rate, learn_app_max_concurrent_count, add_secondary_max_count_for_one_node) or the assign delay still holds (meta.lb.assign_delay_ms)`,
      fix: 'check meta.lb.assign_delay_ms and the NFS copy rate (nfs.max_copy_rate_megabytes_per_disk); the engine keeps waiting until its timeout',
    };
  }
  return {
    partitions: [],
    cause: `no partition changed in ${Math.round(c.stalledSeconds)} s while waiting for ${c.waitingFor}: the meta may have dropped the proposals (a level change or a leader change clears them) or learning is still running`,
    fix: 'the engine re-proposes moves that made no progress; if it persists check the meta leader log and the replica servers',
  };
}

export function formatDiagnosis(d: Diagnosis): string {
  return [`cause: ${d.cause}`, `fix: ${d.fix}`, ...d.partitions.map((p) => `  ${p}`)].join('\n');
}
