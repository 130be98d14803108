/**
 * The shapes shared by every command of the cell language: specs (what a command accepts), the
 * context it runs in and the result it returns. Pure core: no `vscode` import.
 */
import type { ClusterProfile } from '../cluster/profile';
import type { SnapshotCache as FullSnapshotCache } from '../cluster/cache';
import type { MetaClientLike } from '../cluster/client';

/** How a flag's or positional's text is turned into a value. */
export type ValueType =
  | 'boolean' // flags only: present = true (`--x=false` also accepted)
  | 'string'
  | 'integer'
  | 'duration' // 30s, 5m, 1h, 250ms, or plain seconds; value in milliseconds
  | 'list' // comma separated, empty items dropped; value string[]
  | 'enum'; // one of `values`

/** What completions offer for a value (filled from the connected cluster's snapshot). */
export type CompletionSource = 'node' | 'table' | 'meta-server' | 'meta-level' | 'gpid' | 'remote-command' | 'command';

export interface FlagSpec {
  /** Long name, without dashes; also the key in `ParsedArgs.values`. */
  readonly name: string;
  /** One-letter short name, without the dash. */
  readonly short?: string;
  /** Extra long names (Pegasus shell spellings such as `resolve_ip`). */
  readonly aliases?: readonly string[];
  readonly type: ValueType;
  /** Allowed values for `enum` (matched case-sensitively unless `ignoreCase`). */
  readonly values?: readonly string[];
  readonly ignoreCase?: boolean;
  /** Placeholder shown in usage, e.g. `addr,...`. */
  readonly valueName?: string;
  /** `node`: the value (each item of a list) must be a host:port, checked at parse time. */
  readonly complete?: CompletionSource;
  /** With `complete: 'node'`: a whole number (a count of nodes) is accepted too. */
  readonly orCount?: boolean;
  readonly required?: boolean;
  readonly default?: Value;
  readonly description: string;
}

export interface PositionalSpec {
  readonly name: string;
  readonly type: Exclude<ValueType, 'boolean'>;
  readonly values?: readonly string[];
  readonly ignoreCase?: boolean;
  readonly required?: boolean;
  /** Takes every remaining token verbatim (flags included) as string[]; must be last. */
  readonly rest?: boolean;
  readonly valueName?: string;
  readonly complete?: CompletionSource;
  readonly default?: Value;
  readonly description: string;
}

export type Value = string | number | boolean | readonly string[];

/** A flag's or positional's value as TypeScript sees it, from its spec's `type` (and `values`, `rest`). */
export type ValueOf<S extends FlagSpec | PositionalSpec> = S extends { readonly rest: true }
  ? readonly string[]
  : S extends { readonly type: 'boolean' }
    ? boolean
    : S extends { readonly type: 'integer' | 'duration' }
      ? number
      : S extends { readonly type: 'list' }
        ? readonly string[]
        : S extends { readonly type: 'enum'; readonly values: readonly (infer V extends string)[] }
          ? V
          : string;

/** The parser always fills booleans (false), defaults, required values and rest positionals ([]). */
type AlwaysSet = { readonly type: 'boolean' } | { readonly required: true } | { readonly default: Value } | { readonly rest: true };

/** The parsed values of a command whose flags and positionals are exactly these specs. */
export type ValuesOf<F extends readonly FlagSpec[], P extends readonly PositionalSpec[] = readonly []> = {
  readonly [S in F[number] | P[number] as S['name']]: S extends AlwaysSet ? ValueOf<S> : ValueOf<S> | undefined;
};

export type AnyValues = Readonly<Record<string, Value | undefined>>;

export interface ParsedArgs<V = AnyValues> {
  /** The command's canonical name. */
  readonly command: string;
  /** Flag and positional values by name; defaults filled in. */
  readonly values: V;
  /** Names the user actually gave (defaults excluded). */
  readonly given: ReadonlySet<string>;
  /** The source line, for messages and journals. */
  readonly line: string;
  /** Where each given value is in the line (1-based column, length), for errors found after parsing. */
  readonly spans: Readonly<Record<string, { readonly column: number; readonly length: number }>>;
}

export type CommandCategory = 'shell' | 'step';

