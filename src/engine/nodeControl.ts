/**
 * Node control: how the engine starts and stops replica servers (and restarts metas), pluggable
 * per cluster. No deployment tool is assumed.
 *
 * - `command`: argv templates run WITHOUT a shell (child_process.execFile). `{host}`, `{port}` and
 *   `{address}` are the only placeholders, and the address they come from must be one the cluster
 *   lists (or the operation names) and must look like a plain host:port. A host starting with `-`
 *   is refused too: with no shell there is nothing to inject into, but a leading dash could still
 *   be taken as an option by the program (`ssh -oProxyCommand=...`).
 * - `manual`: tells the operator what to do; the engine then waits for the meta to see it happen.
 * - `simulator`: the simulated cluster's control API.
 */
import { execFile } from 'node:child_process';
import type { NodeControlConfig } from '../cluster/profile';
import { abortError, type NodeControl } from './ports';

export class NodeControlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NodeControlError';
  }
}

const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const ALLOWED = new Set(['host', 'port', 'address']);

/** Splits and validates `host:port`; throws naming the value and the rule it broke. */
export function parseNodeAddress(address: string): { host: string; port: string } {
  const m = /^([^:\s]+):(\d{1,5})$/.exec(address);
  if (!m) throw new NodeControlError(`refusing node address ${JSON.stringify(address)}: expected host:port such as 10.0.0.1:34801`);
  const host = m[1]!;
  const port = m[2]!;
  if (!HOST.test(host))
    throw new NodeControlError(
      `refusing node address ${JSON.stringify(address)}: the host may only hold letters, digits, dots and inner dashes`,
    );
  const n = Number(port);
  if (n < 1 || n > 65535) throw new NodeControlError(`refusing node address ${JSON.stringify(address)}: port ${port} is outside 1..65535`);
  return { host, port };
}

/** Checks a template once, up front: only known placeholders, no empty program. */
export function validateTemplate(name: string, argv: readonly string[]): void {
  if (argv.length === 0 || !argv[0]) throw new NodeControlError(`nodeControl.${name}: the argv template needs at least the program name`);
  for (const a of argv) {
    for (const m of a.matchAll(PLACEHOLDER)) {
      if (!ALLOWED.has(m[1]!))
        throw new NodeControlError(
          `nodeControl.${name}: unknown placeholder {${m[1]}} in ${JSON.stringify(a)}; use {host}, {port} or {address}`,
        );
    }
  }
  if (/\{[A-Za-z_][A-Za-z0-9_]*\}/.test(argv[0]!))
    throw new NodeControlError(`nodeControl.${name}: the program (${JSON.stringify(argv[0])}) must not come from a placeholder`);
}

