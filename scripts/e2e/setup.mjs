// Installs, idempotently, what the offline in-editor tests need into a cache folder outside git:
// Debian packages (native build deps of code-server, ripgrep, Chromium) and code-server 4.100.3.
// Usage: node scripts/e2e/setup.mjs   (run.mjs calls ensureEnvironment() itself)
// Env: PEGASUS_E2E_CACHE (default ~/.cache/pegasus-ops-e2e)
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { log, run } from './util.mjs';

export const CODE_SERVER_VERSION = '4.100.3';
// @vscode/ripgrep@1.15.11 (pinned by code-server) downloads rg from GitHub unless this archive is cached.
const RIPGREP_CACHE = ['vscode-ripgrep-cache-1.15.11', 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz'];
const APT_PACKAGES = ['libkrb5-dev', 'libxkbfile-dev', 'libsecret-1-dev', 'pkg-config', 'ripgrep', 'chromium'];
export const CHROMIUM = process.env.PEGASUS_E2E_CHROMIUM ?? '/usr/bin/chromium';

export function cacheDir() {
  return resolve(process.env.PEGASUS_E2E_CACHE ?? join(homedir(), '.cache', 'pegasus-ops-e2e'));
}

async function missingAptPackages() {
  const missing = [];
  for (const pkg of APT_PACKAGES) {
    const status = await run('dpkg-query', ['-W', '-f=${Status}', pkg], { capture: true, timeoutMs: 30_000 }).catch(() => '');
    if (!status.includes('install ok installed')) missing.push(pkg);
  }
  return missing;
}

async function ensureAptPackages() {
  const missing = await missingAptPackages();
  if (missing.length === 0) return;
  const asRoot = process.getuid?.() === 0;
  const prefix = asRoot ? [] : ['sudo', '-n'];
  log(`installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = async (args) => {
    const [cmd, ...rest] = [...prefix, 'apt-get', ...args];
    await run(cmd, rest, { env, timeoutMs: 20 * 60_000 }).catch((err) => {
      throw new Error(
        `${err.message}\nInstalling Debian packages failed. Install them by hand (as root):\n` +
          `  apt-get update && apt-get install -y ${APT_PACKAGES.join(' ')}`,
      );
    });
  };
  // -q and no pty: progress bars would fill the CI log.
  await apt(['-q', 'update']);
  await apt(['-q', '-y', '-o', 'Dpkg::Use-Pty=0', 'install', ...missing]);
}

/**
 * The environment for the nested `npm install`, without what `npm run` adds for the project's
 * own scripts (npm_config_local_prefix would send the install into the repository).
 */
function installEnv() {
  const env = { ...process.env };
  const drop =
    /^(npm_config_(local_prefix|prefix|global_prefix|call|allow_scripts|yes|omit_lockfile_registry_resolved)|npm_lifecycle_.*|npm_package_.*|npm_command|init_cwd)$/i;
  for (const k of Object.keys(env)) if (drop.test(k)) delete env[k];
  return env;
}

/** Installs code-server into <cache>/code-server-<version> (staged, then renamed: never half there). */
async function ensureCodeServer(cache) {
  const dir = join(cache, `code-server-${CODE_SERVER_VERSION}`);
  const bin = join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  const marker = join(dir, '.complete');
  if (existsSync(marker) && existsSync(bin)) return { dir, entry: bin };

  // A staging folder per process: two first runs at once do not share a half-installed tree.
  const staging = `${dir}.staging-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  writeFileSync(join(staging, 'package.json'), JSON.stringify({ name: 'pegasus-ops-e2e-cache', private: true }) + '\n');

  // The ripgrep archive goes in a TMPDIR of our own, so nothing outside the cache is touched.
  const tmp = join(cache, 'tmp');
  mkdirSync(join(tmp, RIPGREP_CACHE[0]), { recursive: true });
  const archive = join(tmp, ...RIPGREP_CACHE);
  if (!existsSync(archive)) await run('tar', ['czf', archive, '-C', '/usr/bin', 'rg'], { timeoutMs: 60_000 });

  log(`installing code-server ${CODE_SERVER_VERSION} into ${dir} (a few minutes, once)`);
  const started = Date.now();
  await run(
    'npm',
    ['install', '--unsafe-perm', '--no-audit', '--no-fund', '--no-save', '--loglevel=error', `code-server@${CODE_SERVER_VERSION}`],
    {
      cwd: staging,
      timeoutMs: 30 * 60_000,
      // npm_config_yes: the postinstall runs `npx node-gyp`, which would otherwise prompt.
      env: { ...installEnv(), TMPDIR: tmp, npm_config_yes: 'true', npm_config_update_notifier: 'false' },
    },
  );
  const entry = join(staging, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  if (!existsSync(entry)) throw new Error(`code-server installed but ${entry} is missing`);
  writeFileSync(join(staging, '.complete'), `${new Date().toISOString()}\n`);
  try {
    renameSync(staging, dir);
  } catch (err) {
    // Another run finished first: use its copy.
    if (!existsSync(join(dir, '.complete'))) throw err;
    rmSync(staging, { recursive: true, force: true });
  }
  log(`code-server installed in ${Math.round((Date.now() - started) / 1000)} s`);
  return { dir, entry: bin };
}

/** Everything the driver needs; cheap when already installed. */
export async function ensureEnvironment() {
  const cache = cacheDir();
  mkdirSync(cache, { recursive: true });
  await ensureAptPackages();
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM} (set PEGASUS_E2E_CHROMIUM)`);
  const codeServer = await ensureCodeServer(cache);
  const version = JSON.parse(readFileSync(join(codeServer.dir, 'node_modules', 'code-server', 'package.json'), 'utf8')).version;
  return { cache, codeServerEntry: codeServer.entry, codeServerVersion: version, chromium: CHROMIUM };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  ensureEnvironment().then(
    (env) => log(`ready: ${JSON.stringify(env)}`),
    (err) => {
      console.error(`[e2e] setup failed: ${err.message}`);
      process.exit(1);
    },
  );
}
