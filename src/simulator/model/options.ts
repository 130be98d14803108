/**
 * Simulator options: one zod schema shared by the CLI, the in-process API and the control API,
 * plus the per-version defaults (Pegasus 2.5.0 code defaults vs master/"2.6").
 */
import * as z from 'zod';
import { describeZodError } from '../../cluster/profile';
import { META_LEVELS } from '../../pegasus/types';

export const pegasusVersionSchema = z.enum(['2.5', '2.6'], {
  error: 'expected the Pegasus version 2.5 or 2.6',
});
export type PegasusVersion = z.infer<typeof pegasusVersionSchema>;

export interface TableSpec {
  readonly name: string;
  readonly partitions: number;
  readonly replicas: number;
  /** app_id; default: 1, 2, … in list order (ids a live cluster uses may have gaps). */
  readonly id?: number | undefined;
  /** Size of every replica of this table (MB); default `replicaSizeMb`. */
  readonly replicaSizeMb?: number | undefined;
}

/** `a.b.c.d:port`: what an rpc_address can carry on the wire. */
export const IPV4_PORT_RE =
  /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}:([1-9]\d{0,3}|[1-5]\d{4}|6[0-4]\d{3}|65[0-4]\d{2}|655[0-2]\d|6553[0-5])$/;
/** `host:port` (a host_port on master): a name or an IPv4 address. */
export const HOST_PORT_RE = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?:([1-9]\d{0,4})$/;

const tableNameRe = /^[A-Za-z0-9_.-]+$/;

/** Parses `name:partitions:replicas[,…]`, e.g. `temp:8:3,usertable:16:3`. Throws with the bad entry named. */
export function parseTables(spec: string): TableSpec[] {
  const out: TableSpec[] = [];
  for (const raw of spec
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)) {
    const parts = raw.split(':');
    const [name, p, r] = parts;
    const partitions = Number(p);
    const replicas = Number(r);
    if (
      parts.length !== 3 ||
      !name ||
      !tableNameRe.test(name) ||
      !Number.isInteger(partitions) ||
      partitions < 1 ||
      !Number.isInteger(replicas) ||
      replicas < 1 ||
      replicas > 5
    ) {
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
  id: z.number().int().min(1).optional(),
  replicaSizeMb: z.number().positive().optional(),
});

/** A replica server in `placement`: its 0-based index, its address (`nodeAddresses` entry / `127.0.0.1:port`) or its `hostnames` entry. */
const nodeRefSchema = z.union([z.number().int().min(0), z.string().min(1)], {
  error: 'expected a node index (0, 1, …) or a node address "a.b.c.d:port"',
});
const placementEntrySchema = z
  .object({
    primary: nodeRefSchema.nullable(),
    secondaries: z.array(nodeRefSchema),
  })
  .strict();
export type PlacementEntryInput = z.input<typeof placementEntrySchema>;

