/**
 * Runs one command line: parse, ask for confirmation when it changes the cluster, execute.
 * The notebook, the CLI and the runbook runner all go through here, so confirmation rules are
 * the same everywhere.
 */
import { CommandDeclinedError } from './errors';
import { isMutating, parseCommand, type ParsedCommand } from './parser';
import type { CommandRegistry } from './registry';
import type { ChangePreviewWords, CommandContext, CommandResult } from './types';

/** Runs an already parsed command (confirmation included). */
export async function runParsed(ctx: CommandContext, parsed: ParsedCommand): Promise<CommandResult> {
  const { spec, args } = parsed;
  ctx.signal.throwIfAborted();
  if (isMutating(spec, args)) {
    const preview = await previewOf(ctx, parsed);
    // Nothing to change (restore-settings with nothing open): nothing to confirm.
    if (!preview?.nothingToChange) {
      const ok = await ctx.confirm({
        cluster: ctx.profile.name,
        command: args.line.trim(),
        change: preview?.change ?? spec.describeChange?.(args) ?? args.line.trim(),
        production: ctx.profile.production === true,
        ...(preview
          ? {
              settings: preview.settings,
              warnings: preview.warnings,
              ...(preview.verdict !== undefined ? { verdict: preview.verdict } : {}),
              ...(preview.done ? { done: preview.done } : {}),
            }
          : {}),
      });
      if (!ok) throw new CommandDeclinedError(args.line.trim());
    }
  }
  const result = await spec.execute(ctx, args);
  if (result.changed) ctx.snapshotCache?.invalidate();
  return result;
}

/** The change read from the cluster; a cluster that cannot be read leaves the prompt to the static description. */
async function previewOf(ctx: CommandContext, { spec, args }: ParsedCommand): Promise<ChangePreviewWords | undefined> {
  if (!spec.previewChange) return undefined;
  try {
    return await spec.previewChange(ctx, args);
  } catch {
    ctx.signal.throwIfAborted();
    return undefined;
  }
}

/** Parses and runs one command line. Throws CommandSyntaxError, CommandDeclinedError, CommandError or the client's error. */
export async function runCommandLine(registry: CommandRegistry, ctx: CommandContext, line: string): Promise<CommandResult> {
  return runParsed(ctx, parseCommand(registry, line));
}
