/**
 * The simulated meta servers on loopback: one TCP port per meta, protocol chosen per connection by
 * its first 4 bytes (`THFT` → thrift RPC via the wire codec in src/pegasus, `GET `/`POST` → HTTP,
 * anything else → close), as the real rDSN server does. All answers come from `model/views.ts`;
 * this file only moves bytes, and applies injected faults (dropped connections, delayed replies).
 */
import * as net from 'node:net';
import {
  FrameReader,
  RPC,
  RPC_BY_NAME,
  decodeArgs,
  decodeRequest,
  detectProtocol,
  encodeErrorResponse,
  encodeResponse,
  MessageType,
  type AnyRpc,
} from '../../pegasus';
import { runRemoteCommand } from '../model/commands';
import type { ClusterModel } from '../model/model';
import * as V from '../model/views';

export interface MetaFaults {
  /** Every reply (RPC and HTTP) is held back this many real milliseconds. */
  delayMs: number;
  /** New connections are accepted and closed at once (a crashed-but-listening process). */
  refuseConnections: boolean;
}

const HTTP_TEXT: Record<number, string> = { 200: 'OK', 307: 'Temporary Redirect', 400: 'Bad Request', 404: 'Not Found', 500: 'Internal Server Error' };
const MAX_HTTP_HEAD = 64 * 1024;

export class MetaServerGroup {
  private readonly servers: (net.Server | null)[] = [];
  private readonly sockets: Set<net.Socket>[] = [];
  readonly ports: number[] = [];
  readonly faults: MetaFaults[] = [];
  private closed = false;
  /** Called before each request is answered (the real-time driver catches the clock up). */
  beforeRequest: () => void = () => {};

  constructor(
    private readonly model: ClusterModel,
    private readonly host = '127.0.0.1',
  ) {}

  /** Listens on `basePort + i` for each meta (or ephemeral ports when basePort is 0). */
  async listen(basePort: number): Promise<string[]> {
    for (let i = 0; i < this.model.metas.length; i++) {
      this.sockets.push(new Set());
      this.faults.push({ delayMs: 0, refuseConnections: false });
      this.servers.push(null);
      this.ports.push(await this.listenOne(i, basePort === 0 ? 0 : basePort + i));
    }
    const addresses = this.ports.map((p) => `${this.host}:${p}`);
    this.model.setMetaAddresses(addresses);
    this.model.listener = {
      metaUpChanged: (meta, up) => {
        if (up) void this.reopen(meta);
        else this.shut(meta);
      },
    };
    return addresses;
  }