export const simOptionsSchema = z
  .object({
    version: pegasusVersionSchema.default('2.6'),
    seed: z.number().int().default(1),
    metas: z.number().int().min(1).max(9).default(3),
    /** Replica servers; default `nodeAddresses.length` when given, else 5. */
    nodes: z.number().int().min(0).max(5000).optional(),
    /**
     * The replica servers' addresses (`a.b.c.d:port`, unique), e.g. a live cluster's, kept as they
     * are: the simulated meta lists exactly these. Default `127.0.0.1:(replicaBasePort + i)`.
     * Nodes added later (`POST /nodes`) get the next free `127.0.0.1:port` from `replicaBasePort`.
     */
    nodeAddresses: z
      .array(z.string().regex(IPV4_PORT_RE, 'expected an IPv4 "a.b.c.d:port" (what rpc_address carries on the wire)'))
      .optional(),
    tables: z.array(tableSchema).default([{ name: 'temp', partitions: 8, replicas: 3 }]),
    /**
     * Exact replica placement per table name: one entry per partition index, `{ primary, secondaries }`
     * with node indexes or addresses. Tables not listed are placed evenly.
     */
    placement: z.record(z.string(), z.array(placementEntrySchema)).optional(),
    /**
     * 2.6 only: what the `hp_*` host_port fields (the node identity on master) carry. false: the
     * same `ip:port` as the rpc_address; true: `localhost:port` for 127.0.0.1 nodes (others keep
     * their ip:port); a list: each node's `host:port` (e.g. a live cluster's names), in node order.
     */
    hostnames: z.union([z.boolean(), z.array(z.string().regex(HOST_PORT_RE, 'expected "host:port"'))]).default(false),
    /** meta.lb.assign_secondary_black_list of the first leader (a runtime setting: a new leader starts empty). */
    blackList: z.array(z.string().regex(HOST_PORT_RE, 'expected "host:port"')).default([]),
    /**
     * Replica servers that are down at start and already in the leader's dead set (UNALIVE), by index
     * or address: a live cluster's dead nodes, which count in the freeze rule.
     */
    deadNodes: z.array(nodeRefSchema).default([]),
    /** Mean size of a replica (MB); each partition's size is spread around it by `sizeSkew`. */
    replicaSizeMb: z.number().positive().default(1024),
    /**
     * Spread of partition sizes: size = mean × e^(skew·g) with g seeded standard normal, rescaled so
     * the table's mean stays `replicaSizeMb`, in whole MB. 0 = every partition the same size.
     */
    sizeSkew: z.number().min(0).max(3).default(0),
    /** Disk capacity of each replica server (GB of 1024 MB), one data disk per node. */
    diskGb: z.number().positive().default(1000),
    /** Receiving bandwidth per replica server, shared by its concurrent learns (MB/s). */
    copyRateMb: z.number().positive().default(100),
    /** Sending bandwidth per replica server, shared by the learns it serves (MB/s); 0 = no limit of its own. */
    sendRateMb: z.number().min(0).default(0),
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
    levelOnStart: z.enum(META_LEVELS).default('steady'),
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
    /**
     * First replica-server port; replica i is 127.0.0.1:(basePort + i). 0 = the servers pick a free
     * range when they start listening (the node addresses are then those ports).
     */
    replicaBasePort: z.number().int().min(0).max(65000).default(34801),
  })
  .superRefine((o, ctx) => checkTopology(o, (message, path) => ctx.addIssue({ code: 'custom', message, path })));
export type SimOptionsInput = z.input<typeof simOptionsSchema>;
export type SimOptions = z.output<typeof simOptionsSchema>;

type Issue = (message: string, path: (string | number)[]) => void;

/** Node count after defaults. */
function nodeCount(o: SimOptions): number {
  return o.nodes ?? o.nodeAddresses?.length ?? 5;
}

/** The address node `i` starts with. */
export function initialNodeAddress(o: Pick<SimOptions, 'nodeAddresses' | 'replicaBasePort'>, i: number): string {
  return o.nodeAddresses?.[i] ?? `127.0.0.1:${o.replicaBasePort + i}`;
}

/** Placement node reference → node index, or an error message naming the valid choices (maps built once). */
function nodeResolver(o: SimOptions): (ref: number | string) => number | string {
  const n = nodeCount(o);
  const byName = new Map<string, number>();
  // Host names first, so an address wins when the two spellings collide.
  if (Array.isArray(o.hostnames)) o.hostnames.forEach((h, i) => i < n && byName.set(h, i));
  for (let i = n - 1; i >= 0; i--) byName.set(initialNodeAddress(o, i), i);
  const range =
    n === 0
      ? 'there are no replica servers (nodes: 0)'
      : `valid: 0..${n - 1} or ${initialNodeAddress(o, 0)}${n > 1 ? ` … ${initialNodeAddress(o, n - 1)}` : ''}`;
  return (ref) => {
    if (typeof ref === 'number') return ref < n ? ref : `node index ${ref} is not a replica server; ${range}`;
    const i = byName.get(ref) ?? byName.get(ref.replace(/^(?:localhost|\[?::1\]?):/, '127.0.0.1:'));
    return i !== undefined ? i : `node ${JSON.stringify(ref)} is not a replica server; ${range}`;
  };
}

