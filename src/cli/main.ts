/**
 * `pegasus-ops` command line. Each subcommand lives in its own module and is loaded on demand;
 * every module exports `run(argv: string[]): Promise<number>` returning the exit code.
 */
import { version } from '../../package.json';

type Subcommand = { summary: string; load: () => Promise<{ run(argv: string[]): Promise<number> }> };

const subcommands: Record<string, Subcommand> = {
  exec: { summary: 'run one shell-style command against a cluster (nodes -d, ls -d, cluster_info, ...)', load: () => import('./exec') },
  run: { summary: 'run a *.runbook.md headless against a cluster', load: () => import('./run') },
  sim: { summary: 'start a simulated Pegasus cluster on loopback', load: () => import('./sim') },
  demo: { summary: 'start the simulated cluster and run the example scale-in runbook against it', load: () => import('./demo') },
};

function usage(): string {
  const width = Math.max(...Object.keys(subcommands).map((k) => k.length));
  const lines = Object.entries(subcommands).map(([k, s]) => `  ${k.padEnd(width)}  ${s.summary}`);
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
  const sub = subcommands[name];
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
