/**
 * The extension's log: one "Pegasus Ops" output channel, written through tagged loggers so each
 * line says which feature wrote it (`logger.tagged('explorer').warn(…)` → `[explorer] …`).
 * Features take their logger from here, not from extension.ts, so no feature imports the entry point.
 */
import type * as vscode from 'vscode';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** A logger whose lines start with `[tag]`. */
  tagged(tag: string): Logger;
}

let channel: vscode.LogOutputChannel | undefined;

/**
 * Sends every logger's lines to `c` from now on. Before activation (and in unit tests) there is no
 * channel and lines are dropped.
 */
export function attachLogChannel(c: vscode.LogOutputChannel): vscode.Disposable {
  channel = c;
  return {
    dispose: () => {
      if (channel === c) channel = undefined;
    },
  };
}

export function showLog(): void {
  channel?.show();
}

function prefixed(prefix: string): Logger {
  // The channel is looked up per line: loggers made at import time write once activation attached it.
  const write = (level: LogLevel) => (message: string) => channel?.[level](prefix + message);
  return {
    trace: write('trace'),
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    tagged: (tag) => prefixed(`${prefix}[${tag}] `),
  };
}

/** The untagged root logger; features use `logger.tagged(name)`. */
export const logger: Logger = prefixed('');