/** Cross-field checks: tables, node addresses and placement must describe one consistent cluster. */
function checkTopology(o: SimOptions, issue: Issue): void {
  const n = nodeCount(o);
  const resolveNodeRef = nodeResolver(o);
  if (o.nodeAddresses) {
    if (o.nodes !== undefined && o.nodes !== o.nodeAddresses.length)
      issue(`nodes is ${o.nodes} but nodeAddresses lists ${o.nodeAddresses.length}; give one of them, or make them agree`, ['nodes']);
    const seen = new Map<string, number>();
    o.nodeAddresses.forEach((a, i) => {
      const j = seen.get(a);
      if (j !== undefined)
        issue(`${a} is listed twice (also nodeAddresses[${j}]); every replica server needs its own address`, ['nodeAddresses', i]);
      seen.set(a, i);
    });
  }
  if (o.hostnames !== false && o.version !== '2.6')
    issue(`hostnames need version 2.6 (2.5 has no host_port fields; its node identity is ip:port)`, ['hostnames']);
  if (o.version === '2.5') {
    o.blackList.forEach(
      (b, i) =>
        IPV4_PORT_RE.test(b) ||
        issue(`2.5 black-list entries are IPv4 "a.b.c.d:port" (its rpc_address parser), got ${JSON.stringify(b)}`, ['blackList', i]),
    );
  }
  if (Array.isArray(o.hostnames)) {
    if (o.hostnames.length !== n)
      issue(`hostnames lists ${o.hostnames.length} names but there are ${n} replica servers; give one host:port per node, in node order`, [
        'hostnames',
      ]);
    const seen = new Map<string, number>();
    o.hostnames.forEach((h, i) => {
      const j = seen.get(h);
      if (j !== undefined)
        issue(`${h} is listed twice (also hostnames[${j}]); every replica server needs its own host:port`, ['hostnames', i]);
      seen.set(h, i);
    });
  }
  const names = new Map<string, number>();
  const ids = new Map<number, number>();
  o.tables.forEach((t, i) => {
    const j = names.get(t.name);
    if (j !== undefined) issue(`table '${t.name}' is listed twice (also tables[${j}])`, ['tables', i, 'name']);
    names.set(t.name, i);
    if (t.id !== undefined) {
      const k = ids.get(t.id);
      if (k !== undefined) issue(`app id ${t.id} is used twice (also tables[${k}]); give each table its own id`, ['tables', i, 'id']);
      ids.set(t.id, i);
    }
  });
  if (o.tables.some((t) => t.id !== undefined) && o.tables.some((t) => t.id === undefined)) {
    issue('give every table an id, or none (then they are 1, 2, … in list order)', ['tables']);
  }
  const dead = new Set<number>();
  o.deadNodes.forEach((ref, i) => {
    const r = resolveNodeRef(ref);
    if (typeof r === 'string') issue(r, ['deadNodes', i]);
    else if (dead.has(r)) issue(`node ${JSON.stringify(ref)} is listed twice`, ['deadNodes', i]);
    else dead.add(r);
  });
  for (const [table, entries] of Object.entries(o.placement ?? {})) {
    const ti = names.get(table);
    if (ti === undefined) {
      issue(
        `no table '${table}' in tables (${o.tables.map((t) => t.name).join(', ') || 'none'}); add it to tables or remove it from placement`,
        ['placement', table],
      );
      continue;
    }
    const t = o.tables[ti]!;
    if (t.replicas > n)
      issue(`table '${table}' wants ${t.replicas} replicas but the cluster has only ${n} replica server(s); lower replicas or add nodes`, [
        'tables',
        ti,
        'replicas',
      ]);
    if (entries.length !== t.partitions)
      issue(`table '${table}' has ${t.partitions} partitions but placement lists ${entries.length}; give one entry per partition index`, [
        'placement',
        table,
      ]);
    entries.forEach((e, pidx) => {
      const members: [number | string, (string | number)[]][] = [];
      if (e.primary !== null) members.push([e.primary, ['placement', table, pidx, 'primary']]);
      e.secondaries.forEach((s, k) => members.push([s, ['placement', table, pidx, 'secondaries', k]]));
      if (members.length > t.replicas)
        issue(
          `partition ${table}.${pidx} lists ${members.length} replicas but the table keeps ${t.replicas}; remove ${members.length - t.replicas}`,
          ['placement', table, pidx],
        );
      const seen = new Set<number>();
      for (const [ref, path] of members) {
        const r = resolveNodeRef(ref);
        if (typeof r === 'string') issue(`partition ${table}.${pidx}: ${r}`, path);
        else if (seen.has(r))
          issue(
            `partition ${table}.${pidx}: node ${JSON.stringify(ref)} is listed twice; the members of a partition are distinct nodes`,
            path,
          );
        else seen.add(r);
      }
    });
  }
}

