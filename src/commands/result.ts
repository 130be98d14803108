import { renderTables } from './format';
import type { CommandResult, TableData } from './types';

export interface ResultOptions {
  /** Default true. */
  readonly ok?: boolean;
  /** Default: the tables as shell text. */
  readonly text?: string;
  readonly summary?: string;
  /** Set only when given, so a read-only command's result carries no `changed` at all. */
  readonly changed?: boolean;
}

/** A command's result: shell commands and engine steps build theirs here. */
export function result(command: string, data: unknown, tables: TableData[], opts: ResultOptions = {}): CommandResult {
  return {
    command,
    ok: opts.ok ?? true,
    data,
    tables,
    text: opts.text ?? renderTables(tables),
    ...(opts.summary !== undefined ? { summary: opts.summary } : {}),
    ...(opts.changed !== undefined ? { changed: opts.changed } : {}),
  };
}