  private listenOne(meta: number, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const srv = net.createServer((sock) => this.onConnection(meta, sock));
      srv.once('error', reject);
      srv.listen(port, this.host, () => {
        srv.off('error', reject);
        srv.on('error', () => {});
        this.servers[meta] = srv;
        resolve((srv.address() as net.AddressInfo).port);
      });
    });
  }

  private shut(meta: number): void {
    const srv = this.servers[meta];
    this.servers[meta] = null;
    srv?.close();
    this.dropConnections(meta);
  }

  private async reopen(meta: number): Promise<void> {
    if (this.closed || this.servers[meta]) return;
    try {
      await this.listenOne(meta, this.ports[meta]!);
    } catch {
      // The port was taken meanwhile; the meta stays unreachable (visible in GET /state).
    }
  }

  /** Destroys every open connection of one meta (or of all metas). */
  dropConnections(meta?: number): number {
    let n = 0;
    this.sockets.forEach((set, i) => {
      if (meta !== undefined && meta !== i) return;
      for (const s of set) {
        s.destroy();
        n++;
      }
      set.clear();
    });
    return n;
  }

  listening(meta: number): boolean {
    return this.servers[meta] !== null && this.servers[meta] !== undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.model.listener = {};
    const closing = this.servers.map((s) => (s ? new Promise<void>((r) => s.close(() => r())) : Promise.resolve()));
    this.dropConnections();
    await Promise.all(closing);
  }

  // ------------------------------------------------------------------ connections

  private onConnection(meta: number, sock: net.Socket): void {
    const set = this.sockets[meta]!;
    if (this.faults[meta]!.refuseConnections || !this.model.metas[meta]!.up) {
      sock.destroy();
      return;
    }
    set.add(sock);
    sock.on('close', () => set.delete(sock));
    sock.on('error', () => {});
    sock.setNoDelay(true);
    let head = Buffer.alloc(0);
    const onFirst = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      if (head.length < 4) return;
      sock.off('data', onFirst);
      const proto = detectProtocol(head.subarray(0, 4));
      if (proto === 'thrift') this.serveThrift(meta, sock, head);
      else if (proto === 'http') this.serveHttp(meta, sock, head);
      else sock.destroy();
    };
    sock.on('data', onFirst);
  }

  private reply(meta: number, sock: net.Socket, bytes: Buffer | string): void {
    const delay = this.faults[meta]!.delayMs;
    const write = (): void => {
      if (!sock.destroyed) sock.write(bytes);
    };
    if (delay > 0) setTimeout(write, delay).unref();
    else write();
  }

  private serveThrift(meta: number, sock: net.Socket, first: Buffer): void {
    const reader = new FrameReader('request');
    const onData = (chunk: Buffer): void => {
      let frames: Buffer[];
      try {
        frames = reader.push(chunk);
      } catch {
        sock.destroy(); // malformed header or oversize frame: close without a reply
        return;
      }
      for (const f of frames) {
        const out = this.handleFrame(meta, f);
        if (out === 'close') {
          sock.destroy();
          return;
        }
        if (out) this.reply(meta, sock, out);
      }
    };
    sock.on('data', onData);
    onData(first);
  }

  /** One request frame → the reply bytes, null for ONEWAY, 'close' on malformed input. */
  handleFrame(meta: number, frame: Buffer): Buffer | null | 'close' {
    let rf;
    try {
      rf = decodeRequest(frame);
    } catch {
      return 'close';
    }
    const rpc = RPC_BY_NAME.get(rf.name);
    if (!rpc) return rf.messageType === MessageType.ONEWAY ? null : encodeErrorResponse(rf.name, rf.seqid, 'ERR_HANDLER_NOT_FOUND');
    let req: unknown;
    try {
      req = decodeArgs(rpc, rf);
    } catch {
      return 'close';
    }
    this.beforeRequest();
    try {
      const resp = this.dispatch(meta, rpc, req);
      if (rf.messageType === MessageType.ONEWAY) return null;
      return encodeResponse(rpc, resp, { seqid: rf.seqid, version: this.model.cfg.version });
    } catch (e) {
      // A simulator bug must not take the process down; the client sees a dropped connection.
      process.stderr.write(`simulator: ${rf.name} failed: ${e instanceof Error ? e.stack : String(e)}\n`);
      return 'close';
    }
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

  // ------------------------------------------------------------------ HTTP/1.1 (the rDSN server's exact reply lines)

  private serveHttp(meta: number, sock: net.Socket, first: Buffer): void {
    let buf = first;
    const pump = (): void => {
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) {
          if (buf.length > MAX_HTTP_HEAD) sock.destroy();
          return;
        }
        const headText = buf.subarray(0, end).toString('latin1');
        const lines = headText.split('\r\n');
        const [method, target] = (lines[0] ?? '').split(' ');
        let len = 0;
        for (const l of lines.slice(1)) {
          const m = /^content-length:\s*(\d+)\s*$/i.exec(l);
          if (m) len = Number(m[1]);
        }
        if (buf.length < end + 4 + len) return;
        buf = buf.subarray(end + 4 + len);
        if ((method !== 'GET' && method !== 'POST') || !target) {
          sock.destroy();
          return;
        }
        this.beforeRequest();
        let ans: V.HttpAnswer;
        try {
          ans = V.handleHttp(this.model, meta, method, target);
        } catch (e) {
          process.stderr.write(`simulator: HTTP ${target} failed: ${e instanceof Error ? e.stack : String(e)}\n`);
          ans = { status: 500, body: 'ERR_UNKNOWN' };
        }
        const body = Buffer.from(ans.body, 'utf8');
        const headLines = [`HTTP/1.1 ${ans.status} ${HTTP_TEXT[ans.status]}`, 'Content-Type: text/plain', `Content-Length: ${body.length}`];
        if (ans.location) headLines.push(`Location: ${ans.location}`);
        this.reply(meta, sock, Buffer.concat([Buffer.from(headLines.join('\r\n') + '\r\n\r\n', 'latin1'), body]));
      }
    };
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      pump();
    });
    pump();
  }
}
