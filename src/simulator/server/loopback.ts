/**
 * A group of simulated server processes on loopback ports, one port each, with the rDSN port
 * discipline: the protocol is chosen per connection by its first 4 bytes (`THFT` → thrift frames,
 * `GET `/`POST` → HTTP/1.1 with the exact rDSN reply lines, anything else → close). What each
 * process answers is up to the `Handler`; this file only moves bytes and applies injected faults.
 */
import * as net from 'node:net';
import { FrameReader, detectProtocol } from '../../pegasus';
import type { HttpAnswer } from '../model/views';

export interface Faults {
  /** Every reply (RPC and HTTP) is held back this many real milliseconds. */
  delayMs: number;
  /** New connections are accepted and closed at once (a hung-but-listening process). */
  refuseConnections: boolean;
}

export interface Handler {
  /** One request frame → reply bytes, null for no reply (ONEWAY), 'close' on malformed input. */
  frame(i: number, frame: Buffer): Buffer | null | 'close';
  http(i: number, method: string, target: string): HttpAnswer;
  /** False while the process is down (connections that still arrive are dropped). */
  accepting(i: number): boolean;
}

const HTTP_TEXT: Record<number, string> = {
  200: 'OK',
  307: 'Temporary Redirect',
  400: 'Bad Request',
  404: 'Not Found',
  500: 'Internal Server Error',
};
const MAX_HTTP_HEAD = 64 * 1024;

export class EndpointGroup {
  private readonly servers: (net.Server | null)[] = [];
  private readonly sockets: Set<net.Socket>[] = [];
  readonly ports: number[] = [];
  readonly faults: Faults[] = [];
  private closed = false;
  /** Called before each request is answered (the real-time driver catches the clock up). */
  beforeRequest: () => void = () => {};

  constructor(
    private readonly handler: Handler,
    readonly host = '127.0.0.1',
  ) {}

  /** Binds endpoint `i` on `port` (0 = a free port) and returns the bound port. */
  async add(i: number, port: number): Promise<number> {
    this.sockets[i] = new Set();
    this.faults[i] = { delayMs: 0, refuseConnections: false };
    this.servers[i] = null;
    this.ports[i] = port;
    const bound = await this.listenOne(i, port);
    this.ports[i] = bound;
    return bound;
  }

  private listenOne(i: number, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const srv = net.createServer((sock) => this.onConnection(i, sock));
      srv.once('error', reject);
      srv.listen(port, this.host, () => {
        srv.off('error', reject);
        srv.on('error', () => {});
        if (this.closed) {
          srv.close();
          return reject(new Error('closed'));
        }
        this.servers[i] = srv;
        resolve((srv.address() as net.AddressInfo).port);
      });
    });
  }

  /** The process went down: stop accepting and drop its connections. */
  shut(i: number): void {
    const srv = this.servers[i];
    this.servers[i] = null;
    srv?.close();
    this.dropConnections(i);
  }

  /** The process came back on its old port. Returns false when the port could not be bound. */
  async reopen(i: number): Promise<boolean> {
    if (this.closed || this.servers[i] || this.ports[i] === undefined) return false;
    try {
      await this.listenOne(i, this.ports[i]!);
      return true;
    } catch {
      return false; // the port was taken meanwhile; the process stays unreachable (GET /state shows it)
    }
  }

  listening(i: number): boolean {
    return this.servers[i] !== null && this.servers[i] !== undefined;
  }

  /** Destroys every open connection of one endpoint (or of all). */
  dropConnections(i?: number): number {
    let n = 0;
    this.sockets.forEach((set, k) => {
      if (i !== undefined && i !== k) return;
      for (const s of set) {
        s.destroy();
        n++;
      }
      set.clear();
    });
    return n;
  }

  async close(): Promise<void> {
    this.closed = true;
    const closing = this.servers.map((s) => (s ? new Promise<void>((r) => s.close(() => r())) : Promise.resolve()));
    this.servers.fill(null);
    this.dropConnections();
    await Promise.all(closing);
  }

  private onConnection(i: number, sock: net.Socket): void {
    const set = this.sockets[i]!;
    if (this.faults[i]!.refuseConnections || !this.handler.accepting(i)) {
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
      if (proto === 'thrift') this.serveThrift(i, sock, head);
      else if (proto === 'http') this.serveHttp(i, sock, head);
      else sock.destroy();
    };
    sock.on('data', onFirst);
  }

  private reply(i: number, sock: net.Socket, bytes: Buffer): void {
    const delay = this.faults[i]!.delayMs;
    const write = (): void => {
      if (!sock.destroyed) sock.write(bytes);
    };
    if (delay > 0) setTimeout(write, delay).unref();
    else write();
  }

  private serveThrift(i: number, sock: net.Socket, first: Buffer): void {
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
        this.beforeRequest();
        const out = this.handler.frame(i, f);
        if (out === 'close') {
          sock.destroy();
          return;
        }
        if (out) this.reply(i, sock, out);
      }
    };
    sock.on('data', onData);
    onData(first);
  }

  private serveHttp(i: number, sock: net.Socket, first: Buffer): void {
    let buf = first;
    const pump = (): void => {
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) {
          if (buf.length > MAX_HTTP_HEAD) sock.destroy();
          return;
        }
        const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
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
        let ans: HttpAnswer;
        try {
          ans = this.handler.http(i, method, target);
        } catch (e) {
          process.stderr.write(`simulator: HTTP ${target} failed: ${e instanceof Error ? e.stack : String(e)}\n`);
          ans = { status: 500, body: 'ERR_UNKNOWN' };
        }
        const body = Buffer.from(ans.body, 'utf8');
        const head = [`HTTP/1.1 ${ans.status} ${HTTP_TEXT[ans.status]}`, 'Content-Type: text/plain', `Content-Length: ${body.length}`];
        if (ans.location) head.push(`Location: ${ans.location}`);
        this.reply(i, sock, Buffer.concat([Buffer.from(head.join('\r\n') + '\r\n\r\n', 'latin1'), body]));
      }
    };
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      pump();
    });
    pump();
  }
}

function bindOnce(port: number, host: string): Promise<net.Server | null> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(null));
    srv.listen(port, host, () => resolve(srv));
  });
}

/**
 * A first port such that `count` consecutive ports are free right now: the OS picks one, the rest
 * are checked; a few retries when a neighbour is taken. Parallel simulators then never share ports.
 */
export async function findFreePortRange(count: number, host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = await bindOnce(0, host);
    if (!first) break;
    const base = (first.address() as net.AddressInfo).port;
    const held: net.Server[] = [first];
    let ok = base + count - 1 <= 65535;
    for (let i = 1; ok && i < count; i++) {
      const s = await bindOnce(base + i, host);
      if (s) held.push(s);
      else ok = false;
    }
    await Promise.all(held.map((s) => new Promise<void>((r) => s.close(() => r()))));
    if (ok) return base;
  }
  throw new Error(`no ${count} consecutive free ports on ${host}`);
}
