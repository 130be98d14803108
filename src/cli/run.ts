// Placeholder until its issue lands; replaced by the real subcommand.
export async function run(_argv: string[]): Promise<number> {
  process.stderr.write('pegasus-ops run: not built yet\n');
  return 1;
}
