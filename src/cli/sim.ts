/**
 * `pegasus-ops sim`: starts a simulated Pegasus cluster on loopback, prints exactly one JSON line
 * `{"metaServers":[…],"control":"http://127.0.0.1:PORT"}` once every port listens, and runs until
 * SIGINT/SIGTERM. Exit codes: 0 clean stop, 1 could not start (e.g. port in use), 2 bad usage.
 */
import { readFileSync } from 'node:fs';
import { parseTables, simOptionsSchema, startSimulatedCluster, validateSimOptions, type StartOptions } from '../simulator';
import { helpText, parseCli, UsageError } from './args';
import { simSpec } from './specs';

function num(name: string, v: string | undefined, opts: { int?: boolean; min?: number; max?: number } = {}): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  const bad =
    v.trim() === '' ||
    !Number.isFinite(n) ||
    (opts.int && !Number.isInteger(n)) ||
    (opts.min !== undefined && n < opts.min) ||
    (opts.max !== undefined && n > opts.max);
  if (bad) {
    const range = `${opts.int ? 'an integer' : 'a number'}${opts.min !== undefined ? ` ≥ ${opts.min}` : ''}${opts.max !== undefined ? ` and ≤ ${opts.max}` : ''}`;
    throw new UsageError(`--${name} '${v}': expected ${range}`);
  }
  return n;
}

export function parseSimArgs(argv: string[]): StartOptions | 'help' {
  const parsed = parseCli(simSpec, argv);
  if ('help' in parsed) return 'help';
  const values = parsed.values;
  const s = (k: Exclude<keyof typeof values, 'listen-replicas' | 'hostnames'>): string | undefined => values[k];
  const version = s('pegasus-version');
  if (version !== undefined && version !== '2.5' && version !== '2.6')
    throw new UsageError(`--pegasus-version '${version}': expected 2.5 or 2.6`);
  const topology = s('topology');
  const opts: StartOptions = {
    ...(topology !== undefined ? readTopology(topology) : {}),
    port: num('port', s('port'), { int: true, min: 0, max: 65535 }) ?? 34601,
    controlPort: num('control-port', s('control-port'), { int: true, min: 0, max: 65535 }) ?? 0,
    timeScale: num('time-scale', s('time-scale'), { min: 0, max: 1e6 }) ?? 1,
  };
  const metas = num('metas', s('metas'), { int: true, min: 1, max: 9 });
  const nodes = num('nodes', s('nodes'), { int: true, min: 0, max: 5000 });
  const seed = num('seed', s('seed'), { int: true });
  const size = num('replica-size-mb', s('replica-size-mb'), { min: 0.001 });
  const rate = num('copy-rate-mb', s('copy-rate-mb'), { min: 0.001 });
  const skew = num('size-skew', s('size-skew'), { min: 0, max: 3 });
  const disk = num('disk-gb', s('disk-gb'), { min: 0.001 });
  const send = num('send-rate-mb', s('send-rate-mb'), { min: 0 });
  const base = num('replica-base-port', s('replica-base-port'), { int: true, min: 0, max: 65000 });
  if (skew !== undefined) opts.sizeSkew = skew;
  if (disk !== undefined) opts.diskGb = disk;
  if (send !== undefined) opts.sendRateMb = send;
  if (base !== undefined) opts.replicaBasePort = base;
  if (metas !== undefined) opts.metas = metas;
  if (nodes !== undefined) opts.nodes = nodes;
  if (seed !== undefined) opts.seed = seed;
  if (size !== undefined) opts.replicaSizeMb = size;
  if (rate !== undefined) opts.copyRateMb = rate;
  if (version !== undefined) opts.version = version;
  if (values['listen-replicas']) opts.listenReplicas = true;
  if (values.hostnames) {
    if ((opts.version ?? '2.6') !== '2.6') throw new UsageError(`--hostnames needs --pegasus-version 2.6 (2.5 has no host_port fields)`);
    opts.hostnames = true;
  }
  const tables = s('tables');
  if (tables !== undefined) {
    try {
      opts.tables = parseTables(tables);
    } catch (e) {
      throw new UsageError(`--tables: ${(e as Error).message}`);
    }
  }
  if (opts.port !== 0 && opts.port! + (opts.metas ?? 3) - 1 > 65535)
    throw new UsageError(`--port ${opts.port}: the meta ports would pass 65535; pick a lower port or 0`);
  return opts;
}

/** The --topology file: model options only (unknown keys are refused, not ignored). */
function readTopology(file: string): StartOptions {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`--topology ${file}: ${(e as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new UsageError(`--topology ${file}: expected a JSON object of simulator options`);
  const known = Object.keys(simOptionsSchema.shape);
  const unknown = Object.keys(raw).filter((k) => !known.includes(k));
  if (unknown.length > 0) throw new UsageError(`--topology ${file}: unknown option(s) ${unknown.join(', ')}; known: ${known.join(', ')}`);
  try {
    validateSimOptions(raw);
  } catch (e) {
    throw new UsageError(`--topology ${file}: ${(e as Error).message}`);
  }
  return raw as StartOptions;
}

export async function run(argv: string[]): Promise<number> {
  let opts: StartOptions | 'help';
  try {
    opts = parseSimArgs(argv);
  } catch (e) {
    process.stderr.write(`pegasus-ops sim: ${(e as Error).message}\n\n${helpText(simSpec)}\n`);
    return 2;
  }
  if (opts === 'help') {
    process.stdout.write(helpText(simSpec) + '\n');
    return 0;
  }
  let sim;
  try {
    sim = await startSimulatedCluster(opts);
  } catch (e) {
    const msg =
      (e as NodeJS.ErrnoException).code === 'EADDRINUSE'
        ? `${(e as Error).message}: a port is in use; pass --port 0 for free ports or another --port`
        : (e as Error).message;
    process.stderr.write(`pegasus-ops sim: cannot start: ${msg}\n`);
    return 1;
  }
  process.stdout.write(JSON.stringify({ metaServers: sim.metaServers, control: sim.controlUrl }) + '\n');
  // Keep the process alive until a signal (the servers are ref'ed; the driver timer is not).
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await sim.close();
  return 0;
}
