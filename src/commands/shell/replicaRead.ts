/** How the shell commands reach replica servers, and the number formats of the real shell's printers. */
import { readReplicaData, readResourceUsage, replicaDialectOf as dialectOfHostPorts, type ReplicaDialect } from '../../cluster/replicaData';
import type { NodeInfo } from '../../pegasus/types';
import type { CommandContext } from '../types';

declare module '../types' {
  interface CommandServices {
    /** The replica-server reader (tests pass fakes; the default asks the servers). */
    replicaReader?: { readReplicaData: typeof readReplicaData; readResourceUsage: typeof readResourceUsage };
  }
}

export function replicaReader(ctx: CommandContext): {
  readReplicaData: typeof readReplicaData;
  readResourceUsage: typeof readResourceUsage;
} {
  return ctx.services?.replicaReader ?? { readReplicaData, readResourceUsage };
}

/** Master's shell reads `/metrics` (our 2.6); 2.5 and earlier read perf counters. */
export function replicaDialectOf(nodes: readonly NodeInfo[]): ReplicaDialect {
  return dialectOfHostPorts(nodes.map((n) => n.hpAddress));
}

/** The address each dialect reaches a node by: host:port for HTTP on master, ip:port for 2.5 remote commands. */
export function readAddress(n: NodeInfo, dialect: ReplicaDialect): string {
  return dialect === '2.6' ? n.hpAddress || n.address : n.address;
}

/** `std::ostream << double` with default flags (%g, 6 significant digits), as app_disk prints each replica's MB. */
export function cppDouble(v: number): string {
  if (v === 0) return '0';
  if (!Number.isFinite(v)) return String(v);
  const exp = Math.floor(Math.log10(Math.abs(Number(v.toPrecision(6)))));
  if (exp < -4 || exp >= 6) {
    const [m, e] = v.toExponential(5).split('e');
    const mant = m!.includes('.') ? m!.replace(/\.?0+$/, '') : m!;
    const n = Number(e);
    return `${mant}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  const s = v.toFixed(Math.max(0, 5 - exp));
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** table_printer's double: fixed with 2 decimals, `0.00` near zero (src/utils/output_utils.h). */
export function printerDouble(v: number): string {
  return Math.abs(v) < 1e-6 ? '0.00' : v.toFixed(2);
}
