/**
 * Options of a code cell: the JSON object after the language on the fence line,
 * ```pegasus {"name":"drain","confirm":true,"timeout":"30m","continueOnError":false}
 * Validated with zod; values are kept as written so an unchanged cell is written back unchanged.
 */
import * as z from 'zod';
import { parseDuration as parseCommandDuration } from '../commands/parser';
import type { RunbookProblem } from './diagnostics';

/**
 * A cell timeout in milliseconds: the command language's duration spelling ("90s", "30m", "2h",
 * "250ms") or a plain number of seconds; undefined when not a duration.
 */
export function parseDuration(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? text * 1000 : undefined;
  const ms = parseCommandDuration(text);
  return Number.isNaN(ms) || text.trim() === '' ? undefined : ms;
}

const boolField = (name: string) =>
  z.boolean({ error: (iss) => `"${name}" must be true or false (without quotes), got ${JSON.stringify(iss.input)}` });

const durationField = z.union([z.string(), z.number()]).refine((v) => parseDuration(v) !== undefined, {
  error: (iss) => `"timeout" must be a duration such as "90s", "30m" or "2h" (or a number of seconds), got ${JSON.stringify(iss.input)}`,
});

export const cellOptionsSchema = z.strictObject(
  {
    /** Shown in the cell status bar, the run log and the CLI progress. */
    name: z.string().min(1, '"name" must not be empty').max(80, '"name" is longer than 80 characters').optional(),
    /** true: always ask before running; false: do not ask (ignored for production clusters). */
    confirm: boolField('confirm').optional(),
    /** Longest the cell may run; the step is cancelled (and the cluster left as the output says) after it. */
    timeout: durationField.optional(),
    /** Run-all goes on after this cell fails. */
    continueOnError: boolField('continueOnError').optional(),
    /** Run-all passes over this cell; it runs only when run on its own. */
    excludeFromRunAll: boolField('excludeFromRunAll').optional(),
  },
  {
    error: (iss) =>
      iss.code === 'unrecognized_keys'
        ? `unknown cell option ${iss.keys.map((k) => `"${k}"`).join(', ')}; the options are name, confirm, timeout, continueOnError, excludeFromRunAll`
        : iss.code === 'invalid_type'
          ? `cell options must be a JSON object such as {"confirm":true}, got ${JSON.stringify(iss.input)}`
          : undefined,
  },
);
export type CellOptions = z.infer<typeof cellOptionsSchema>;

export const CELL_OPTION_KEYS = ['name', 'confirm', 'timeout', 'continueOnError', 'excludeFromRunAll'] as const;

export function timeoutMs(o: CellOptions): number | undefined {
  return o.timeout === undefined ? undefined : parseDuration(o.timeout);
}

export interface ParsedCellOptions {
  readonly value: CellOptions;
  readonly problems: RunbookProblem[];
}

/**
 * Parses the text after the language. `at` is the position of its first character in the file,
 * so problems point at the right column.
 */
export function parseCellOptions(text: string, at: { line: number; column: number } = { line: 1, column: 1 }): ParsedCellOptions {
  const t = text.trim();
  if (t === '') return { value: {}, problems: [] };
  const problem = (message: string, offset = 0): ParsedCellOptions => ({
    value: {},
    problems: [{ line: at.line, column: at.column + offset, severity: 'error', message }],
  });
  if (!t.startsWith('{')) {
    return problem(
      `cell options must be a JSON object after the language, for example \`\`\`pegasus {"confirm":true}; got ${JSON.stringify(t)}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(t);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    const pos = /position (\d+)/.exec(msg);
    const offset = pos ? Number(pos[1]) : 0;
    return problem(
      `cell options are not valid JSON: ${msg.replace(/ in JSON at position \d+.*$/, '')} (fix the JSON object after \`\`\`pegasus)`,
      offset,
    );
  }
  const res = cellOptionsSchema.safeParse(json);
  if (res.success) return { value: res.data, problems: [] };
  return {
    value: {},
    problems: res.error.issues.map((i) => {
      // Point at the offending key when we can find it in the text.
      const key = i.path[0];
      const offset = typeof key === 'string' ? Math.max(0, t.indexOf(JSON.stringify(key))) : 0;
      return { line: at.line, column: at.column + offset, severity: 'error' as const, message: i.message };
    }),
  };
}
