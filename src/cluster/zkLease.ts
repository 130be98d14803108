/**
 * One operation per cluster across machines: an ephemeral ZooKeeper node per cluster, in the
 * ensemble the cluster's metas already use. The node lives as long as the run's session, so a run
 * that crashes gives it up when its session times out, and a refused run reads who holds it.
 *
 * Client: node-zookeeper-client, pure JavaScript (no native build in the VS Code extension host or
 * the CLI), long maintained, speaks the protocol of ZooKeeper 3.4 to 3.8 used here.
 */
import zookeeper from 'node-zookeeper-client';

export const DEFAULT_LEASE_ROOT = '/pegasus-ops/locks';

/** What the lease node holds (the engine's LeaseHolder has the same shape). */
export interface ZkLeaseHolder {
  readonly who: string;
  readonly op: string;
  readonly started: string;
  readonly cluster: string;
  readonly run?: string;
  readonly nodes?: readonly string[];
  readonly path?: string;
}

export interface ZkLeaseOptions {
  /** `host:port,host:port…`, as the metas' `[zookeeper] hosts_list`. */
  readonly hosts: string;
  /** Parent of the lease nodes; created when missing. */
  readonly root?: string;
  /** How long to wait for a connection before refusing (ms). */
  readonly connectTimeoutMs?: number;
  /** ZooKeeper session timeout (ms): how long a crashed run's lease outlives it. */
  readonly sessionTimeoutMs?: number;
}

export interface ZkHeldLease {
  readonly holder: ZkLeaseHolder;
  lost(): string | undefined;
  release(): Promise<void>;
}

type Client = ReturnType<typeof zookeeper.createClient>;

/** The lease node of a cluster: one path segment, whatever characters the cluster's name has. */
export function leasePath(root: string, cluster: string): string {
  return `${root.replace(/\/+$/, '')}/${encodeURIComponent(cluster)}`;
}

function call<T>(fn: (cb: (e: Error | zookeeper.Exception | null, v: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) =>
    fn((e, v) => (e ? reject(e instanceof Error ? e : Object.assign(new Error(e.toString()), { code: e.getCode() })) : resolve(v))),
  );
}

function codeOf(e: unknown): number | undefined {
  if (e && typeof e === 'object' && 'code' in e && typeof (e as { code: unknown }).code === 'number') return (e as { code: number }).code;
  if (e && typeof e === 'object' && 'getCode' in e) return (e as { getCode(): number }).getCode();
  return undefined;
}

function connect(o: ZkLeaseOptions): Promise<Client> {
  const client = zookeeper.createClient(o.hosts, { sessionTimeout: o.sessionTimeoutMs ?? 10_000, spinDelay: 200, retries: 1 });
  const ms = o.connectTimeoutMs ?? 5000;
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      client.close();
      reject(new Error(`no ZooKeeper server of ${o.hosts} answered within ${ms / 1000} s`));
    }, ms);
    client.once('connected', () => {
      clearTimeout(t);
      resolve(client);
    });
    client.connect();
  });
}

function parseHolder(data: Buffer | undefined, path: string): ZkLeaseHolder {
  try {
    const v = JSON.parse(data?.toString('utf8') ?? '') as Partial<ZkLeaseHolder>;
    if (v && typeof v === 'object' && typeof v.who === 'string')
      return {
        who: v.who,
        op: String(v.op ?? '?'),
        started: String(v.started ?? '?'),
        cluster: String(v.cluster ?? '?'),
        ...(typeof v.run === 'string' ? { run: v.run } : {}),
        ...(Array.isArray(v.nodes) ? { nodes: v.nodes.map(String) } : {}),
        path,
      };
  } catch {
    // Not ours, or written by hand: said as unknown below.
  }
  return { who: 'unknown (the lease node does not hold JSON)', op: '?', started: '?', cluster: '?', path };
}

/** A lease port on a ZooKeeper ensemble: `acquire` takes the cluster's node, or reads who holds it. */
export function zookeeperLease(o: ZkLeaseOptions): {
  readonly where: string;
  acquire(holder: ZkLeaseHolder): Promise<{ held: ZkHeldLease } | { heldBy: ZkLeaseHolder }>;
} {
  const root = o.root ?? DEFAULT_LEASE_ROOT;
  return {
    where: o.hosts,
    async acquire(holder) {
      const path = leasePath(root, holder.cluster);
      const client = await connect(o);
      try {
        await call<string>((cb) => client.mkdirp(root, cb));
        // A holder that released between our create and our read: try once more.
        for (let attempt = 0; attempt < 2; attempt++) {
          const mine = { ...holder, path };
          try {
            await call<string>((cb) => client.create(path, Buffer.from(JSON.stringify(mine)), zookeeper.CreateMode.EPHEMERAL, cb));
          } catch (e) {
            if (codeOf(e) !== zookeeper.Exception.NODE_EXISTS) throw e;
            try {
              const data = await call<Buffer>((cb) => client.getData(path, (err, d) => cb(err, d)));
              client.close();
              return { heldBy: parseHolder(data, path) };
            } catch (e2) {
              if (codeOf(e2) === zookeeper.Exception.NO_NODE) continue;
              throw e2;
            }
          }
          let lost: string | undefined;
          client.on('expired', () => (lost ??= 'the ZooKeeper session expired'));
          // Someone deleting the node by hand also ends the lease: another run could take it now.
          client.exists(
            path,
            (ev) => {
              if (ev.getName() === 'NODE_DELETED') lost ??= `the lease node ${path} was deleted`;
            },
            () => undefined,
          );
          let released = false;
          return {
            held: {
              holder: mine,
              lost: () => (released ? undefined : lost),
              async release() {
                released = true;
                try {
                  await call<void>((cb) => client.remove(path, -1, (err) => cb(err, undefined)));
                } catch {
                  // Gone already (session expired): nothing to give back.
                } finally {
                  client.close();
                }
              },
            },
          };
        }
        throw new Error(`the lease node ${path} kept appearing and disappearing`);
      } catch (e) {
        client.close();
        throw e;
      }
    },
  };
}
