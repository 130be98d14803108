/**
 * Runs one command line: parse, ask for confirmation when it changes the cluster, execute.
 * The notebook, the CLI and the runbook runner all go through here, so confirmation rules are
 * the same everywhere.
 */
import { CommandDeclinedError } from './errors';
import { isMutating, parseCommand, type ParsedCommand } from './parser';
import type { CommandRegistry } from './registry';
import type { CommandContext, CommandResult } from './types';

/** Runs an already parsed command (confirmation included). */
export async function runParsed(ctx: CommandContext, parsed: ParsedCommand): Promise<CommandResult> {
  const { spec, args } = parsed;
  ctx.signal.throwIfAborted();
  if (isMutating(spec, args)) {
    const ok = await ctx.confirm({
      cluster: ctx.profile.name,
      command: args.line.trim(),
      change: spec.describeChange?.(args) ?? args.line.trim(),
      production: ctx.profile.production === true,
    });
    if (!ok) throw new CommandDeclinedError(args.line.trim());
  }
  const result = await spec.execute(ctx, args);
  if (result.changed) ctx.snapshotCache?.invalidate();
  return result;
}

/** Parses and runs one command line. Throws CommandSyntaxError, CommandDeclinedError, CommandError or the client's error. */
export async function runCommandLine(registry: CommandRegistry, ctx: CommandContext, line: string): Promise<CommandResult> {
  return runParsed(ctx, parseCommand(registry, line));
}
