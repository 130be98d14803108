/** Helpers shared by the shell commands. */
import { lookupService } from 'node:dns/promises';
import { isIpPort } from '../../cluster/address';
import { fetchSnapshot } from '../../cluster/fetch';
import type { ClusterSnapshot } from '../../cluster/snapshot';
import type { CallOptions } from '../../cluster/client';
import { META_LEVEL_VALUE, isMetaLevel } from '../../pegasus/types';
import { CommandError } from '../errors';
import type { CommandContext } from '../types';

/**
 * Whose shell output to print. Master names servers by host_port (the hp_* fields on the wire) and
 * prints host:port; 2.5 and earlier know only ip:port. Taken from what the meta sent.
 */
export type ShellDialect = '2.5' | 'master';

export function dialectOf(hostPorts: Iterable<string | undefined>): ShellDialect {
  for (const h of hostPorts) if (h) return 'master';
  return '2.5';
}

/** getnameinfo, as the 2.5 shell's hostname_from_ip_port: `host:port`, or undefined when the ip has no name. */
async function systemHostName(ipPort: string): Promise<string | undefined> {
  const m = /^(\d+\.\d+\.\d+\.\d+):(\d+)$/.exec(ipPort);
  if (!m) return undefined;
  let timer: NodeJS.Timeout | undefined;
  // A resolver that does not answer must not hold the command: the ip is printed instead.
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), 2000);
    timer.unref();
  });
  try {
    const r = await Promise.race([lookupService(m[1]!, Number(m[2])).catch(() => undefined), timeout]);
    return r && r.hostname !== m[1] ? `${r.hostname}:${m[2]}` : undefined;
  } finally {
    clearTimeout(timer);
  }
}

/** The 2.5 shell's `-r`: every ip:port that has a host name, mapped to `host:port` (others map to themselves). */
export async function hostNames(ctx: CommandContext, addresses: Iterable<string>): Promise<(addr: string) => string> {
  const resolve = ctx.services?.hostNameOf ?? systemHostName;
  const unique = [...new Set(addresses)];
  const names = await Promise.all(unique.map((a) => resolve(a).catch(() => undefined)));
  const map = new Map(unique.map((a, i) => [a, names[i] ?? a]));
  return (addr) => map.get(addr) ?? addr;
}

export function callOpts(ctx: CommandContext): CallOptions {
  return { signal: ctx.signal };
}

/** A fresh model of the cluster (the shell reads everything anew for every command). */
export function freshSnapshot(ctx: CommandContext): Promise<ClusterSnapshot> {
  return fetchSnapshot(ctx.client, { signal: ctx.signal, extras: false });
}

/** `2023-11-21_10:20:30` in local time, as the shell's time_s_to_date_time prints it; '-' for 0. */
export function shellTime(seconds: number): string {
  if (!seconds) return '-';
  const d = new Date(seconds * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}_${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** The order of the shells' address-keyed maps: ip numerically then port (rpc_address), else host then port (host_port). */
export function compareAddress(a: string, b: string): number {
  const split = (x: string): [string, number] => {
    const i = x.lastIndexOf(':');
    return i < 0 ? [x, 0] : [x.slice(0, i), Number(x.slice(i + 1))];
  };
  const [ha, pa] = split(a);
  const [hb, pb] = split(b);
  const ipa = /^\d+\.\d+\.\d+\.\d+$/.test(ha) ? ha.split('.').map(Number) : undefined;
  const ipb = /^\d+\.\d+\.\d+\.\d+$/.test(hb) ? hb.split('.').map(Number) : undefined;
  if (ipa && ipb) {
    for (let i = 0; i < 4; i++) if (ipa[i] !== ipb[i]) return ipa[i]! - ipb[i]!;
  } else if (ha !== hb) return ha < hb ? -1 : 1;
  return pa - pb;
}

/** Parses `app_id.pidx` (the shell's gpid syntax). */
export function parseGpid(s: string): { appId: number; partitionIndex: number } | undefined {
  const m = /^(\d+)\.(\d+)$/.exec(s.trim());
  return m ? { appId: Number(m[1]), partitionIndex: Number(m[2]) } : undefined;
}

export interface ResolvedNode {
  /** ip:port for the rpc_address fields ('' when only a host name is known). */
  readonly ip: string;
  /** host:port for master's hp_* fields. */
  readonly hostPort: string | undefined;
  readonly display: string;
}

/** Resolves an address the operator typed (host:port or ip:port) against the meta's node list. */
export function resolveNode(snapshot: Pick<ClusterSnapshot, 'node'>, addr: string, flag: string): ResolvedNode {
  const n = snapshot.node(addr);
  if (n) return { ip: n.ip, hostPort: n.hostPort, display: n.address };
  if (isIpPort(addr)) return { ip: addr, hostPort: undefined, display: addr };
  throw new CommandError(
    `${flag} '${addr}' is not a replica server the meta knows`,
    'ERR_INVALID_PARAMETERS',
    "use an address from 'nodes' (host:port or ip:port)",
  );
}

/** The effective level from cluster_info, or undefined when it cannot be read (never fails the command). */
export async function effectiveLevel(ctx: CommandContext): Promise<string | undefined> {
  try {
    const ci = await ctx.client.clusterInfo(callOpts(ctx));
    const i = ci.keys.indexOf('meta_function_level');
    return i >= 0 ? ci.values[i] : undefined;
  } catch {
    return undefined;
  }
}

/** Why a registered proposal will not run (or may be undone) at this effective level; undefined when fine. */
export function proposalLevelWarning(level: string | undefined): string | undefined {
  if (level === undefined) return undefined;
  if (isMetaLevel(level) && META_LEVEL_VALUE[level] < META_LEVEL_VALUE.steady) {
    return `warning: the effective meta level is ${level}; the proposal waits until it is steady or lively${level === 'freezed' ? ' (too few nodes alive, see cluster_info)' : ''}`;
  }
  if (level === 'lively') return 'note: the meta is lively; its own balancer may move this partition again (use steady for manual moves)';
  return undefined;
}
