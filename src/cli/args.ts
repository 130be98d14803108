/**
 * The one argument parser of `pegasus-ops`: every subcommand declares its options once (a
 * `CliSpec`), and both the parsing (`node:util` `parseArgs`) and the `--help` text come from it.
 * Errors name the option and the fix; `UsageError` means exit code 2.
 */
import { parseArgs } from 'node:util';
import { didYouMean } from '../cluster/suggest';

export interface CliOption {
  readonly type: 'string' | 'boolean';
  /** One-letter alias, without the dash. */
  readonly short?: string;
  /** Placeholder in help, e.g. `HOST:PORT,...`; string options only. */
  readonly valueName?: string;
  readonly description: string;
}

export type CliOptions = Readonly<Record<string, CliOption>>;

export interface CliSpec<O extends CliOptions = CliOptions> {
  /** The subcommand, e.g. `exec`. */
  readonly name: string;
  /** One line for `pegasus-ops --help`. */
  readonly summary: string;
  /** What follows `pegasus-ops NAME` in the usage line, e.g. `[options] FILE.runbook.md`. */
  readonly synopsis: string;
  /** Paragraphs between the usage line and the options. */
  readonly about?: string;
  readonly options: O;
  /**
   * How many positionals it takes, and what they are called in errors. `rest`: the first one
   * and everything after it (options included) belong to it, as `exec`'s command line does.
   */
  readonly positionals?:
    | { readonly name: string; readonly valueName: string; readonly min: number; readonly max: number }
    | { readonly name: string; readonly rest: true };
  /** Text after the options (signals, examples). */
  readonly footer?: string;
}

/** A string option's value is a string, a boolean's true; absent options are undefined. */
export type CliValues<O extends CliOptions> = { -readonly [K in keyof O]?: O[K]['type'] extends 'boolean' ? true : string };

export type CliParse<O extends CliOptions> = { readonly help: true } | { readonly values: CliValues<O>; readonly positionals: string[] };

export class UsageError extends Error {}

const HELP: CliOption = { type: 'boolean', short: 'h', description: 'this help' };

function optionLabel(name: string, o: CliOption): string {
  return `--${name}${o.type === 'string' ? ` ${o.valueName ?? 'VALUE'}` : ''}${o.short ? `, -${o.short}` : ''}`;
}

/** Parses `argv` against the spec; throws UsageError naming the option and what to do. */
export function parseCli<O extends CliOptions>(spec: CliSpec<O>, argv: readonly string[]): CliParse<O> {
  const options: CliOptions = { ...spec.options, help: HELP };
  const config = Object.fromEntries(
    Object.entries(options).map(([name, o]) => [name, { type: o.type, ...(o.short ? { short: o.short } : {}) }]),
  );
  // Not strict: unknown options and missing values are reported here, in the product's words.
  const { tokens } = parseArgs({ args: [...argv], options: config, strict: false, allowPositionals: true, tokens: true });
  const rest = spec.positionals && 'rest' in spec.positionals;
  const values: Record<string, string | true> = {};
  const positionals: string[] = [];
  const hint = `'pegasus-ops ${spec.name} --help' lists the options`;
  for (const t of tokens) {
    if (t.kind === 'option-terminator') continue;
    if (t.kind === 'positional') {
      if (rest) {
        // The rest of the line is the positional's, options and all.
        positionals.push(...argv.slice(t.index));
        break;
      }
      positionals.push(t.value);
      continue;
    }
    const o = options[t.name];
    if (!o) {
      const known = Object.keys(options).map((n) => `--${n}`);
      const guess = t.rawName.startsWith('--') ? didYouMean(t.rawName, known) : undefined;
      throw new UsageError(`unknown option '${t.rawName}'${guess ? ` (did you mean '${guess}'?)` : ''}; ${hint}`);
    }
    if (o.type === 'boolean') {
      if (t.value !== undefined) throw new UsageError(`--${t.name} takes no value (got '${t.value}'); give it alone`);
      values[t.name] = true;
      continue;
    }
    // parseArgs takes the next word as the value even when it is another option; a value that
    // really starts with a dash can still be given inline (`--name=-x`).
    const missing = t.value === undefined || t.value === '' || (!t.inlineValue && /^-[^\d]/.test(t.value));
    if (missing)
      throw new UsageError(`--${t.name} needs a value: --${t.name} ${o.valueName ?? 'VALUE'} (or --${t.name}=${o.valueName ?? 'VALUE'})`);
    values[t.name] = t.value!;
  }
  if (values.help) return { help: true };
  const p = spec.positionals;
  if (p && !('rest' in p)) {
    if (positionals.length < p.min) throw new UsageError(`missing the ${p.name} (${p.valueName})`);
    if (positionals.length > p.max)
      throw new UsageError(
        `unexpected argument '${positionals[p.max]}': give ${p.max === 1 ? `one ${p.name}` : `at most ${p.max} ${p.name}s`}`,
      );
  } else if (!p && positionals.length > 0) {
    throw new UsageError(`unexpected argument '${positionals[0]}': '${spec.name}' takes options only; ${hint}`);
  }
  return { values: values as CliValues<O>, positionals };
}

/** Words wrapped to `width`, every line after the first indented by `indent`. */
function wrap(text: string, indent: number, width: number): string {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const word of para.split(/\s+/).filter(Boolean)) {
      if (line && indent + line.length + 1 + word.length > width) {
        out.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    out.push(line);
  }
  return out.join(`\n${' '.repeat(indent)}`);
}

/** `pegasus-ops NAME --help`, from the same spec the parser reads. */
export function helpText(spec: CliSpec): string {
  const entries = Object.entries({ ...spec.options, help: HELP }).map(([name, o]) => [optionLabel(name, o), o.description] as const);
  const width = Math.min(26, Math.max(...entries.map(([l]) => l.length)));
  const lines = entries.map(([label, desc]) =>
    label.length > width
      ? `  ${label}\n${' '.repeat(width + 4)}${wrap(desc, width + 4, 104)}`
      : `  ${label.padEnd(width)}  ${wrap(desc, width + 4, 104)}`,
  );
  return [
    `Usage: pegasus-ops ${spec.name} ${spec.synopsis}`,
    ...(spec.about ? ['', spec.about] : []),
    '',
    'Options:',
    ...lines,
    ...(spec.footer ? ['', spec.footer] : []),
  ].join('\n');
}
