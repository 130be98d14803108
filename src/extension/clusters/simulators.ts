/**
 * Simulated clusters started from the editor ("Start Simulated Cluster"): in the extension host, or
 * as a `pegasus-ops sim` child process. Each is named "simulated" (then "simulated-2", …) and stops
 * on request or when VS Code stops.
 */
import * as vscode from 'vscode';
import type { ClusterProfile } from '../../cluster/profile';
import { parseTables, startListeningWhereFree } from '../../simulator';
import { Disposable } from '../disposable';
import { spawnSimulatorProcess } from '../explorer/simProcess';
import type { Logger } from '../log';
import type { SimulatedClusterOptions } from './types';

interface RunningSim {
  readonly name: string;
  readonly metaServers: string[];
  readonly control: string;
  /** The first replica server port: its nodes are 127.0.0.1:(base + i). */
  readonly replicaBasePort: number;
  stop(): Promise<void>;
}

/** The simulator's default first replica port; each further simulated cluster gets the next block. */
export const FIRST_REPLICA_PORT = 34801;
export const REPLICA_PORT_BLOCK = 100;

/**
 * The first replica port block no running simulated cluster uses, so two clusters never list the
 * same node addresses (127.0.0.1:34801 in both would make their runbooks and journals ambiguous).
 */
export function freeReplicaBase(used: readonly number[], nodes: number): number {
  const block = Math.max(REPLICA_PORT_BLOCK, Math.ceil(nodes / REPLICA_PORT_BLOCK) * REPLICA_PORT_BLOCK);
  let base = FIRST_REPLICA_PORT;
  while (used.some((u) => base < u + block && u < base + block)) base += block;
  return base;
}

export class SimulatedClusters extends Disposable {
  private readonly sims = new Map<string, RunningSim>();
  private readonly started = new Map<string, ClusterProfile>();
  private readonly cliPath: string;
  private readonly log: Logger | undefined;

  /** `cliPath`: dist/cli.js of this extension, run for `process: 'child'`. */
  constructor(cliPath: string, log: Logger | undefined) {
    super();
    this.cliPath = cliPath;
    this.log = log;
  }

  get names(): readonly string[] {
    return [...this.sims.keys()];
  }

  /** The running simulated clusters as profiles, in start order. */
  get profiles(): ReadonlyMap<string, ClusterProfile> {
    return this.started;
  }

  /** Starts one under the first free name (`taken` says which names other clusters use). */
  async start(opts: SimulatedClusterOptions, taken: (name: string) => boolean): Promise<RunningSim> {
    let name = 'simulated';
    for (let i = 2; taken(name) || this.sims.has(name); i++) name = `simulated-${i}`;
    const base = freeReplicaBase(
      [...this.sims.values()].map((x) => x.replicaBasePort),
      opts.nodes ?? 5,
    );
    const sim = opts.process === 'child' ? await this.spawn(name, opts, base) : await this.startInProcess(name, opts, base);
    this.sims.set(name, sim);
    this.started.set(name, {
      name,
      metaServers: sim.metaServers,
      nodeControl: { kind: 'simulator', control: sim.control },
      production: false,
    });
    void vscode.commands.executeCommand('setContext', 'pegasus.simulatedClusterRunning', true);
    return sim;
  }

  /** Stops the named one, or the one started last; returns its name (undefined when none runs). */
  async stop(name?: string): Promise<string | undefined> {
    const target = name ?? [...this.sims.keys()].at(-1);
    if (!target) return undefined;
    const sim = this.sims.get(target);
    if (!sim) throw new Error(`"${target}" is not a simulated cluster started here`);
    this.sims.delete(target);
    this.started.delete(target);
    await sim.stop();
    void vscode.commands.executeCommand('setContext', 'pegasus.simulatedClusterRunning', this.sims.size > 0);
    this.log?.info(`simulated cluster "${target}" stopped`);
    return target;
  }

  private async startInProcess(name: string, opts: SimulatedClusterOptions, replicaBasePort: number): Promise<RunningSim> {
    // Its replica servers listen where their ports are free, so the tree shows real data and disk use.
    const { sim, listening } = await startListeningWhereFree({
      nodes: opts.nodes ?? 5,
      replicaBasePort,
      ...(opts.tables ? { tables: parseTables(opts.tables) } : {}),
      ...(opts.pegasusVersion ? { version: opts.pegasusVersion } : {}),
      ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
      timeScale: opts.timeScale ?? 1,
    });
    if (!listening)
      this.log?.info(
        `simulated cluster "${name}": replica server ports in use, so its replica servers do not listen (no sizes or disk use)`,
      );
    return { name, metaServers: sim.metaServers, control: sim.controlUrl, replicaBasePort, stop: () => sim.close() };
  }

  /** `node dist/cli.js sim --port 0 …` prints one JSON line with the meta servers and the control URL. */
  private async spawn(name: string, opts: SimulatedClusterOptions, replicaBasePort: number): Promise<RunningSim> {
    const args = [this.cliPath, 'sim', '--port', '0', '--nodes', String(opts.nodes ?? 5), '--time-scale', String(opts.timeScale ?? 1)];
    args.push('--replica-base-port', String(replicaBasePort));
    if (opts.tables) args.push('--tables', opts.tables);
    if (opts.pegasusVersion) args.push('--pegasus-version', opts.pegasusVersion);
    if (opts.seed !== undefined) args.push('--seed', String(opts.seed));
    // The extension host's executable is Electron (or code-server's node); run it as plain node.
    const sim = await spawnSimulatorProcess(process.execPath, args, {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      onExit: (code) => this.log?.info(`simulated cluster "${name}" process exited (${code})`),
    });
    return { name, replicaBasePort, ...sim };
  }

  override dispose(): void {
    for (const s of this.sims.values()) void s.stop();
    this.sims.clear();
    super.dispose();
  }
}
