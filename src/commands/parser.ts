/**
 * The one parser of the cell language: a command line → the command's spec and typed values, or a
 * `CommandSyntaxError` with the column and the command's usage. Used by the notebook, the CLI and
 * completions alike.
 */
import { hostPortProblem } from '../cluster/address';
import { didYouMean } from '../cluster/suggest';
import { parseDuration } from './duration';
import { CommandSyntaxError } from './errors';
import { usageLine } from './help';
import type { CommandRegistry } from './registry';
import { tokenize, type Token } from './tokenizer';
import type { CommandSpec, FlagSpec, ParsedArgs, PositionalSpec, Value } from './types';

export interface ParsedCommand {
  readonly spec: CommandSpec;
  readonly args: ParsedArgs;
  readonly tokens: readonly Token[];
}

// Re-exported: callers that parse cell text (cell options, the CLI) take durations from here too.
export { parseDuration, formatDuration } from './duration';

function isFlagToken(t: Token): boolean {
  // A quoted word is never a flag; "-1" and "-" are values.
  return !t.quoted && t.text.length > 1 && t.text[0] === '-' && !/^-\d/.test(t.text);
}

function convert(spec: CommandSpec, what: FlagSpec | PositionalSpec, label: string, raw: string, tok: Token): Value {
  const err = (msg: string) => new CommandSyntaxError(msg, tok.start + 1, Math.max(1, tok.end - tok.start), usageLine(spec));
  const v = convertValue(what, label, raw, err);
  // Node addresses are checked here, not when an operation is half-way: `-x:1` must never reach a node control tool.
  if (what.complete === 'node' && (typeof v === 'string' || Array.isArray(v))) {
    const orCount = 'orCount' in what && what.orCount === true && typeof v === 'string' && /^\d+$/.test(v.trim());
    const items = typeof v === 'string' ? v.split(',').map((x) => x.trim()) : v;
    for (const item of orCount ? [] : items.filter((x) => x !== '')) {
      const problem = hostPortProblem(item);
      if (problem) throw err(`${label}: ${problem}`);
    }
  }
  return v;
}

function convertValue(what: FlagSpec | PositionalSpec, label: string, raw: string, err: (msg: string) => CommandSyntaxError): Value {
  switch (what.type) {
    case 'boolean': {
      const v = raw.toLowerCase();
      if (v === 'true') return true;
      if (v === 'false') return false;
      throw err(`${label} takes true or false, not '${raw}'`);
    }
    case 'integer': {
      if (!/^-?\d+$/.test(raw)) throw err(`${label} needs an integer, not '${raw}'`);
      return Number(raw);
    }
    case 'duration': {
      const ms = parseDuration(raw);
      if (Number.isNaN(ms)) throw err(`${label} needs a duration such as 30s, 5m or 1h, not '${raw}'`);
      return ms;
    }
    case 'list': {
      const items = raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      if (items.length === 0) throw err(`${label} needs at least one value (comma separated)`);
      return items;
    }
    case 'enum': {
      const values = what.values ?? [];
      const hit = what.ignoreCase ? values.find((v) => v.toLowerCase() === raw.toLowerCase()) : values.find((v) => v === raw);
      if (hit === undefined) {
        const near = didYouMean(raw, values);
        throw err(`${label} must be one of ${values.join(', ')}, not '${raw}'${near ? ` (did you mean '${near}'?)` : ''}`);
      }
      return hit;
    }
    default:
      return raw;
  }
}

function findFlag(spec: CommandSpec, name: string, isShort: boolean): FlagSpec | undefined {
  return spec.flags.find((f) => (isShort ? f.short === name : f.name === name || (f.aliases ?? []).includes(name)));
}

/** Parses one command line against the registry. Throws `CommandSyntaxError`. */
export function parseCommand(registry: CommandRegistry, line: string): ParsedCommand {
  const tokens = tokenize(line);
  if (tokens.length === 0) throw new CommandSyntaxError("empty command: type a command such as 'nodes -d', or 'help'", 1, 1);
  const head = tokens[0]!;
  const spec = registry.get(head.text);
  if (!spec) {
    const near = didYouMean(head.text, registry.names());
    throw new CommandSyntaxError(
      `unknown command '${head.text}'${near ? ` (did you mean '${near}'?)` : ''}; 'help' lists the commands`,
      head.start + 1,
      Math.max(1, head.end - head.start),
    );
  }
  return { spec, args: parseArgs(spec, tokens.slice(1), line), tokens };
}

