/**
 * The simulated meta servers (THFT RPC + HTTP on one port each) and, optionally, replica servers
 * answering remote commands on their own ports. All answers come from `model/views.ts` and
 * `model/commands.ts`; `loopback.ts` moves the bytes.
 */
import {
  RPC,
  RPC_BY_NAME,
  decodeArgs,
  decodeRequest,
  encodeErrorResponse,
  encodeResponse,
  MessageType,
  type AnyRpc,
  type RequestFrame,
} from '../../pegasus';
import { runRemoteCommand, runReplicaCommand } from '../model/commands';
import { PERF_COUNTER_COMMANDS, metricsHttp, perfCounters } from '../model/replicaData';
import type { SimModel } from '../model/model';
import * as V from '../model/views';
import { EndpointGroup, type Faults } from './loopback';

export type MetaFaults = Faults;

/** Decodes one request frame and answers it with `dispatch`; unknown names get ERR_HANDLER_NOT_FOUND. */
function answerFrame(
  model: SimModel,
  frame: Buffer,
  known: (name: string) => AnyRpc | undefined,
  dispatch: (rpc: AnyRpc, req: unknown) => unknown,
): Buffer | null | 'close' {
  let rf: RequestFrame;
  try {
    rf = decodeRequest(frame);
  } catch {
    return 'close';
  }
  const rpc = known(rf.name);
  if (!rpc) return rf.messageType === MessageType.ONEWAY ? null : encodeErrorResponse(rf.name, rf.seqid, 'ERR_HANDLER_NOT_FOUND');
  let req: unknown;
  try {
    req = decodeArgs(rpc, rf);
  } catch {
    return 'close';
  }
  try {
    const resp = dispatch(rpc, req);
    if (rf.messageType === MessageType.ONEWAY) return null;
    return encodeResponse(rpc, resp, { seqid: rf.seqid, version: model.cfg.version });
  } catch (e) {
    // A simulator bug must not take the process down; the client sees a dropped connection.
    process.stderr.write(`simulator: ${rf.name} failed: ${e instanceof Error ? e.stack : String(e)}\n`);
    return 'close';
  }
}

export class MetaServerGroup {
  private readonly group: EndpointGroup;

  constructor(private readonly model: SimModel) {
    this.group = new EndpointGroup({
      accepting: (i) => this.model.metas[i]!.up,
      frame: (i, f) =>
        answerFrame(
          this.model,
          f,
          (n) => RPC_BY_NAME.get(n),
          (rpc, req) => this.dispatch(i, rpc, req),
        ),
      http: (i, method, target) => V.handleHttp(this.model, i, method, target),
    });
  }

  get faults(): Faults[] {
    return this.group.faults;
  }

  set beforeRequest(fn: () => void) {
    this.group.beforeRequest = fn;
  }

  /** Listens on `basePort + i` for each meta (or free ports when basePort is 0). */
  async listen(basePort: number): Promise<string[]> {
    for (let i = 0; i < this.model.metas.length; i++) await this.group.add(i, basePort === 0 ? 0 : basePort + i);
    const addresses = this.group.ports.map((p) => `${this.group.host}:${p}`);
    this.model.setMetaAddresses(addresses);
    return addresses;
  }

  /** The model says a meta process went down or came back. */
  metaUpChanged(meta: number, up: boolean): void {
    if (up) void this.group.reopen(meta);
    else this.group.shut(meta);
  }

  listening(meta: number): boolean {
    return this.group.listening(meta);
  }

  dropConnections(meta?: number): number {
    return this.group.dropConnections(meta);
  }

  close(): Promise<void> {
    return this.group.close();
  }

  private dispatch(meta: number, rpc: AnyRpc, req: unknown): unknown {
    const m = this.model;
    switch (rpc.name) {
      case RPC.listNodes.name:
        return V.listNodes(m, meta, (req as { status: number }).status);
      case RPC.listApps.name:
        return V.listApps(m, meta, req as Parameters<typeof V.listApps>[2]);
      case RPC.queryConfig.name:
        return V.queryConfig(m, meta, req as Parameters<typeof V.queryConfig>[2]);
      case RPC.clusterInfo.name:
        return V.clusterInfo(m, meta);
      case RPC.controlMeta.name:
        return V.controlMeta(m, meta, (req as { level: number }).level);
      case RPC.remoteCommand.name: {
        const r = req as { cmd: string; arguments: string[] };
        return runRemoteCommand(m, meta, r.cmd, r.arguments);
      }
      case RPC.proposeBalancer.name:
        return V.proposeBalancer(m, meta, req as Parameters<typeof V.proposeBalancer>[2]);
      default:
        throw new Error(`no simulator handler for ${rpc.name}`);
    }
  }
}

/**
 * Replica servers on their nominal ports (`127.0.0.1:34801`, …), answering RPC_CLI_CLI_CALL
 * (`nfs.*`, `replica.kill_partition`, `server-info`, …) and HTTP `/version`. Best effort: a port
 * that is taken leaves that node unreachable (GET /state shows `listening: false`).
 */
export class ReplicaServerGroup {
  private readonly group: EndpointGroup;

  constructor(private readonly model: SimModel) {
    this.group = new EndpointGroup({
      accepting: (i) => this.model.nodes[i]?.running === true,
      frame: (i, f) =>
        answerFrame(
          this.model,
          f,
          (n) => (n === RPC.remoteCommand.name ? RPC_BY_NAME.get(n) : undefined),
          (_rpc, req) => {
            const r = req as { cmd: string; arguments: string[] };
            if (this.model.cfg.version === '2.5' && (PERF_COUNTER_COMMANDS as readonly string[]).includes(r.cmd))
              return perfCounters(this.model, i, r.cmd, r.arguments);
            return runReplicaCommand(this.model, i, r.cmd, r.arguments);
          },
        ),
      http: (i, method, target) => {
        const q = target.indexOf('?');
        const path = target
          .split('?')[0]!
          .split('/')
          .filter((s) => s.length > 0)
          .join('/');
        const v = this.model.versionInfo();
        if (path === 'metrics' && this.model.cfg.version === '2.6')
          return metricsHttp(this.model, i, method, q < 0 ? '' : target.slice(q + 1));
        if (path === 'version') return { status: 200, body: JSON.stringify({ Version: v.version, GitCommit: v.gitSha }) + '\n' };
        return { status: 404, body: `service not found for "/${path}"` };
      },
    });
  }

  set beforeRequest(fn: () => void) {
    this.group.beforeRequest = fn;
  }

  async listen(): Promise<void> {
    for (const n of this.model.nodes) await this.addNode(n.idx);
  }

  async addNode(idx: number): Promise<void> {
    try {
      await this.group.add(idx, this.model.nodes[idx]!.port);
    } catch {
      // taken port: this replica server does not answer; everything else keeps working
    }
  }

  nodeUpChanged(idx: number, up: boolean): void {
    if (!up) this.group.shut(idx);
    else if (this.group.ports[idx] === undefined) void this.addNode(idx);
    else void this.group.reopen(idx);
  }

  listening(idx: number): boolean {
    return this.group.listening(idx);
  }

  close(): Promise<void> {
    return this.group.close();
  }
}