/** Placement with node indexes (validated). */
export interface ResolvedPlacement {
  readonly primary: number;
  readonly secondaries: readonly number[];
}

export interface VersionDefaults {
  readonly fdLeaseSeconds: number;
  readonly fdGraceSeconds: number;
  readonly assignDelayMs: number;
  readonly serverVersion: string;
  readonly gitSha: string;
}

/** Code defaults per version: PR #1877 changed lease/grace/assign delay after 2.5.0. */
export const versionDefaults: Record<PegasusVersion, VersionDefaults> = {
  '2.5': {
    fdLeaseSeconds: 9,
    fdGraceSeconds: 10,
    assignDelayMs: 300000,
    serverVersion: '2.5.0',
    gitSha: '0ca31b70eac7321bb17fb034105695597245d47b',
  },
  '2.6': {
    fdLeaseSeconds: 20,
    fdGraceSeconds: 22,
    assignDelayMs: 600000,
    serverVersion: '2.6.0-SNAPSHOT',
    gitSha: 'db756dcdf24e2af6169659a67548501ed61f106c',
  },
};

export interface ResolvedConfig extends Omit<SimOptions, 'placement' | 'deadNodes'> {
  readonly nodes: number;
  /** Node indexes down and UNALIVE at start. */
  readonly deadNodes: readonly number[];
  /** Per table name, per partition index; tables without an entry are placed evenly. */
  readonly placement: ReadonlyMap<string, readonly ResolvedPlacement[]>;
  readonly assignDelayMs: number;
  readonly fdLeaseSeconds: number;
  readonly fdGraceSeconds: number;
}

export function resolveOptions(input: SimOptionsInput): ResolvedConfig {
  const parsed = simOptionsSchema.safeParse(input);
  if (!parsed.success) throw new Error(`bad simulator options:\n${describeZodError(parsed.error)}`);
  const o = parsed.data;
  if (o.replicaBasePort === 0)
    throw new Error(
      'bad simulator options: replicaBasePort 0 (free ports) is chosen when the replica servers listen (startSimulatedCluster); a model needs a port ≥ 1',
    );
  const d = versionDefaults[o.version];
  const resolveNodeRef = nodeResolver(o);
  const idx = (ref: number | string): number => resolveNodeRef(ref) as number;
  const placement = new Map<string, ResolvedPlacement[]>();
  for (const [table, entries] of Object.entries(o.placement ?? {})) {
    placement.set(
      table,
      entries.map((e) => ({ primary: e.primary === null ? -1 : idx(e.primary), secondaries: e.secondaries.map(idx) })),
    );
  }
  const r: ResolvedConfig = {
    ...o,
    nodes: nodeCount(o),
    placement,
    deadNodes: o.deadNodes.map(idx),
    assignDelayMs: o.assignDelayMs ?? d.assignDelayMs,
    fdLeaseSeconds: o.fdLeaseSeconds ?? d.fdLeaseSeconds,
    fdGraceSeconds: o.fdGraceSeconds ?? d.fdGraceSeconds,
  };
  // The meta CHECK-fails at start when grace <= lease; refuse the same configuration.
  if (r.fdGraceSeconds <= r.fdLeaseSeconds) {
    throw new Error(
      `fdGraceSeconds (${r.fdGraceSeconds}) must be greater than fdLeaseSeconds (${r.fdLeaseSeconds}), as the meta server requires`,
    );
  }
  return r;
}