export interface CommandSpec {
  readonly name: string;
  readonly aliases?: readonly string[];
  readonly category: CommandCategory;
  /** One line, lower case start, no final period. */
  readonly summary: string;
  /** Paragraphs shown by `help <command>`. */
  readonly description?: string;
  readonly flags: readonly FlagSpec[];
  readonly positionals: readonly PositionalSpec[];
  readonly examples?: readonly string[];
  /**
   * Whether running it changes the cluster. Mutating commands ask for confirmation (through
   * `CommandContext.confirm`) before `execute` is called.
   */
  readonly mutating: boolean | ((args: ParsedArgs) => boolean);
  /** Engine steps: what `help` says they need and change (node control, settings); the journal note is added for every mutating step. */
  readonly step?: {
    /** Stops or starts replica servers (through node control, or by asking the operator). */
    readonly nodeControl?: boolean;
    /** The settings it changes while running, in words, e.g. 'meta level steady'. */
    readonly settings?: readonly string[];
  };
  /** The exact change, for the confirmation prompt; defaults to the command line. */
  describeChange?(args: ParsedArgs): string;
  /**
   * The change read from the cluster before it is confirmed (settings and their values, warnings,
   * the pre-flight verdict, steps already done): the prompt shows it instead of `describeChange`.
   * `nothingToChange` skips the prompt. A failure to read falls back to `describeChange`.
   */
  previewChange?(ctx: CommandContext, args: ParsedArgs): Promise<ChangePreviewWords | undefined>;
  /** Extra validation after parsing (cross-flag rules); throw `CommandSyntaxError` to reject. */
  validate?(args: ParsedArgs): void;
  execute(ctx: CommandContext, args: ParsedArgs): Promise<CommandResult>;
}

export interface ProgressEvent {
  readonly message: string;
  /** 0..1 when known. */
  readonly fraction?: number;
  readonly data?: unknown;
}

export interface ConfirmRequest {
  readonly cluster: string;
  readonly command: string;
  /** What will change, in words. */
  readonly change: string;
  readonly production: boolean;
  /** Each setting the run changes, in words (`meta.live_percentage 65 → 60, until a meta restart`). */
  readonly settings?: readonly string[];
  /** Every warning of the plan and pre-flight, in words. */
  readonly warnings?: readonly string[];
  /** The pre-flight verdict in words (`pre-flight passed`, or the refusals: the run would stop before changing anything). */
  readonly verdict?: string;
  /** On resume: the steps already done (skipped). */
  readonly done?: readonly string[];
}

/** A command's change as the prompt shows it (see `CommandSpec.previewChange`). */
export interface ChangePreviewWords {
  readonly change: string;
  readonly settings: readonly string[];
  readonly warnings: readonly string[];
  readonly verdict?: string;
  readonly done?: readonly string[];
  readonly nothingToChange: boolean;
}

/**
 * Extra services a host (notebook, CLI) can hand to commands. The shell's own is here; areas whose
 * services name their own types (the engine's steps) add theirs by declaration merging:
 * `declare module '../types' { interface CommandServices { steps?: StepServices } }`.
 */
export interface CommandServices {
  /** ip:port → host:port for 2.5's `-r` (undefined: keep the ip); the default asks the system resolver. */
  readonly hostNameOf?: (ipPort: string) => Promise<string | undefined>;
}

export interface CommandContext {
  readonly client: MetaClientLike;
  readonly profile: ClusterProfile;
  readonly signal: AbortSignal;
  readonly progress: (e: ProgressEvent) => void;
  /** Resolves true to go ahead. Hosts without a user (CI) answer from `--yes`. */
  readonly confirm: (req: ConfirmRequest) => Promise<boolean>;
  /** A recent snapshot, reused by completions or read-only commands when fresh enough. */
  readonly snapshotCache?: SnapshotCache;
  readonly services?: CommandServices;
}

/** Implemented by `createSnapshotCache` in src/cluster/cache.ts; only `get` and `invalidate` are used here. */
export type SnapshotCache = Pick<FullSnapshotCache, 'get' | 'invalidate'>;

export type Cell = string | number | boolean | null;

export interface TableData {
  /** Shown as `[title]` like the Pegasus shell's sections. */
  readonly title?: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly Cell[])[];
  /** `keyValue`: two columns printed as `key : value` (the shell's summary sections). */
  readonly kind?: 'grid' | 'keyValue';
}

export interface CommandResult {
  readonly command: string;
  /** False when the command ran but reports a failure (e.g. a remote command failed somewhere). */
  readonly ok: boolean;
  /** Structured data for `--json` and for programs. */
  readonly data: unknown;
  readonly tables: readonly TableData[];
  /** Plain text like the Pegasus shell prints it. */
  readonly text: string;
  /** One line for run logs and notifications. */
  readonly summary?: string;
  /** True when the command changed (or asked the meta to change) the cluster. */
  readonly changed?: boolean;
}
