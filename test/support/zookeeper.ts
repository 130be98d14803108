/**
 * A real standalone ZooKeeper for tests: Debian's `zookeeper` package (3.8), started on a free
 * port with its own data directory and stopped (its process only) afterwards. Without the package
 * the tests that need it fail under CI (CI=true: `.ci/run` installs it) and are skipped elsewhere.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import zookeeper from 'node-zookeeper-client';

/** Where Debian's package puts the server jar (its manifest lists the jars it needs). */
export const ZOOKEEPER_JAR = '/usr/share/java/zookeeper.jar';

export interface ZooKeeperServer {
  readonly hosts: string;
  stop(): Promise<void>;
}

/** Why ZooKeeper tests cannot run here, or undefined when they can. */
export function zookeeperMissing(): string | undefined {
  if (!existsSync(ZOOKEEPER_JAR)) return `${ZOOKEEPER_JAR} not found: install Debian's zookeeper package (apt-get install -y zookeeper)`;
  if (!existsSync('/usr/bin/java') && !process.env['JAVA_HOME']) return 'no java found (/usr/bin/java or JAVA_HOME)';
  return undefined;
}

/**
 * The `skip` option of a ZooKeeper test: false when it can run; under CI a missing server is a
 * failure (the test runs and `startZooKeeper` throws), elsewhere a skip that says why.
 */
export function zookeeperSkip(): false | string {
  const why = zookeeperMissing();
  if (!why || process.env['CI']) return false;
  return `ZooKeeper tests skipped (CI is not set): ${why}`;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (a && typeof a === 'object' ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(port, '127.0.0.1');
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

export async function startZooKeeper(): Promise<ZooKeeperServer> {
  const why = zookeeperMissing();
  if (why) throw new Error(`cannot start ZooKeeper: ${why}`);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'pegasus-ops-zk-'));
  const java = process.env['JAVA_HOME'] ? join(process.env['JAVA_HOME'], 'bin', 'java') : '/usr/bin/java';
  let log = '';
  const child: ChildProcess = spawn(
    java,
    ['-Dzookeeper.admin.enableServer=false', '-cp', ZOOKEEPER_JAR, 'org.apache.zookeeper.server.ZooKeeperServerMain', String(port), dir],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const keep = (b: Buffer): void => {
    log = (log + b.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  while (!(await answers(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`ZooKeeper did not start on port ${port}: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  // Accepting TCP is not serving sessions yet (a loaded machine takes seconds more): wait for a real session.
  while (!(await sessionWorks(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`ZooKeeper on port ${port} accepts connections but opens no session: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { hosts: `127.0.0.1:${port}`, stop };
}

function sessionWorks(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const client = zookeeper.createClient(`127.0.0.1:${port}`, { sessionTimeout: 10_000, spinDelay: 200, retries: 0 });
    const t = setTimeout(() => {
      client.close();
      resolve(false);
    }, 5000);
    client.once('connected', () => {
      clearTimeout(t);
      client.close();
      resolve(true);
    });
    client.connect();
  });
}
