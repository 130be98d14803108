/**
 * `pegasus-ops` command line. Each subcommand lives in its own module and is loaded on demand;
 * every module exports `run(argv: string[]): Promise<number>` returning the exit code. What each
 * accepts is declared in ./specs, which this file reads for the command list.
 */
import { version } from '../../package.json';
import type { CliSpec } from './args';
import { demoSpec, execSpec, runSpec, simSpec } from './specs';

type Subcommand = { spec: CliSpec; load: () => Promise<{ run(argv: string[]): Promise<number> }> };

const subcommands: readonly Subcommand[] = [
  { spec: execSpec, load: () => import('./exec') },
  { spec: runSpec, load: () => import('./run') },
  { spec: simSpec, load: () => import('./sim') },
  { spec: demoSpec, load: () => import('./demo') },
];

function usage(): string {
  const width = Math.max(...subcommands.map((s) => s.spec.name.length));
  const lines = subcommands.map(({ spec }) => `  ${spec.name.padEnd(width)}  ${spec.summary}`);
  return `pegasus-ops ${version}\n\nUsage: pegasus-ops <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun 'pegasus-ops <command> --help' for the options of one command.`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(version + '\n');
    return 0;
  }
  const sub = subcommands.find((s) => s.spec.name === name);
  if (!sub) {
    process.stderr.write(`pegasus-ops: unknown command '${name}'.\n\n${usage()}\n`);
    return 2;
  }
  const mod = await sub.load();
  return mod.run(rest);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`pegasus-ops: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
