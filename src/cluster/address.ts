/**
 * Node and meta addresses as the operator writes them. One place for the two shapes every layer
 * checks: `host:port` (what settings, cell flags and prompts accept) and `ip:port` (the
 * rpc_address form, told apart from a host name when resolving a node).
 */

/**
 * `host:port` with a plain host name or IPv4 address, e.g. `10.0.0.1:34601` or `node-1.example:34801`.
 * No part of the host starts with `-` or `.`: such a name is no host (RFC 1123) and would read as an
 * option to the tools an address is handed to.
 */
export const HOST_PORT_PATTERN = /^(?![^:]*(?:^|\.)[-.])[A-Za-z0-9._-]+:\d{1,5}$/;

export function isHostPort(s: string): boolean {
  return HOST_PORT_PATTERN.test(s) && portInRange(s);
}

/** Why `s` is not a `host:port`, with the fix; undefined when it is one. */
export function hostPortProblem(s: string): string | undefined {
  if (isHostPort(s)) return undefined;
  if (/^[-.]|\.[-.]/.test(s))
    return `'${s}' is not a node address: a host name cannot start with '${/^[-.]/.test(s) ? s[0] : '-'}' (nor any of its parts); expected host:port such as 10.0.0.1:34801`;
  if (HOST_PORT_PATTERN.test(s)) return `'${s}' is not a node address: port out of range (a port is 1..65535)`;
  return `'${s}' is not a node address: expected host:port such as 10.0.0.1:34801`;
}

/** Whether the port of a `host:port` is a TCP port (1..65535); the pattern alone lets 99999 through. */
export function portInRange(s: string): boolean {
  const p = Number(s.slice(s.lastIndexOf(':') + 1));
  return Number.isInteger(p) && p >= 1 && p <= 65535;
}

/** Dotted-quad `ip:port` (the rpc_address form); anything else is treated as a host name. */
export function isIpPort(s: string): boolean {
  return /^\d+\.\d+\.\d+\.\d+:\d+$/.test(s);
}
