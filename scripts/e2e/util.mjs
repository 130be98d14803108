// Small process helpers shared by the e2e scripts: spawn with a timeout, find a free port,
// stop what we started by pid (whole process group), never by name.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

export const log = (...args) => console.log('[e2e]', ...args);

/** Process groups started by run() and still running, so a signal handler can stop them. */
export const running = new Set();

/**
 * Runs a command to completion with a hard timeout. Output is inherited unless `capture`.
 * Rejects with the command line, exit code and captured tail when it fails.
 */
export function run(cmd, args, { timeoutMs = 10 * 60_000, capture = false, env, cwd, input } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd,
      env: env ?? process.env,
      // Own process group so a timeout can kill grandchildren (npm → node-gyp → make).
      detached: true,
      stdio: [input === undefined ? 'ignore' : 'pipe', capture ? 'pipe' : 'inherit', capture ? 'pipe' : 'inherit'],
    });
    running.add(child.pid);
    child.on('exit', () => running.delete(child.pid));
    let out = '';
    if (capture) {
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
    }
    if (input !== undefined) child.stdin.end(input);
    const timer = setTimeout(() => {
      killGroup(child.pid);
      reject(new Error(`${cmd} ${args.join(' ')}: timed out after ${timeoutMs / 1000} s\n${out.slice(-4000)}`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`${cmd}: could not start (${err.message})`));
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(' ')}: exited with ${code ?? signal}\n${out.slice(-4000)}`));
    });
  });
}

/** Sends SIGTERM, then SIGKILL after `graceMs`, to the process group led by `pid`. */
export async function killGroup(pid, graceMs = 3000) {
  if (!pid) return;
  const alive = () => {
    try {
      process.kill(-pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (alive() && Date.now() < deadline) await sleep(50);
  if (alive()) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A free loopback TCP port (bound to 0, read, released). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** An error that stops waitFor at once (the thing waited for can no longer happen). */
export function fatal(message) {
  return Object.assign(new Error(message), { fatal: true });
}

/** Polls `check` until it returns a truthy value or the timeout passes; a fatal() error ends it. */
export async function waitFor(what, check, { timeoutMs = 30_000, intervalMs = 100 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastErr;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      if (err?.fatal) throw err;
      lastErr = err;
    }
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${lastErr ? `: ${lastErr.message}` : ''}`);
}
