/**
 * Engine tuning flags shared by plan, preflight and the draining operations: `--keep-margin`,
 * `--replica-size`, `--copy-rate`, `--copy-rate-mb`, `--fill-limit`. Parsed here into `EngineOptions` so every step reads them the
 * same way; `engineFor` merges them over the host's engine options.
 */
import type { EngineOptions } from '../../engine/engine';
import { argError } from '../parser';
import { throttleRefusals } from '../../engine/throttle';
import { refusalWords } from './words';
import type { ArgsOf } from '../define';
import type { CommandSpec, FlagSpec } from '../types';

export const engineFlags = [
  {
    name: 'keep-margin',
    type: 'integer',
    valueName: 'n',
    description: 'further node failures each stop must leave room for before a freeze; the threshold is lowered for it (default 0)',
  },
  {
    name: 'replica-size',
    type: 'string',
    valueName: 'size|table=size,...',
    description:
      'bytes per replica for the estimates: 512MB, 1GiB or plain bytes (MB = MiB = 1024² bytes); per table: users=2GiB,default=512MB (default 1GiB)',
  },
  {
    name: 'copy-rate',
    type: 'string',
    valueName: 'MB/s',
    description: 'copy rate per receiving node in MB/s for the time estimates, e.g. 100 or 37.5',
  },
  {
    name: 'copy-rate-mb',
    type: 'integer',
    valueName: 'N',
    description:
      'copy throttle of the run: nfs.max_copy_rate_megabytes_per_disk and nfs.max_send_rate_megabytes_per_disk set to N MB/s on the replica servers, given back at the end (N >= 5: a rate must exceed one 4 MiB copy block per second)',
  },
  {
    name: 'fill-limit',
    type: 'string',
    valueName: '%',
    description:
      'disk fill no staying node may pass after a scale-in, in percent (default 85; never above 100 - disk_min_available_space_ratio)',
  },
] as const satisfies readonly FlagSpec[];

export type EngineFlagOptions = Pick<EngineOptions, 'keepMargin' | 'replicaSizeBytes' | 'copyRateMBps' | 'copyThrottleMb' | 'fillLimitPct'>;

const UNIT: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1024 ** 4,
  tib: 1024 ** 4,
};

/** `512MB`, `1GiB`, `1.5g`, `1048576` → bytes; undefined when it is not a size. */
export function parseSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  if (!m) return undefined;
  const unit = UNIT[m[2]!.toLowerCase()];
  if (unit === undefined) return undefined;
  const n = Math.round(Number(m[1]) * unit);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/** The flags' engine options; throws a syntax error naming the value and the fix. */
export function engineFlagOptions(spec: CommandSpec, a: ArgsOf<typeof engineFlags>): EngineFlagOptions {
  const out: { -readonly [K in keyof EngineFlagOptions]: EngineFlagOptions[K] } = {};
  const k = a.values['keep-margin'];
  if (k !== undefined) {
    if (!Number.isInteger(k) || k < 0)
      throw argError(
        spec,
        a,
        'keep-margin',
        `--keep-margin ${k}: expected a whole number of 0 or more (0 only avoids a freeze; 1 leaves room for one more failure)`,
      );
    out.keepMargin = k;
  }
  if (a.values['replica-size'] !== undefined) {
    const text = a.values['replica-size'].trim();
    const sizeErr = (what: string): never => {
      throw argError(
        spec,
        a,
        'replica-size',
        `--replica-size '${what}' is not a size: give bytes or a size such as 512MB or 1GiB, or per table: users=2GiB,default=512MB`,
      );
    };
    if (!text.includes('=')) {
      out.replicaSizeBytes = parseSize(text) ?? sizeErr(text);
    } else {
      const perTable: Record<string, number> = {};
      for (const item of text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)) {
        const eq = item.indexOf('=');
        const table = eq > 0 ? item.slice(0, eq).trim() : '';
        if (!table)
          throw argError(spec, a, 'replica-size', `--replica-size item '${item}': expected table=SIZE (e.g. users=2GiB) or default=SIZE`);
        if (table in perTable) throw argError(spec, a, 'replica-size', `--replica-size names '${table}' twice: give each table once`);
        perTable[table] = parseSize(item.slice(eq + 1)) ?? sizeErr(item);
      }
      out.replicaSizeBytes = perTable;
    }
  }
  if (a.values['copy-rate'] !== undefined) {
    const text = a.values['copy-rate'].trim();
    const n = /^\d+(?:\.\d+)?$/.test(text.replace(/\s*MB\/?s$/i, '')) ? Number(text.replace(/\s*MB\/?s$/i, '')) : NaN;
    if (!(n > 0) || !Number.isFinite(n))
      throw argError(spec, a, 'copy-rate', `--copy-rate '${text}': expected a positive rate in MB/s such as 100 or 37.5`);
    out.copyRateMBps = n;
  }
  const mb = a.values['copy-rate-mb'];
  if (mb !== undefined) {
    const refused = throttleRefusals(mb, true)[0];
    if (refused) throw argError(spec, a, 'copy-rate-mb', refusalWords(refused).reason + `: ${refusalWords(refused).fix}`);
    out.copyThrottleMb = mb;
  }
  if (a.values['fill-limit'] !== undefined) {
    const text = a.values['fill-limit'].trim().replace(/%$/, '');
    const n = /^\d+(?:\.\d+)?$/.test(text) ? Number(text) : NaN;
    if (!(n > 0 && n <= 100))
      throw argError(
        spec,
        a,
        'fill-limit',
        `--fill-limit '${a.values['fill-limit']}': expected a percentage above 0 and at most 100, such as 85`,
      );
    out.fillLimitPct = n;
  }
  return out;
}
