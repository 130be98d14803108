/**
 * The simulated Pegasus cluster, in process: meta servers speaking THFT + HTTP on loopback, a
 * control API, and the behaviour model behind them. Used by `pegasus-ops sim`, the extension's
 * embedded cluster, and every integration test. See README.md in this folder.
 */
import { describeZodError } from '../cluster/profile';
import { SimModel } from './model/model';
import { simOptionsSchema, type SimOptionsInput } from './model/options';
import { ControlServer, metricsOf, stateOf, type ControlContext } from './server/control';
import { RealTimeDriver } from './server/driver';
import { findFreePortRange } from './server/loopback';
import { MetaServerGroup, ReplicaServerGroup } from './server/metaServer';

export { SimModel } from './model/model';
export {
  parseTables,
  resolveOptions,
  simOptionsSchema,
  versionDefaults,
  type PegasusVersion,
  type PlacementEntryInput,
  type SimOptionsInput,
  type TableSpec,
} from './model/options';
export { runRemoteCommand } from './model/commands';
export type { SimMetrics, LogEntry } from './model/types';

export interface StartOptions extends SimOptionsInput {
  /** First meta port (metas use port, port+1, …); 0 picks free ports. Default 0. */
  port?: number;
  /** Control API port; default 0 (a free port). */
  controlPort?: number;
  /** Simulated seconds per wall second; 0 (default) = manual clock, advanced only by `advance`. */
  timeScale?: number;
  /**
   * Replica servers listen on their addresses and answer remote commands (`nfs.*`,
   * `replica.kill_partition`, `perf-counters*` on 2.5, …) and HTTP `/metrics` (2.6). Default: on
   * with `replicaBasePort: 0` (free ports, at most MAX_LISTENING_REPLICAS nodes), off with a fixed
   * base (34801 nominal addresses, so parallel in-process clusters never share ports). With a fixed
   * base it is best effort: a taken port leaves that node silent.
   */
  listenReplicas?: boolean;
}

export interface SimulatedCluster {
  /** `127.0.0.1:port` of every meta server, leader first at start. */
  readonly metaServers: string[];
  /** `http://127.0.0.1:port` of the control API. */
  readonly controlUrl: string;
  readonly model: SimModel;
  /** Runs the simulated clock forward (deterministic; works in both clock modes). */
  advance(seconds: number): void;
  /** Same JSON as GET /metrics and GET /state. */
  metrics(): Record<string, unknown>;
  state(opts?: { partitions?: boolean; table?: string }): Record<string, unknown>;
  close(): Promise<void>;
}

/**
 * Replica servers listen by default up to this many nodes: each is a listening socket plus its
 * connections, and 64 keeps one cluster's descriptors well under the usual 1024 limit and its fixed
 * range (34801–34864) clear of other Pegasus defaults. Larger clusters listen with `listenReplicas: true`.
 */
export const MAX_LISTENING_REPLICAS = 64;

/**
 * A small cluster whose replica servers listen on their fixed addresses (127.0.0.1:34801…), so the
 * product reads real sizes, disks and learning counters from it; when those ports are taken (another
 * simulated cluster runs), the same cluster without listening replica servers, and `listening` says so.
 */
export async function startListeningWhereFree(opts: StartOptions): Promise<{ sim: SimulatedCluster; listening: boolean }> {
  const nodes = opts.nodes ?? opts.nodeAddresses?.length ?? 5;
  if (nodes > MAX_LISTENING_REPLICAS) return { sim: await startSimulatedCluster(opts), listening: false };
  try {
    return { sim: await startSimulatedCluster({ ...opts, listenReplicas: true }), listening: true };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    return { sim: await startSimulatedCluster(opts), listening: false };
  }
}

export async function startSimulatedCluster(opts: StartOptions = {}): Promise<SimulatedCluster> {
  const { port = 0, controlPort = 0, timeScale = 0, listenReplicas: listenOpt, ...modelOpts } = opts;
  const nodeCount = modelOpts.nodes ?? modelOpts.nodeAddresses?.length ?? 5;
  const freePorts = modelOpts.replicaBasePort === 0;
  const listenReplicas = listenOpt ?? (freePorts && nodeCount <= MAX_LISTENING_REPLICAS);
  if (freePorts && !listenReplicas)
    throw new Error('replicaBasePort 0 picks the ports the replica servers listen on; it needs listenReplicas');
  if (freePorts && modelOpts.nodeAddresses)
    throw new Error('replicaBasePort 0 gives the nodes free loopback ports; it cannot be combined with nodeAddresses');
  if (freePorts) modelOpts.replicaBasePort = await findFreePortRange(Math.max(1, nodeCount));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad port ${port}: expected 0 (free ports) or 1..65535`);
  if (!(timeScale >= 0) || !Number.isFinite(timeScale))
    throw new Error(`bad timeScale ${timeScale}: expected a number ≥ 0 (0 = manual clock)`);
  const model = new SimModel(modelOpts);
  const metas = new MetaServerGroup(model);
  const replicas = listenReplicas ? new ReplicaServerGroup(model) : null;
  const driver = timeScale > 0 ? new RealTimeDriver(model, timeScale) : null;
  let control: ControlServer | null = null;
  model.listener = {
    metaUpChanged: (i, up) => metas.metaUpChanged(i, up),
    nodeUpChanged: (i, up) => replicas?.nodeUpChanged(i, up),
  };
  try {
    const metaServers = await metas.listen(port);
    await replicas?.listen();
    const ctx: ControlContext = { model, metas, replicas, driver, sync: () => driver?.catchUp() };
    metas.beforeRequest = ctx.sync;
    if (replicas) replicas.beforeRequest = ctx.sync;
    control = new ControlServer(ctx);
    const cport = await control.listen(controlPort);
    driver?.start();
    let closed = false;
    return {
      metaServers,
      controlUrl: `http://127.0.0.1:${cport}`,
      model,
      advance(seconds: number): void {
        if (!(seconds >= 0)) throw new Error(`advance(${seconds}): expected simulated seconds ≥ 0`);
        driver?.catchUp();
        model.advance(seconds);
        driver?.shift(seconds * 1000);
      },
      metrics: () => metricsOf(ctx) as Record<string, unknown>,
      state: (o = {}) =>
        stateOf(ctx, { partitions: o.partitions ?? true, ...(o.table ? { table: o.table } : {}) }) as Record<string, unknown>,
      async close(): Promise<void> {
        if (closed) return;
        closed = true;
        driver?.stop();
        model.listener = {};
        await Promise.all([metas.close(), replicas?.close(), control!.close()]);
      },
    };
  } catch (e) {
    driver?.stop();
    model.listener = {};
    await Promise.all([metas.close(), replicas?.close(), control?.close()]);
    throw e;
  }
}

/** Validates option values coming from outside (settings, JSON) with the same schema the model uses. */
export function validateSimOptions(input: unknown): SimOptionsInput {
  const r = simOptionsSchema.safeParse(input);
  if (!r.success) throw new Error(`bad simulator options:\n${describeZodError(r.error)}`);
  return r.data as SimOptionsInput;
}
