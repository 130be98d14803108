/**
 * Runs `pegasus-ops sim` as a child process and waits for the one JSON line it prints once every
 * port listens: `{"metaServers":[…],"control":"http://127.0.0.1:PORT"}`. Pure Node (no `vscode`).
 */
import { spawn } from 'node:child_process';

export interface SimProcess {
  readonly metaServers: string[];
  readonly control: string;
  readonly pid: number | undefined;
  /** SIGTERM, then SIGKILL after 3 s; resolves once the process is gone. */
  stop(): Promise<void>;
}

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** How long to wait for the JSON line (default 30 s). */
  timeoutMs?: number;
  /** Called when the process exits after it had started. */
  onExit?: (code: number | string | null) => void;
}

export function spawnSimulatorProcess(command: string, args: readonly string[], opts: SpawnOptions = {}): Promise<SimProcess> {
  const child = spawn(command, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise<SimProcess>((resolve, reject) => {
    let out = '';
    let err = '';
    let settled = false;
    const timer = setTimeout(
      () => fail(new Error(`the simulator did not report its ports within ${Math.round((opts.timeoutMs ?? 30_000) / 1000)} s`)),
      opts.timeoutMs ?? 30_000,
    );
    const fail = (e: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`could not start the simulated cluster: ${e.message}${err.trim() ? `\n${err.trim().slice(-2000)}` : ''}`));
    };
    child.on('error', fail);
    child.on('exit', (code, signal) => {
      if (!settled) fail(new Error(`the simulator exited (${code ?? signal}) before reporting its ports`));
      else opts.onExit?.(code ?? signal);
    });
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.length > 20_000) err = err.slice(-10_000);
    });
    child.stdout?.on('data', (d: Buffer) => {
      if (settled) return;
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      const line = out.slice(0, nl);
      let info: { metaServers?: unknown; control?: unknown };
      try {
        info = JSON.parse(line) as typeof info;
      } catch {
        return fail(new Error(`unexpected first line from the simulator: ${line.slice(0, 200)}`));
      }
      if (!Array.isArray(info.metaServers) || typeof info.control !== 'string') {
        return fail(new Error(`the simulator's first line lacks metaServers/control: ${line.slice(0, 200)}`));
      }
      settled = true;
      clearTimeout(timer);
      resolve({
        metaServers: info.metaServers.map(String),
        control: info.control,
        pid: child.pid,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
            child.once('exit', () => {
              clearTimeout(kill);
              done();
            });
            child.kill('SIGTERM');
          }),
      });
    });
  });
}
