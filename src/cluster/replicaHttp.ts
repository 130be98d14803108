/**
 * One bounded HTTP GET to a Pegasus server's built-in HTTP service (same port as RPC). Bounded in
 * time and in size, because the reader asks every replica server and must survive any of them.
 */
import { request } from 'node:http';

export type HttpFailureCode = 'timeout' | 'unreachable' | 'too-large' | 'aborted' | 'bad-address';

export class HttpFailure extends Error {
  constructor(
    readonly code: HttpFailureCode,
    detail: string,
  ) {
    super(detail);
  }
}

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

export interface HttpGetOptions {
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly signal?: AbortSignal | undefined;
}

/** Resolves with the status and body; rejects with an HttpFailure (never anything else). */
export function httpGet(address: string, path: string, opts: HttpGetOptions): Promise<HttpAnswer> {
  const m = /^(.+):(\d{1,5})$/.exec(address);
  if (!m || Number(m[2]) > 65535) return Promise.reject(new HttpFailure('bad-address', `not host:port: ${address.slice(0, 100)}`));
  if (opts.signal?.aborted) return Promise.reject(new HttpFailure('aborted', 'aborted'));
  return new Promise((resolve, reject) => {
    let done = false;
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (err: HttpFailure | undefined, answer?: HttpAnswer) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      req.destroy();
      if (err) reject(err);
      else resolve(answer!);
    };
    const host = m[1]!.replace(/^\[(.*)\]$/, '$1');
    const req = request({ host, port: Number(m[2]), path, method: 'GET', agent: false }, (res) => {
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > opts.maxBytes) return finish(new HttpFailure('too-large', `body over ${opts.maxBytes} bytes`));
        chunks.push(chunk);
      });
      res.on('end', () => finish(undefined, { status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (e) => finish(new HttpFailure('unreachable', e.message)));
      // After 'end' this is a no-op; before it, the server hung up mid-body.
      res.on('close', () => finish(new HttpFailure('unreachable', 'connection closed mid-body')));
    });
    const onAbort = () => finish(new HttpFailure('aborted', 'aborted'));
    // One deadline for connect, headers and body: a server that trickles bytes cannot hold the reader.
    const timer = setTimeout(() => finish(new HttpFailure('timeout', `no full answer within ${opts.timeoutMs} ms`)), opts.timeoutMs);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (e) => finish(new HttpFailure('unreachable', e.message)));
    req.end();
  });
}