/** Fills a template for one known address. */
export function fillTemplate(argv: readonly string[], address: string, known: ReadonlySet<string>): string[] {
  if (!known.has(address))
    throw new NodeControlError(
      `refusing to run node control for ${JSON.stringify(address)}: it is not a node of this cluster (known: ${[...known].slice(0, 8).join(', ')}${known.size > 8 ? ', …' : ''})`,
    );
  const { host, port } = parseNodeAddress(address);
  const vals: Record<string, string> = { host, port, address };
  return argv.map((a) => a.replace(PLACEHOLDER, (_, k: string) => vals[k]!));
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs argv without a shell; rejects with the program, exit code and the end of stderr. */
export function runArgv(argv: readonly string[], signal?: AbortSignal, timeoutMs = 300_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    execFile(
      argv[0]!,
      argv.slice(1),
      { shell: false, timeout: timeoutMs, signal, maxBuffer: 4 * 1024 * 1024, windowsHide: true },
      (err, stdout, stderr) => {
        if (err) {
          if (signal?.aborted) return reject(abortError(signal));
          const e = err as NodeJS.ErrnoException & { code?: number | string; killed?: boolean };
          const tail = String(stderr).trim().split('\n').slice(-3).join(' | ');
          const why =
            e.code === 'ENOENT'
              ? `program not found (${argv[0]})`
              : e.killed
                ? `timed out after ${timeoutMs} ms`
                : `exit code ${String(e.code)}`;
          return reject(new NodeControlError(`${argv.map((a) => JSON.stringify(a)).join(' ')} failed: ${why}${tail ? `: ${tail}` : ''}`));
        }
        resolve({ code: 0, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

export interface NodeControlDeps {
  /** Addresses a template may be filled with: the cluster's nodes plus the operation's new nodes. */
  knownNodes(): ReadonlySet<string>;
  /** The configured meta servers (for restartMeta). */
  metaServers: readonly string[];
  /** For `manual`: tell the operator what to do (the engine waits for the meta to see it). */
  tellOperator(message: string): void;
}

export function createNodeControl(cfg: NodeControlConfig | undefined, deps: NodeControlDeps): NodeControl {
  if (!cfg || cfg.kind === 'manual') return manualControl(deps);
  if (cfg.kind === 'simulator') return simulatorControl(cfg.control, deps);
  validateTemplate('stop', cfg.stop);
  validateTemplate('start', cfg.start);
  if (cfg.cleanup) validateTemplate('cleanup', cfg.cleanup);
  if (cfg.restartMeta) validateTemplate('restartMeta', cfg.restartMeta);
  const metas = (): ReadonlySet<string> => new Set(deps.metaServers);
  const ctl: NodeControl = {
    kind: 'command',
    ...(cfg.restartMeta ? {} : { restartMetaIsManual: true, restartsMetaGroup: true }),
    stopNode: async (a, signal) => void (await runArgv(fillTemplate(cfg.stop, a, deps.knownNodes()), signal)),
    startNode: async (a, signal) => void (await runArgv(fillTemplate(cfg.start, a, deps.knownNodes()), signal)),
    restartMeta: async (a, signal) => {
      if (!cfg.restartMeta) {
        deps.tellOperator(
          `Restart the meta servers now, one at a time, leader last (no restartMeta template is configured); waiting until the leader forgets the removed nodes.`,
        );
        return;
      }
      if (a === 'all') throw new NodeControlError('restartMeta with a command template restarts one meta at a time');
      await runArgv(fillTemplate(cfg.restartMeta, a, metas()), signal);
    },
  };
  const cleanup = cfg.cleanup;
  if (cleanup) ctl.cleanupNode = async (a, signal) => void (await runArgv(fillTemplate(cleanup, a, deps.knownNodes()), signal));
  return ctl;
}

function manualControl(deps: NodeControlDeps): NodeControl {
  return {
    kind: 'manual',
    restartsMetaGroup: true,
    restartMetaIsManual: true,
    stopNode: async (a) => deps.tellOperator(`Stop the replica server process on ${a} now; waiting for the meta to see it UNALIVE.`),
    startNode: async (a) => deps.tellOperator(`Start the replica server process on ${a} now; waiting for the meta to list it ALIVE.`),
    restartMeta: async (a) =>
      deps.tellOperator(
        `Restart the meta server ${a === 'all' ? 'processes now, one at a time, leader last' : `${a} now`}; waiting until the leader forgets the removed nodes.`,
      ),
  };
}

function simulatorControl(control: string, deps: NodeControlDeps): NodeControl {
  const base = control.replace(/\/+$/, '');
  const post = async (path: string, body: Record<string, unknown> = {}, signal?: AbortSignal): Promise<unknown> => {
    const res = await fetch(base + path, {
      method: 'POST',
      signal,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new NodeControlError(`simulator control POST ${path} answered ${res.status}: ${text.slice(0, 200)}`);
    try {
      return text ? JSON.parse(text) : {};
    } catch {
      return {};
    }
  };
  const known = (a: string): string => {
    if (!deps.knownNodes().has(a)) throw new NodeControlError(`refusing to control ${JSON.stringify(a)}: it is not a node of this cluster`);
    parseNodeAddress(a);
    return encodeURIComponent(a);
  };
  // The simulator answers a meta restart only once that meta is up again and a leader serves.
  const wait = { wait: true };
  return {
    kind: 'simulator',
    restartMetaWaits: true,
    stopNode: async (a, signal) => void (await post(`/nodes/${known(a)}/stop`, {}, signal)),
    startNode: async (a, signal) => void (await post(`/nodes/${known(a)}/start`, {}, signal)),
    addNode: async (signal) => {
      const r = (await post('/nodes', {}, signal)) as { address?: unknown; node?: unknown };
      const addr = typeof r.address === 'string' ? r.address : typeof r.node === 'string' ? r.node : undefined;
      if (!addr) throw new NodeControlError(`simulator POST /nodes did not return an address: ${JSON.stringify(r).slice(0, 200)}`);
      return addr;
    },
    restartMeta: async (a, signal) => {
      if (a === 'all') return void (await post('/meta/restart', wait, signal));
      if (!deps.metaServers.includes(a))
        throw new NodeControlError(`refusing to restart ${JSON.stringify(a)}: it is not a configured meta server`);
      await post(`/meta/${encodeURIComponent(a)}/restart`, wait, signal);
    },
  };
}
