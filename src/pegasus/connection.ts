/**
 * One TCP connection to one server (a meta, or a replica for remote commands). Requests are
 * pipelined and matched to responses by sequence id. Each call has a timeout and can be cancelled
 * with an AbortSignal. A dropped connection fails the calls in flight on it with ERR_SESSION_RESET
 * (ERR_NETWORK_FAILURE if it never connected); the next call opens a new socket.
 */
import * as net from 'node:net';
import { CLIENT_ERRORS, PegasusError, wireError } from './errors';
import { decodeResponseFrame, FrameReader, type RequestHeaderInit } from './frame';
import { decodeResult, encodeRequest, type RpcDef } from './rpc';
import type { WireVersion } from './structs';

export interface CallOptions {
  /** Whole-call deadline in ms (default: the connection's / client's default, 10 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface ConnectionOptions {
  /** Default per-call timeout, ms (default 10000). */
  timeoutMs?: number;
  /** Abort a connect attempt after this long, ms (default 5000). */
  connectTimeoutMs?: number;
  /** Response frame cap (default 64 MiB). */
  maxFrameBytes?: number;
  /** Request header fields; `version: 0` (default) works with every server, 1 needs ≥2.0. */
  header?: RequestHeaderInit;
  /** Field set to encode requests with (only list_apps' pattern and proposal hp_* differ). */
  version?: WireVersion;
  /** Host name resolver passed to `net.connect` (default: the OS resolver, dns.lookup). */
  lookup?: net.LookupFunction;
}

/** Plain words for the OS errors a connect attempt ends with. */
const OS_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'nothing listens on that host:port',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  EHOSTDOWN: 'the host is down',
  ETIMEDOUT: 'the host did not answer the connect',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name could not be resolved (DNS lookup failed)',
  EAI_FAIL: 'the host name could not be resolved (DNS lookup failed)',
  ECONNRESET: 'the connection was reset',
  EADDRNOTAVAIL: 'the address is not valid here',
};

/** "ECONNREFUSED (nothing listens on that host:port)", or the bare message for unknown errors. */
export function describeOsError(e: Error): { osCode: string | undefined; text: string } {
  const code = (e as NodeJS.ErrnoException).code;
  if (typeof code !== 'string') return { osCode: undefined, text: e.message };
  return { osCode: code, text: `${code} (${OS_ERRORS[code] ?? e.message})` };
}

interface Pending {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  rpc: RpcDef<any, any>;
  socket: net.Socket;
  resolve(v: unknown): void;
  reject(e: PegasusError): void;
  cleanup(): void;
}

/** Splits "host:port" (the last colon separates the port). */
export function splitHostPort(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  const port = i > 0 ? Number(address.slice(i + 1)) : NaN;
  if (!(i > 0) || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new PegasusError(CLIENT_ERRORS.invalidParameters, `expected host:port, got ${JSON.stringify(address)}`, {
      kind: 'usage',
      hint: 'write the server as host:port, for example 10.0.0.1:34601',
    });
  }
  const host = address.slice(0, i);
  // "[::1]:34601": brackets are URL syntax, not part of the host.
  return { host: host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host, port };
}

export class Connection {
  private socket: net.Socket | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextSeqid = 1;
  private closed = false;
  private readonly opts: ConnectionOptions;

  constructor(
    readonly address: string,
    opts: ConnectionOptions = {},
  ) {
    splitHostPort(address); // validate early
    this.opts = opts;
  }

  /** Calls in flight. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** True while a socket is open or opening. */
  get connected(): boolean {
    return this.socket !== undefined;
  }

  private err(code: string, detail: string, rpc?: string, cause?: unknown, osCode?: string): PegasusError {
    return new PegasusError(code, detail, { kind: 'transport', rpc, address: this.address, cause, osCode });
  }