/** Parses the tokens after the command name. */
export function parseArgs(spec: CommandSpec, tokens: readonly Token[], line: string): ParsedArgs {
  const usage = usageLine(spec);
  const values: Record<string, Value | undefined> = {};
  const given = new Set<string>();
  const spans: Record<string, { column: number; length: number }> = {};
  const span = (name: string, t: Token, last: Token = t) => {
    spans[name] = { column: t.start + 1, length: Math.max(1, last.end - t.start) };
  };
  const positionals: PositionalSpec[] = [...spec.positionals];
  let pi = 0;
  let flagsDone = false;
  const errAt = (msg: string, tok: Token) => new CommandSyntaxError(msg, tok.start + 1, Math.max(1, tok.end - tok.start), usage);

  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    const pos = positionals[pi];
    if (pos?.rest && (flagsDone || pi > 0 || !isFlagToken(tok))) {
      // A rest positional after another positional swallows everything left verbatim (remote command
      // arguments may look like flags: `remote_command meta.x -t 1`).
      values[pos.name] = tokens.slice(i).map((t) => t.text);
      given.add(pos.name);
      span(pos.name, tok, tokens[tokens.length - 1]);
      pi++;
      break;
    }
    if (!flagsDone && !tok.quoted && tok.text === '--') {
      flagsDone = true;
      continue;
    }
    if (!flagsDone && isFlagToken(tok)) {
      const isLong = tok.text.startsWith('--');
      let name = isLong ? tok.text.slice(2) : tok.text.slice(1);
      let inline: string | undefined;
      const eq = name.indexOf('=');
      if (eq >= 0) {
        inline = name.slice(eq + 1);
        name = name.slice(0, eq);
      }
      // `-x` is a short flag; a single dash before a long name (the Pegasus shell's `-detailed`) is accepted too.
      const flag = isLong ? findFlag(spec, name, false) : (findFlag(spec, name, name.length === 1) ?? findFlag(spec, name, false));
      if (!flag) {
        const known = spec.flags.flatMap((f) => [...(f.short ? [`-${f.short}`] : []), `--${f.name}`]);
        // A one-letter typo (`-x`) is one edit from every short flag: suggest only for longer names.
        const near = name.length > 1 ? didYouMean(tok.text.split('=')[0]!, known) : undefined;
        throw errAt(
          `unknown flag '${tok.text.split('=')[0]}' for '${spec.name}'${near ? ` (did you mean '${near}'?)` : ''}${known.length ? '' : `; '${spec.name}' takes no flags`}`,
          tok,
        );
      }
      if (given.has(flag.name)) throw errAt(`flag '${tok.text.split('=')[0]}' is given twice`, tok);
      const label = `'${tok.text.split('=')[0]}'`;
      if (flag.type === 'boolean') {
        values[flag.name] = inline === undefined ? true : convert(spec, flag, label, inline, tok);
        span(flag.name, tok);
      } else if (inline !== undefined) {
        if (inline === '') throw errAt(`${label} needs a value after '='`, tok);
        values[flag.name] = convert(spec, flag, label, inline, tok);
        span(flag.name, tok);
      } else {
        const next = tokens[i + 1];
        if (!next || isFlagToken(next)) {
          throw new CommandSyntaxError(
            `${label} needs a value (<${flag.valueName ?? (flag.type === 'enum' ? flag.values!.join('|') : flag.name)}>)`,
            (next ? next.start : tok.end) + 1,
            next ? Math.max(1, next.end - next.start) : 1,
            usage,
          );
        }
        values[flag.name] = convert(spec, flag, label, next.text, next);
        span(flag.name, next);
        i++;
      }
      given.add(flag.name);
      continue;
    }
    if (!pos) {
      throw errAt(
        `unexpected argument '${tok.text}': '${spec.name}' takes ${spec.positionals.length === 0 ? 'no arguments' : `at most ${spec.positionals.length}`}`,
        tok,
      );
    }
    values[pos.name] = convert(spec, pos, `<${pos.name}>`, tok.text, tok);
    given.add(pos.name);
    span(pos.name, tok);
    pi++;
  }

  const endCol = line.replace(/\s+$/, '').length + 1;
  for (const f of spec.flags) {
    if (!given.has(f.name)) {
      if (f.required) {
        throw new CommandSyntaxError(
          `missing ${f.short ? `-${f.short}` : `--${f.name}`} <${f.valueName ?? f.name}>: ${f.description}`,
          endCol,
          1,
          usage,
        );
      }
      values[f.name] = f.default ?? (f.type === 'boolean' ? false : undefined);
    }
  }
  for (const p of spec.positionals) {
    if (!given.has(p.name)) {
      if (p.required) throw new CommandSyntaxError(`missing <${p.name}>: ${p.description}`, endCol, 1, usage);
      values[p.name] = p.default ?? (p.rest ? [] : undefined);
    }
  }
  const args: ParsedArgs = { command: spec.name, values, given, line, spans };
  spec.validate?.(args);
  return args;
}

export interface ScriptLine {
  /** 1-based line number in the text. */
  readonly line: number;
  readonly text: string;
}

/** The command lines of a multi-line cell: blank lines and `#` comment lines are skipped. */
export function commandLines(text: string): ScriptLine[] {
  const out: ScriptLine[] = [];
  text.split(/\r?\n/).forEach((t, i) => {
    const s = t.trim();
    if (s !== '' && !s.startsWith('#')) out.push({ line: i + 1, text: t });
  });
  return out;
}

export type ScriptParse = { ok: true; commands: (ParsedCommand & { line: number })[] } | { ok: false; errors: CommandSyntaxError[] };

/** Parses every command line of a cell; syntax errors carry their line number. */
export function parseScript(registry: CommandRegistry, text: string): ScriptParse {
  const commands: (ParsedCommand & { line: number })[] = [];
  const errors: CommandSyntaxError[] = [];
  for (const l of commandLines(text)) {
    try {
      commands.push({ ...parseCommand(registry, l.text), line: l.line });
    } catch (e) {
      if (e instanceof CommandSyntaxError) errors.push(e.withLine(l.line));
      else throw e;
    }
  }
  return errors.length ? { ok: false, errors } : { ok: true, commands };
}

/** Whether this parsed command changes the cluster (and so needs a confirmation). */
export function isMutating(spec: CommandSpec, args: ParsedArgs): boolean {
  return typeof spec.mutating === 'function' ? spec.mutating(args) : spec.mutating;
}

/** A syntax error about one already parsed value (for `CommandSpec.validate`), pointing at it. */
export function argError(spec: CommandSpec, args: ParsedArgs<object>, name: string, message: string): CommandSyntaxError {
  const sp = args.spans[name];
  const end = args.line.replace(/\s+$/, '').length + 1;
  return new CommandSyntaxError(message, sp?.column ?? end, sp?.length ?? 1, usageLine(spec));
}
