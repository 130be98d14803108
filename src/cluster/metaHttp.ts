/**
 * Reads one configuration flag from a meta server's built-in HTTP server (same port as RPC,
 * `GET /config?name=<flag>`, Pegasus 2.2 and later). Used for values no RPC exposes, such as
 * `min_live_node_count_for_unfreeze` (the freeze rule's second input). The body is validated with
 * zod; an unknown flag, an older server or any failure gives `undefined`, never an exception.
 */
import { request } from 'node:http';
import * as z from 'zod';

/** Flag JSON: every value is a string (the server's table printer stringifies numbers). */
const flagSchema = z.object({
  name: z.string(),
  section: z.string().optional(),
  type: z.string().optional(),
  value: z.string(),
});
export type MetaConfigFlag = z.infer<typeof flagSchema>;

const MAX_BODY = 64 * 1024;

export function readMetaConfigFlag(
  address: string,
  name: string,
  opts: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<MetaConfigFlag | undefined> {
  const m = /^(.+):(\d{1,5})$/.exec(address);
  if (!m) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    let done = false;
    const finish = (v: MetaConfigFlag | undefined) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      req.destroy();
      resolve(v);
    };
    const req = request(
      { host: m[1], port: Number(m[2]), path: `/config?name=${encodeURIComponent(name)}`, method: 'GET', agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
          if (body.length > MAX_BODY) finish(undefined);
        });
        res.on('end', () => {
          if (res.statusCode !== 200) return finish(undefined);
          try {
            const r = flagSchema.safeParse(JSON.parse(body));
            finish(r.success && r.data.name === name ? r.data : undefined);
          } catch {
            finish(undefined); // e.g. "ERR_OBJECT_NOT_FOUND: '<name>' is not found"
          }
        });
        res.on('error', () => finish(undefined));
      },
    );
    const onAbort = () => finish(undefined);
    const timer = setTimeout(() => finish(undefined), opts.timeoutMs ?? 3000);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', () => finish(undefined));
    req.end();
  });
}

/** `min_live_node_count_for_unfreeze` of one meta, when its HTTP server answers (2.2+). */
export async function readMinLiveNodeCount(
  address: string,
  opts: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<number | undefined> {
  const f = await readMetaConfigFlag(address, 'min_live_node_count_for_unfreeze', opts);
  const v = f ? Number(f.value) : NaN;
  return Number.isInteger(v) && v > 0 ? v : undefined;
}
