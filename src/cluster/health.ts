/**
 * Partition and table health exactly as the Pegasus shell computes it for `ls -d` / `app -d`
 * (upstream src/client/replication_ddl_client.cpp, `list_apps` detailed): the shell uses a
 * hard-coded 2 as the write quorum, not `mutation_2pc_min_replica_count`.
 *
 *   replica_count = (primary ? 1 : 0) + secondaries
 *   primary present: replica_count >= max → fully healthy; else replica_count < 2 → write unhealthy
 *   no primary: write unhealthy and read unhealthy
 *   unhealthy = partitions - fully healthy
 */

/** The meta's health classes (meta_data.h), with the shell's hard-coded quorum of 2. */
export const PartitionHealth = {
  /** primary present, replica_count >= max_replica_count */
  HEALTHY: 0,
  /** primary present, 2 <= replica_count < max (writable, missing replicas) */
  WRITABLE_ILL: 1,
  /** primary present, replica_count < 2 (readable, not writable) */
  UNWRITABLE: 2,
  /** no primary, at least one secondary */
  UNREADABLE: 3,
  /** no primary, no secondary */
  DEAD: 4,
} as const;
export type PartitionHealthCode = (typeof PartitionHealth)[keyof typeof PartitionHealth];

export const partitionHealthNames = ['healthy', 'writable_ill', 'unwritable', 'unreadable', 'dead'] as const;
export type PartitionHealthName = (typeof partitionHealthNames)[number];

/** The shell's write quorum for its health counters (replication_ddl_client.cpp uses a literal 2). */
export const SHELL_WRITE_QUORUM = 2;

export function partitionHealth(hasPrimary: boolean, secondaries: number, maxReplicaCount: number): PartitionHealthCode {
  if (!hasPrimary) return secondaries > 0 ? PartitionHealth.UNREADABLE : PartitionHealth.DEAD;
  const replicas = 1 + secondaries;
  if (replicas >= maxReplicaCount) return PartitionHealth.HEALTHY;
  if (replicas < SHELL_WRITE_QUORUM) return PartitionHealth.UNWRITABLE;
  return PartitionHealth.WRITABLE_ILL;
}

export function isFullyHealthy(h: PartitionHealthCode): boolean {
  return h === PartitionHealth.HEALTHY;
}
export function isWriteUnhealthy(h: PartitionHealthCode): boolean {
  return h >= PartitionHealth.UNWRITABLE;
}
export function isReadUnhealthy(h: PartitionHealthCode): boolean {
  return h >= PartitionHealth.UNREADABLE;
}

/** The four counters of `ls -d` `[healthy_info]` and `app -d`. */
export interface HealthCounts {
  partitionCount: number;
  fullyHealthy: number;
  unhealthy: number;
  writeUnhealthy: number;
  readUnhealthy: number;
}

export function emptyHealthCounts(): HealthCounts {
  return { partitionCount: 0, fullyHealthy: 0, unhealthy: 0, writeUnhealthy: 0, readUnhealthy: 0 };
}

export function addHealth(c: HealthCounts, h: PartitionHealthCode): void {
  c.partitionCount++;
  if (h === PartitionHealth.HEALTHY) c.fullyHealthy++;
  else c.unhealthy++;
  if (h >= PartitionHealth.UNWRITABLE) c.writeUnhealthy++;
  if (h >= PartitionHealth.UNREADABLE) c.readUnhealthy++;
}

/** `1/3`: replicas present over max_replica_count, as `app -d` prints it. */
export function replicaRatio(hasPrimary: boolean, secondaries: number, maxReplicaCount: number): string {
  return `${(hasPrimary ? 1 : 0) + secondaries}/${maxReplicaCount}`;
}
