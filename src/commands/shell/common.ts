/** Helpers shared by the shell commands. */
import { isIpPort } from '../../cluster/address';
import { fetchSnapshot } from '../../cluster/fetch';
import type { ClusterSnapshot } from '../../cluster/snapshot';
import type { CallOptions } from '../../cluster/client';
import { META_LEVEL_VALUE, isMetaLevel } from '../../pegasus/types';
import { CommandError } from '../errors';
import type { CommandContext } from '../types';

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
