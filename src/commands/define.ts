/**
 * `defineCommand`: a command whose `execute`, `validate`, `mutating` and `describeChange` see
 * values typed from its own flag and positional specs (`--count` declared `integer` is a
 * `number | undefined`, a `boolean` flag a `boolean`, an `enum` the union of its values).
 */
import type {
  ChangePreviewWords,
  CommandContext,
  CommandResult,
  CommandSpec,
  FlagSpec,
  ParsedArgs,
  PositionalSpec,
  ValuesOf,
} from './types';

export type ArgsOf<F extends readonly FlagSpec[], P extends readonly PositionalSpec[] = readonly []> = ParsedArgs<ValuesOf<F, P>>;

export interface CommandDefinition<F extends readonly FlagSpec[], P extends readonly PositionalSpec[]> extends Omit<
  CommandSpec,
  'flags' | 'positionals' | 'mutating' | 'describeChange' | 'previewChange' | 'validate' | 'execute'
> {
  readonly flags: F;
  readonly positionals: P;
  readonly mutating: boolean | ((args: ArgsOf<F, P>) => boolean);
  describeChange?(args: ArgsOf<F, P>): string;
  previewChange?(ctx: CommandContext, args: ArgsOf<F, P>): Promise<ChangePreviewWords | undefined>;
  validate?(args: ArgsOf<F, P>): void;
  execute(ctx: CommandContext, args: ArgsOf<F, P>): Promise<CommandResult>;
}

export function defineCommand<const F extends readonly FlagSpec[], const P extends readonly PositionalSpec[]>(
  def: CommandDefinition<F, P>,
): CommandSpec {
  // The registry holds specs of every shape; the parser builds `values` from these very specs
  // (converted by type, defaults and booleans filled in), so the typed view is what it produces.
  return def as unknown as CommandSpec;
}
