/**
 * Errors of the command layer. Every error names the problem and the fix; syntax errors also
 * carry the 1-based column (and line, for multi-line cells) so editors can underline them.
 */

export class CommandSyntaxError extends Error {
  override readonly name = 'CommandSyntaxError';
  constructor(
    message: string,
    /** 1-based column of the offending text in its line. */
    readonly column: number,
    /** Length of the offending text (at least 1). */
    readonly length: number,
    /** The usage line(s) of the command, when known. */
    readonly usage?: string,
    /** 1-based line within the parsed text. */
    readonly line = 1,
  ) {
    super(message);
  }

  /** `line 1, column 7: unknown flag '-x' for 'nodes'` plus the usage. */
  format(): string {
    const where = this.line > 1 ? `line ${this.line}, column ${this.column}` : `column ${this.column}`;
    return `${where}: ${this.message}${this.usage ? `\nusage: ${this.usage}` : ''}`;
  }

  withLine(line: number, columnOffset = 0): CommandSyntaxError {
    return new CommandSyntaxError(this.message, this.column + columnOffset, this.length, this.usage, line);
  }
}

/** A command that parsed but could not do its job. `code` is a Pegasus error name when there is one. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(
    message: string,
    readonly code: string,
    readonly fix: string,
  ) {
    super(message);
  }
}

/** The operator said no to a confirmation. */
export class CommandDeclinedError extends Error {
  override readonly name = 'CommandDeclinedError';
  constructor(readonly command: string) {
    super(`'${command}' was not confirmed; nothing was changed`);
  }
}

export interface ErrorDescription {
  /** A stable name: an ERR_* code, a Node error code or the error class name. */
  readonly name: string;
  readonly message: string;
  /** What to do about it. */
  readonly fix: string;
}

const fixes: Record<string, string> = {
  ERR_TIMEOUT: 'check that the meta servers are reachable from here (address, port, firewall) and retry, or raise the timeout',
  ERR_SESSION_RESET: 'the connection broke; check the meta server is running and retry',
  ERR_NETWORK_FAILURE: 'check that the meta servers are reachable from here and retry',
  ECONNREFUSED:
    'nothing listens on that address: check the meta server list (HOST:PORT, the meta RPC port, 34601 by default) and that the meta is running',
  ECONNRESET: 'the meta server closed the connection; check it is a Pegasus meta port and retry',
  EHOSTUNREACH: 'the host is unreachable: check the address and the network',
  ENOTFOUND: 'the host name does not resolve: check the spelling or use an IP address',
  ETIMEDOUT: 'check that the meta servers are reachable from here (address, port, firewall)',
  ERR_FORWARD_TO_OTHERS: 'no listed meta server is the leader: add the leader to the meta list, or wait for an election to finish',
  ERR_SERVICE_NOT_ACTIVE: 'the meta leader is still starting; wait a few seconds and retry',
  ERR_UNDER_RECOVERY: 'the meta is recovering; wait until recovery finishes and retry',
  ERR_OBJECT_NOT_FOUND: "no such table: run 'ls' to see the table names",
  ERR_APP_NOT_EXIST: "no such table (or the request reached a follower): run 'ls' and check the meta list",
  ERR_INVALID_PARAMETERS:
    'the meta rejected the request: check the partition exists, has no pending proposal, and the nodes are alive members',
  ERR_BUSY_CREATING: 'the table is still being created; retry in a moment',
  ERR_BUSY_DROPPING: 'the table is being dropped',
  ERR_ACL_DENY: 'the meta refused access: this client is not allowed by the cluster ACL',
  ERR_HANDLER_NOT_FOUND: 'the server does not know this RPC: is it a Pegasus meta server of a supported version?',
  ERR_STATE_FREEZED: "the meta is frozen: too few nodes alive; see 'cluster_info' and the freeze margin",
  AbortError: 'the command was cancelled; run it again to retry',
  ERR_CANCELLED: 'the command was cancelled; run it again to retry',
};

/** Turns anything thrown into a name, a message and a fix, for CLI output and cell errors. */
export function describeError(err: unknown): ErrorDescription {
  if (err instanceof CommandSyntaxError) {
    return { name: err.name, message: err.format(), fix: "fix the command line; 'help <command>' shows its usage" };
  }
  if (err instanceof CommandError) return { name: err.code, message: err.message, fix: err.fix };
  if (err instanceof CommandDeclinedError) return { name: err.name, message: err.message, fix: 'run it again and confirm, or pass --yes' };
  if (err instanceof Error) {
    const anyErr = err as Error & { code?: unknown; errorName?: unknown; fix?: unknown; hint?: unknown };
    const code =
      typeof anyErr.errorName === 'string'
        ? anyErr.errorName
        : typeof anyErr.code === 'string'
          ? anyErr.code
          : err.name === 'AbortError'
            ? 'AbortError'
            : undefined;
    const fromMessage = /\b(ERR_[A-Z_]+)\b/.exec(err.message)?.[1];
    const name = code ?? fromMessage ?? err.name ?? 'Error';
    const fix =
      typeof anyErr.fix === 'string'
        ? anyErr.fix
        : typeof anyErr.hint === 'string'
          ? anyErr.hint
          : (fixes[name] ?? (fromMessage ? fixes[fromMessage] : undefined) ?? 'see the message; retry once the cause is fixed');
    return { name, message: err.message, fix };
  }
  return { name: 'Error', message: String(err), fix: 'see the message' };
}

/**
 * A command stopped by its cancellation that still has something to say about it (what the meta
 * was still moving at the cancel, in words): surfaces show `still` next to where the cluster is.
 */
export class OperationCancelledError extends Error {
  override readonly name = 'AbortError';
  constructor(
    message: string,
    readonly still?: string,
  ) {
    super(message);
  }
}
