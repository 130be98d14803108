/**
 * `pegasus-ops sim`: starts a simulated Pegasus cluster on loopback, prints exactly one JSON line
 * `{"metaServers":[…],"control":"http://127.0.0.1:PORT"}` once every port listens, and runs until
 * SIGINT/SIGTERM. Exit codes: 0 clean stop, 1 could not start (e.g. port in use), 2 bad usage.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseTables, simOptionsSchema, startSimulatedCluster, validateSimOptions, type StartOptions } from '../simulator';

const USAGE = `Usage: pegasus-ops sim [options]

Starts a simulated Pegasus cluster (meta servers speaking the real THFT + HTTP protocol on
loopback) and a control API; prints one JSON line with their addresses, then runs until Ctrl-C.

Options:
  --metas N               meta servers (default 3; the first is the leader)
  --nodes N               replica servers (default 5)
  --tables SPEC           name:partitions:replicas[,...] (default temp:8:3)
  --port P                first meta port; metas use P, P+1, ... (default 34601; 0 = free ports)
  --control-port P        control API port (default 0 = a free port)
  --pegasus-version V     2.5 (text remote-command output) or 2.6 (JSON, hp_* fields) (default 2.6)
  --seed N                seed of every random choice (default 1)
  --time-scale X          simulated seconds per wall second (default 1; 0 = clock stopped,
                          advanced only by POST /advance)
  --replica-size-mb N     size of every replica (default 1024)
  --copy-rate-mb N        learning bandwidth per replica server, MB/s (default 100)
  --listen-replicas       replica servers listen on their ports (127.0.0.1:34801, ...) and answer
                          remote commands such as nfs.max_copy_rate_megabytes_per_disk
  --hostnames             2.6 only: hp_* host_port fields (the node identity on master) name
                          loopback nodes localhost:PORT instead of 127.0.0.1:PORT
  --topology FILE         JSON object of model options, e.g. an exact twin of a live cluster:
                          {"nodeAddresses":[...],"tables":[...],"placement":{...},
                          "livePercentage":..,"levelOnStart":..,"blackList":[..]} (see
                          src/simulator/README.md); the flags above override its values
  --help, -h              this help`;

class UsageError extends Error {}

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
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        metas: { type: 'string' },
        nodes: { type: 'string' },
        tables: { type: 'string' },
        port: { type: 'string' },
        'control-port': { type: 'string' },
        'pegasus-version': { type: 'string' },
        seed: { type: 'string' },
        'time-scale': { type: 'string' },
        'replica-size-mb': { type: 'string' },
        'copy-rate-mb': { type: 'string' },
        'listen-replicas': { type: 'boolean' },
        topology: { type: 'string' },
        hostnames: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help) return 'help';
  const s = (k: string): string | undefined => values[k] as string | undefined;
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
    process.stderr.write(`pegasus-ops sim: ${(e as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (opts === 'help') {
    process.stdout.write(USAGE + '\n');
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