  call<Q, P>(rpc: RpcDef<Q, P>, req: Q, o: CallOptions = {}): Promise<P> {
    if (this.closed) return Promise.reject(this.err(CLIENT_ERRORS.sessionReset, 'the connection was closed by the client', rpc.name));
    const signal = o.signal;
    if (signal?.aborted) return Promise.reject(this.err(CLIENT_ERRORS.cancelled, 'cancelled before sending', rpc.name));
    // setTimeout treats anything above 2^31-1 ms (e.g. Infinity) as 1 ms: clamp.
    const timeoutMs = Math.min(Math.max(0, o.timeoutMs ?? this.opts.timeoutMs ?? 10_000), 0x7fffffff);
    const seqid = this.nextSeqid;
    this.nextSeqid = seqid >= 0x7fffffff ? 1 : seqid + 1;
    let frame: Buffer;
    try {
      frame = encodeRequest(rpc, req, {
        seqid,
        header: { ...this.opts.header, clientTimeoutMs: Math.round(timeoutMs) },
        ...(this.opts.version ? { version: this.opts.version } : {}),
      });
    } catch (e) {
      return Promise.reject(e instanceof PegasusError ? e.withContext(rpc.name, this.address) : e);
    }
    const socket = this.ensureSocket();
    return new Promise<P>((resolve, reject) => {
      const timer = setTimeout(() => {
        // Say whether the TCP connect itself never finished (a black-holed address) or the server was silent.
        const detail = socket.connecting ? `could not connect within ${timeoutMs} ms` : `no reply within ${timeoutMs} ms`;
        this.settle(seqid, this.err(CLIENT_ERRORS.timeout, detail, rpc.name));
      }, timeoutMs);
      const onAbort = (): void => this.settle(seqid, this.err(CLIENT_ERRORS.cancelled, 'cancelled by the caller', rpc.name));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(seqid, {
        rpc,
        socket,
        resolve: resolve as (v: unknown) => void,
        reject,
        cleanup: () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
        },
      });
      socket.ref();
      socket.write(frame);
    });
  }

  /** Settles one call: an error rejects it, anything else resolves it. */
  private settle(seqid: number, outcome: PegasusError | { value: unknown }): void {
    const p = this.pending.get(seqid);
    if (!p) return;
    this.pending.delete(seqid);
    p.cleanup();
    if (outcome instanceof PegasusError) p.reject(outcome);
    else p.resolve(outcome.value);
    // Idle sockets must not keep a CLI process alive.
    if (this.pending.size === 0) this.socket?.unref();
  }

  private failAll(socket: net.Socket, e: PegasusError): void {
    for (const [seqid, p] of this.pending) if (p.socket === socket) this.settle(seqid, e.withContext(p.rpc.name, this.address));
  }

  private ensureSocket(): net.Socket {
    if (this.socket) return this.socket;
    const { host, port } = splitHostPort(this.address);
    const socket = net.connect({ host, port, ...(this.opts.lookup ? { lookup: this.opts.lookup } : {}) });
    socket.setNoDelay(true);
    const reader = new FrameReader('response', this.opts.maxFrameBytes !== undefined ? { maxFrameBytes: this.opts.maxFrameBytes } : {});
    let connected = false;
    let failure: PegasusError | undefined;
    const connectTimer = setTimeout(() => {
      failure = this.err(CLIENT_ERRORS.networkFailure, `connect timed out after ${this.opts.connectTimeoutMs ?? 5000} ms`);
      socket.destroy();
    }, this.opts.connectTimeoutMs ?? 5000);
    socket.once('connect', () => {
      connected = true;
      clearTimeout(connectTimer);
    });
    socket.on('data', (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = reader.push(chunk);
      } catch (e) {
        // Bad framing: the stream is out of sync, so everything on this socket fails.
        failure = e instanceof PegasusError ? e.withContext(undefined, this.address) : wireError(String(e));
        socket.destroy();
        return;
      }
      for (const frame of frames) this.onFrame(socket, frame);
    });
    socket.on('error', (e: Error) => {
      const os = describeOsError(e);
      failure ??= connected
        ? this.err(CLIENT_ERRORS.sessionReset, `connection error: ${os.text}`, undefined, e, os.osCode)
        : this.err(CLIENT_ERRORS.networkFailure, `cannot connect to ${this.address}: ${os.text}`, undefined, e, os.osCode);
    });
    socket.on('close', () => {
      clearTimeout(connectTimer);
      if (this.socket === socket) this.socket = undefined;
      const partial = reader.bufferedBytes > 0 ? ` (closed mid-frame, ${reader.bufferedBytes} bytes of a partial frame)` : '';
      const e =
        failure ??
        (connected
          ? this.err(CLIENT_ERRORS.sessionReset, `the server closed the connection${partial}`)
          : this.err(CLIENT_ERRORS.networkFailure, 'the connection closed before it was established'));
      this.failAll(socket, e);
    });
    this.socket = socket;
    return socket;
  }

  private onFrame(socket: net.Socket, frame: Buffer): void {
    let rf;
    try {
      rf = decodeResponseFrame(frame);
    } catch (e) {
      // Cannot tell which call this frame answers: fail every call on the socket.
      const err = e instanceof PegasusError ? e : wireError(String(e));
      this.failAll(socket, err);
      socket.destroy();
      return;
    }
    const p = this.pending.get(rf.seqid);
    if (!p || p.socket !== socket) return; // late reply to a timed-out or cancelled call
    try {
      this.settle(rf.seqid, { value: decodeResult(p.rpc, rf) });
    } catch (e) {
      const err = e instanceof PegasusError ? e : wireError(String(e));
      this.settle(rf.seqid, err.withContext(p.rpc.name, this.address));
    }
  }

  /** Fails calls in flight and closes the socket; later calls are refused. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const s = this.socket;
    this.socket = undefined;
    if (s) {
      this.failAll(s, this.err(CLIENT_ERRORS.sessionReset, 'the connection was closed by the client'));
      s.destroy();
    }
  }
}
