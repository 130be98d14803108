/**
 * Remote command (RPC_CLI_CLI_CALL) output in both server dialects → one typed result.
 * - text (1.12–2.5): `OK`, `set ok`, `clear ok`, `get ok: a,b`, bare values (`300000`, `true`),
 *   `ERR: invalid arguments`, `invalid arguments`, `unknown command 'x'`, `ERR_OK` (meta.dump)…
 * - JSON (master): `{"error": "ok", "<key>": "<value>"}`; values may be strings or numbers; some
 *   commands have no `error` key (`ignored_app_list get`, `get_balance_operation_count`).
 */
import * as z from 'zod';

export interface RemoteCommandResult {
  /** False when the server said the command failed. */
  ok: boolean;
  /** The answer's value, as text: the queried setting, `get ok:` list, `ignored_app_id_list`, … */
  value?: string;
  /** The server's failure text (e.g. `ERR: invalid arguments`, `unknown command 'x'`). */
  error?: string;
  /** JSON dialect: every key except `error`, values as text (numbers stringified). */
  fields?: Record<string, string>;
  /** Exactly what the server sent. */
  raw: string;
  dialect: 'text' | 'json';
}

export const remoteCommandResultSchema: z.ZodType<RemoteCommandResult> = z.object({
  ok: z.boolean(),
  value: z.string().optional(),
  error: z.string().optional(),
  fields: z.record(z.string(), z.string()).optional(),
  raw: z.string(),
  dialect: z.enum(['text', 'json']),
});

const TEXT_OK = /^(ok|set ok|clear ok)$/i;
const TEXT_FAIL = [/^ERR: /, /^ERR_(?!OK$)[A-Z0-9_]+(?::.*)?$/, /^invalid argument/i, /^unknown command/i, /^cannot find command/i];

function stringify(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export function parseRemoteCommandOutput(raw: string): RemoteCommandResult {
  // ≤2.5 `ignored_app_list get` leaves one NUL byte at the end.
  const text = raw.replace(/\0+$/, '').trim();
  if (text.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (json !== null && typeof json === 'object' && !Array.isArray(json)) {
      const obj = json as Record<string, unknown>;
      const fields: Record<string, string> = {};
      for (const [k, v] of Object.entries(obj)) if (k !== 'error') fields[k] = stringify(v);
      const keys = Object.keys(fields);
      const value = keys.length === 1 ? fields[keys[0]!] : undefined;
      const err = obj.error;
      const ok = err === undefined || err === 'ok';
      const out: RemoteCommandResult = { ok, raw, dialect: 'json', fields };
      if (value !== undefined) out.value = value;
      if (!ok) out.error = stringify(err);
      return out;
    }
  }
  if (TEXT_FAIL.some((re) => re.test(text))) return { ok: false, error: text, raw, dialect: 'text' };
  if (TEXT_OK.test(text) || text === 'ERR_OK') return { ok: true, raw, dialect: 'text' };
  let value = text;
  if (value.startsWith('get ok:')) value = value.slice('get ok:'.length).trim();
  else if (value.startsWith('ignored_app_id_list:')) value = value.slice('ignored_app_id_list:'.length).trim();
  else if (value === 'no ignored apps') value = '';
  return { ok: true, value, raw, dialect: 'text' };
}
