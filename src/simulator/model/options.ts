/**
 * Simulator options: one zod schema shared by the CLI, the in-process API and the control API,
 * plus the per-version defaults (Pegasus 2.5.0 code defaults vs master/"2.6").
 */
import { z } from 'zod';

export const pegasusVersionSchema = z.enum(['2.5', '2.6'], {
  error: 'expected the Pegasus version 2.5 or 2.6',
});
export type PegasusVersion = z.infer<typeof pegasusVersionSchema>;

export interface TableSpec {
  readonly name: string;
  readonly partitions: number;
  readonly replicas: number;
}

const tableNameRe = /^[A-Za-z0-9_.-]+$/;

/** Parses `name:partitions:replicas[,…]`, e.g. `temp:8:3,usertable:16:3`. Throws with the bad entry named. */
export function parseTables(spec: string): TableSpec[] {
  const out: TableSpec[] = [];
  for (const raw of spec.split(',').map((s) => s.trim()).filter((s) => s.length > 0)) {
    const parts = raw.split(':');
    const [name, p, r] = parts;
    const partitions = Number(p);
    const replicas = Number(r);
    if (parts.length !== 3 || !name || !tableNameRe.test(name) || !Number.isInteger(partitions) || partitions < 1 || !Number.isInteger(replicas) || replicas < 1 || replicas > 5) {
      throw new Error(`bad table '${raw}': expected name:partitions:replicas, e.g. temp:8:3 (partitions ≥ 1, replicas 1..5)`);
    }
    if (out.some((t) => t.name === name)) throw new Error(`bad table '${raw}': table '${name}' is listed twice`);
    out.push({ name, partitions, replicas });
  }
  return out;
}

const tableSchema = z.object({
  name: z.string().regex(tableNameRe, 'table names use letters, digits, _ . -'),
  partitions: z.number().int().min(1),
  replicas: z.number().int().min(1).max(5),
});

export const simOptionsSchema = z.object({
  version: pegasusVersionSchema.default('2.6'),
  seed: z.number().int().default(1),
  metas: z.number().int().min(1).max(9).default(3),
  nodes: z.number().int().min(0).max(5000).default(5),
  tables: z.array(tableSchema).default([{ name: 'temp', partitions: 8, replicas: 3 }]),
  replicaSizeMb: z.number().positive().default(1024),
  /** Receiving bandwidth per replica server, shared by its concurrent learns (MB/s). */
  copyRateMb: z.number().positive().default(100),
  /** Incremental (log) learning moves this fraction of a replica. */
  logDeltaFraction: z.number().min(0).max(1).default(0.01),
  // meta_server / replication configuration ("config file" values; runtime commands override some)
  livePercentage: z.number().int().min(0).max(100).default(65),
  minLiveNodeCount: z.number().int().min(1).default(3),
  assignDelayMs: z.number().int().min(0).optional(),
  fdLeaseSeconds: z.number().positive().optional(),
  fdGraceSeconds: z.number().positive().optional(),
  fdCheckIntervalSeconds: z.number().positive().default(2),
  fdBeaconIntervalSeconds: z.number().positive().default(3),
  lbIntervalMs: z.number().int().positive().default(10000),
  configSyncIntervalMs: z.number().int().positive().default(30000),
  levelOnStart: z.enum(['stopped', 'blind', 'freezed', 'steady', 'lively']).default('steady'),
  maxReservedDroppedReplicas: z.number().int().min(0).default(1),
  mutation2pcMinReplicaCount: z.number().int().min(1).default(2),
  learnAppMaxConcurrentCount: z.number().int().min(1).default(5),
  addSecondaryEnableFlowControl: z.boolean().default(false),
  addSecondaryMaxCountForOneNode: z.number().int().min(0).default(10),
  /** Simulated time a replica-initiated config change takes (ms). */
  reconfigMs: z.number().int().min(0).default(100),
  /** Simulated time a (re)started meta needs before it serves (answers ERR_SERVICE_NOT_ACTIVE meanwhile). */
  metaStartupMs: z.number().int().min(0).default(1000),
  /** Simulated time until a follower takes the leader lock after the leader dies. */
  leaderElectionMs: z.number().int().min(0).default(3000),
  clusterName: z.string().min(1).default('onebox'),
  /** First replica-server port; replica i listens (nominally) on basePort + i. */
  replicaBasePort: z.number().int().min(1).max(65000).default(34801),
});
export type SimOptionsInput = z.input<typeof simOptionsSchema>;
export type SimOptions = z.output<typeof simOptionsSchema>;

export interface VersionDefaults {
  readonly fdLeaseSeconds: number;
  readonly fdGraceSeconds: number;
  readonly assignDelayMs: number;
  readonly serverVersion: string;
  readonly gitSha: string;
}

/** Code defaults per version: PR #1877 changed lease/grace/assign delay after 2.5.0. */
export const versionDefaults: Record<PegasusVersion, VersionDefaults> = {
  '2.5': { fdLeaseSeconds: 9, fdGraceSeconds: 10, assignDelayMs: 300000, serverVersion: '2.5.0', gitSha: '0ca31b70eac7321bb17fb034105695597245d47b' },
  '2.6': { fdLeaseSeconds: 20, fdGraceSeconds: 22, assignDelayMs: 600000, serverVersion: '2.6.0-SNAPSHOT', gitSha: 'db756dcdf24e2af6169659a67548501ed61f106c' },
};

export interface ResolvedConfig extends SimOptions {
  readonly assignDelayMs: number;
  readonly fdLeaseSeconds: number;
  readonly fdGraceSeconds: number;
}

export function resolveOptions(input: SimOptionsInput): ResolvedConfig {
  const o = simOptionsSchema.parse(input);
  const d = versionDefaults[o.version];
  const r: ResolvedConfig = {
    ...o,
    assignDelayMs: o.assignDelayMs ?? d.assignDelayMs,
    fdLeaseSeconds: o.fdLeaseSeconds ?? d.fdLeaseSeconds,
    fdGraceSeconds: o.fdGraceSeconds ?? d.fdGraceSeconds,
  };
  // The meta CHECK-fails at start when grace <= lease; refuse the same configuration.
  if (r.fdGraceSeconds <= r.fdLeaseSeconds) {
    throw new Error(`fdGraceSeconds (${r.fdGraceSeconds}) must be greater than fdLeaseSeconds (${r.fdLeaseSeconds}), as the meta server requires`);
  }
  return r;
}
