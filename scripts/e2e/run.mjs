// In-editor tests in a real VS Code (code-server 4.100.3 + Debian Chromium via playwright-core).
//
//   npm run test:e2e                      all suites and UI scenarios
//   npm run test:e2e -- smoke explorer    only files whose path contains "smoke" or "explorer"
//   npm run test:e2e -- --grep "tree"     only tests/scenarios whose title contains "tree"
//
// Env: PEGASUS_E2E_ONLY (comma-separated, same as the file arguments), PEGASUS_E2E_GREP,
//      PEGASUS_E2E_CACHE (install cache, default ~/.cache/pegasus-ops-e2e), PEGASUS_E2E_KEEP=1
//      (keep the temp folder), PEGASUS_E2E_TIMEOUT (run after installs, s, default 1200),
//      PEGASUS_E2E_SUITE_TIMEOUT (in-host mocha run, s, default 600),
//      PEGASUS_E2E_TEST_TIMEOUT (one mocha test, ms, default 30000),
//      PEGASUS_E2E_VSIX (test this .vsix instead of running `npm run package`).
//
// Scenario files named ui/*.untrusted.ui.ts run afterwards in a second, short code-server session
// started WITH Workspace Trust (the workspace copy opens in Restricted Mode); its logs go to
// test-results/logs/<selection>/untrusted/.
//
// Steps: install what is missing (setup.mjs) → package dist/pegasus-ops.vsix → bundle the test
// extension → install both into fresh user-data/extensions dirs → start code-server on a free
// loopback port → open the workbench in Chromium → wait for the in-host mocha results → run the
// UI scenarios in the same page → check the extension host log → print `N passed, N failed`.
import { spawn } from 'node:child_process';
import {
  cpSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { ensureEnvironment } from './setup.mjs';
import { ROOT, buildTestExtension, selectFiles } from './build.mjs';
import { fatal, freePort, killGroup, log, run, running, sleep, waitFor } from './util.mjs';

const require = createRequire(import.meta.url);
const EXTENSION_ID = 'pegasus-ops.pegasus-ops';
// PEGASUS_E2E_VSIX tests a given .vsix instead of packaging the working tree.
const VSIX = process.env.PEGASUS_E2E_VSIX ? resolve(process.env.PEGASUS_E2E_VSIX) : join(ROOT, 'dist', 'pegasus-ops.vsix');
const RESULTS_DIR = join(ROOT, 'test-results');
const SCREENSHOTS = join(RESULTS_DIR, 'screenshots');

// ---- arguments ----------------------------------------------------------------------------
const args = process.argv.slice(2);
let grep = process.env.PEGASUS_E2E_GREP || undefined;
const filters = (process.env.PEGASUS_E2E_ONLY ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--grep') grep = args[++i];
  else if (args[i].startsWith('--grep=')) grep = args[i].slice('--grep='.length);
  else if (args[i] === '--help' || args[i] === '-h') {
    const header = readFileSync(new URL(import.meta.url), 'utf8').split('\n');
    console.log(
      header
        .slice(
          0,
          header.findIndex((l) => !l.startsWith('//')),
        )
        .map((l) => l.replace(/^\/\/ ?/, ''))
        .join('\n'),
    );
    process.exit(0);
  } else filters.push(args[i]);
}
const keep = process.env.PEGASUS_E2E_KEEP === '1';
// One log folder per selection, so runs of different features at the same time do not collide.
const LOGS = join(RESULTS_DIR, 'logs', filters.length ? filters.join('+').replace(/[^\w.+-]+/g, '_') : 'all');
const totalTimeoutS = Number(process.env.PEGASUS_E2E_TIMEOUT ?? 1200);
const suiteTimeoutS = Number(process.env.PEGASUS_E2E_SUITE_TIMEOUT ?? 600);

// ---- results ------------------------------------------------------------------------------
/** @type {{kind: string, file: string, title: string, state: string, durationMs: number, error?: string}[]} */
const results = [];
function record(kind, r) {
  results.push({ kind, ...r });
  const mark = r.state === 'passed' ? '  ok  ' : r.state === 'failed' ? '  FAIL' : '  skip';
  console.log(`${mark} [${kind}] ${r.title} (${r.durationMs} ms)`);
  // eslint-disable-next-line no-control-regex -- playwright's call log carries ANSI colours
  if (r.error) console.log(indent(r.error.replace(/\u001b\[[0-9;]*m/g, ''), '         '));
}
const indent = (s, pad) =>
  s
    .split('\n')
    .map((l) => pad + l)
    .join('\n');

// ---- resources to clean up (by pid, never by name) ----------------------------------------
const cleanup = { codeServerPid: 0, chromiumPid: 0, browser: undefined, browserServer: undefined, tmp: '' };
let cleaning;
async function cleanUp() {
  cleaning ??= (async () => {
    await Promise.race([cleanup.browser?.close().catch(() => {}), sleep(5000)]);
    await Promise.race([cleanup.browserServer?.close().catch(() => {}), sleep(5000)]);
    await killGroup(cleanup.chromiumPid);
    await killGroup(cleanup.codeServerPid);
    await Promise.all([...running].map((pid) => killGroup(pid)));
    if (cleanup.tmp && !keep) rmSync(cleanup.tmp, { recursive: true, force: true, maxRetries: 3 });
    else if (cleanup.tmp) log(`kept ${cleanup.tmp}`);
  })();
  return cleaning;
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    log(`${sig}: stopping`);
    cleanUp().finally(() => process.exit(130));
  });
}
/** Bounds the run after installation (installs have their own, longer timeouts). */
function startWatchdog() {
  setTimeout(() => {
    console.error(`[e2e] the run exceeded ${totalTimeoutS} s (PEGASUS_E2E_TIMEOUT); stopping`);
    cleanUp().finally(() => {
      console.log(
        `${results.filter((r) => r.state === 'passed').length} passed, ${results.filter((r) => r.state === 'failed').length + 1} failed`,
      );
      process.exit(1);
    });
  }, totalTimeoutS * 1000).unref();
}

// ---- steps --------------------------------------------------------------------------------
async function packageExtension() {
  const started = Date.now();
  await run('npm', ['run', '--silent', 'package'], { capture: true, timeoutMs: 5 * 60_000 });
  const kb = (statSync(VSIX).size / 1024).toFixed(1);
  log(`packaged ${relative(ROOT, VSIX)} (${kb} KiB) in ${Date.now() - started} ms`);
}

/** `trust`: Workspace Trust on, no startup prompt (the folder stays in Restricted Mode), banner shown. */
function userSettings({ trust = false } = {}) {
  return {
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoUpdate': false,
    'extensions.autoCheckUpdates': false,
    'extensions.ignoreRecommendations': true,
    'security.workspace.trust.enabled': trust,
    ...(trust ? { 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.banner': 'always' } : {}),
    'git.enabled': false,
    'files.autoSave': 'off',
    'chat.commandCenter.enabled': false,
    'window.commandCenter': false,
  };
}

function codeServerArgs(env, dirs) {
  return [env.codeServerEntry, '--config', dirs.config, '--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions];
}

async function installExtensions(env, dirs) {
  const out = await run(
    process.execPath,
    [...codeServerArgs(env, dirs), '--install-extension', dirs.vsix, '--install-extension', dirs.testVsix],
    { capture: true, timeoutMs: 2 * 60_000 },
  );
  const installed = readdirSync(dirs.extensions).filter((d) => !d.startsWith('.') && d !== 'extensions.json');
  if (!installed.some((d) => d.startsWith(`${EXTENSION_ID}-`))) throw new Error(`the .vsix did not install:\n${out}`);
  log(`installed: ${installed.join(', ')}`);
}

async function startCodeServer(env, dirs, extraEnv, { trust = false } = {}) {
  const port = await freePort();
  const logFile = join(dirs.tmp, 'code-server.log');
  const out = createWriteStream(logFile);
  const child = spawn(
    process.execPath,
    [
      ...codeServerArgs(env, dirs),
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--auth',
      'none',
      '--disable-telemetry',
      '--disable-update-check',
      ...(trust ? [] : ['--disable-workspace-trust']),
      '--disable-getting-started-override',
      dirs.workspace,
    ],
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...extraEnv } },
  );
  cleanup.codeServerPid = child.pid;
  child.stdout.pipe(out);
  child.stderr.pipe(out);
  let exited;
  child.on('exit', (code, signal) => (exited = `${code ?? signal}`));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    'code-server /healthz',
    async () => {
      if (exited !== undefined) throw fatal(`code-server exited (${exited}):\n${readFileSync(logFile, 'utf8').slice(-3000)}`);
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      return res.ok;
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
  log(`code-server ${env.codeServerVersion} on ${url} (pid ${child.pid})`);
  return { url, logFile };
}

async function openWorkbench(env, url, workspace, tmp, reuse) {
  if (reuse) return openPage(reuse, url, workspace);
  const { chromium } = require('playwright-core');
  // Playwright's browser profile and Chromium's own temp files go into our temp folder, so they
  // are removed with it even when the browser had to be killed.
  const browserTmp = join(tmp, 'browser-tmp');
  mkdirSync(browserTmp, { recursive: true });
  process.env.TMPDIR = browserTmp;
  const server = await chromium.launchServer({
    executablePath: env.chromium,
    headless: true,
    timeout: 60_000,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
      '--disable-crash-reporter',
      '--disable-breakpad',
    ],
  });
  cleanup.browserServer = server;
  cleanup.chromiumPid = server.process().pid;
  const browser = await chromium.connect(server.wsEndpoint(), { timeout: 30_000 });
  cleanup.browser = browser;
  return openPage(browser, url, workspace);
}

async function openPage(browser, url, workspace) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const started = Date.now();
  await page.goto(`${url}/?folder=${encodeURIComponent(workspace)}`, { timeout: 60_000 });
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  await page.locator('.part.activitybar').waitFor({ timeout: 60_000 });
  log(`workbench loaded in ${Date.now() - started} ms`);
  return page;
}

/** Log files written by the remote extension host (and our output channel) under user-data/logs. */
function logFiles(userData) {
  const root = join(userData, 'logs');
  const all = [];
  const walk = (d) => {
    if (!existsSync(d)) return;
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (n.endsWith('.log')) all.push(p);
    }
  };
  walk(root);
  return all;
}
const readAll = (files) => files.map((f) => (existsSync(f) ? readFileSync(f, 'utf8') : '')).join('\n');
const hostLogs = (userData) => logFiles(userData).filter((f) => /exthost/i.test(f) && !f.includes(EXTENSION_ID));
const ourLogs = (userData) => logFiles(userData).filter((f) => f.includes(EXTENSION_ID));

/** Activation errors of our extension, from the extension host log and our own channel. */
function activationProblems(userData) {
  const problems = [];
  const lines = readAll(hostLogs(userData)).split('\n');
  lines.forEach((line, i) => {
    if (!line.includes(EXTENSION_ID)) return;
    // The error's message and first frames follow on the next lines.
    if (/\[error\]/i.test(line) || /Activating extension .* failed/i.test(line))
      problems.push(
        lines
          .slice(i, i + 4)
          .join('\n')
          .trim(),
      );
  });
  for (const line of readAll(ourLogs(userData)).split('\n')) {
    if (/\[error\]/.test(line) && /failed to start/.test(line)) problems.push(line.trim());
  }
  return problems;
}

function saveLogs(dirs, codeServerLog) {
  rmSync(LOGS, { recursive: true, force: true });
  mkdirSync(LOGS, { recursive: true });
  for (const f of logFiles(dirs.userData)) {
    const rel = relative(join(dirs.userData, 'logs'), f).split('/').slice(1).join('__');
    cpSync(f, join(LOGS, rel));
  }
  if (codeServerLog && existsSync(codeServerLog)) cpSync(codeServerLog, join(LOGS, 'code-server.log'));
  if (existsSync(join(dirs.tmp, 'untrusted-logs'))) cpSync(join(dirs.tmp, 'untrusted-logs'), join(LOGS, 'untrusted'), { recursive: true });
}

/**
 * `ui/*.untrusted.ui.ts` scenarios run in a second, short code-server session started WITH
 * Workspace Trust (no --disable-workspace-trust; fresh user data and workspace copy, no startup
 * prompt, so the folder opens in Restricted Mode) in the same browser, after the trusted session.
 */
async function runUntrustedSession(env, dirs, files, firstPage) {
  await firstPage
    .context()
    .close()
    .catch(() => {});
  await killGroup(cleanup.codeServerPid);
  const d = {
    ...dirs,
    tmp: join(dirs.tmp, 'untrusted'),
    userData: join(dirs.tmp, 'untrusted', 'user-data'),
    workspace: join(dirs.tmp, 'untrusted', 'workspace'),
  };
  mkdirSync(join(d.userData, 'User'), { recursive: true });
  cpSync(join(ROOT, 'test', 'e2e', 'workspace'), d.workspace, { recursive: true });
  writeFileSync(join(d.userData, 'User', 'settings.json'), JSON.stringify(userSettings({ trust: true }), null, 2));
  const { url, logFile } = await startCodeServer(env, d, { PEGASUS_E2E_WORKSPACE: d.workspace }, { trust: true });
  try {
    const page = await openWorkbench(env, url, d.workspace, d.tmp, firstPage.context().browser());
    const { runScenarios } = require('../../test/e2e/framework/ui-runner.ts');
    await runScenarios({
      page,
      root: ROOT,
      files,
      grep,
      screenshotsDir: SCREENSHOTS,
      workspace: d.workspace,
      extensionLog: () => readAll(ourLogs(d.userData)),
      extensionHostLog: () => readAll(hostLogs(d.userData)),
      onResult: (r) => record('ui', { ...r, title: `[untrusted] ${r.title}` }),
    });
    // The extension supports Restricted Mode ("limited"): it must still activate cleanly there.
    await sleep(500);
    const problems = activationProblems(d.userData);
    const activated = readAll(ourLogs(d.userData)).includes('Pegasus Ops activated');
    record('log', {
      file: 'extension host log (untrusted)',
      title: `[untrusted] ${EXTENSION_ID} activated without errors in Restricted Mode`,
      state: problems.length === 0 && activated ? 'passed' : 'failed',
      durationMs: 0,
      error: problems.length ? problems.join('\n') : activated ? undefined : `"Pegasus Ops activated" not found in the extension's log`,
    });
  } finally {
    // Collected here; saveLogs copies them to test-results/logs/<selection>/untrusted/.
    const out = join(dirs.tmp, 'untrusted-logs');
    mkdirSync(out, { recursive: true });
    for (const f of logFiles(d.userData)) cpSync(f, join(out, relative(join(d.userData, 'logs'), f).split('/').slice(1).join('__')));
    if (existsSync(logFile)) cpSync(logFile, join(out, 'code-server.log'));
  }
}

async function main() {
  const t0 = Date.now();
  const env = await ensureEnvironment();
  startWatchdog();
  const suites = selectFiles('suite', '.test.ts', filters);
  const allUi = selectFiles('ui', '.ui.ts', filters);
  const uiFiles = allUi.filter((f) => !f.endsWith('.untrusted.ui.ts'));
  const untrustedUi = allUi.filter((f) => f.endsWith('.untrusted.ui.ts'));
  if (suites.length + allUi.length === 0) throw new Error(`no e2e suite or scenario file matches ${JSON.stringify(filters)}`);
  log(`suites: ${suites.join(', ') || '(none)'}; scenarios: ${allUi.join(', ') || '(none)'}${grep ? `; grep "${grep}"` : ''}`);

  const tmp = mkdtempSync(join(tmpdir(), 'pegasus-e2e-'));
  cleanup.tmp = tmp;
  if (process.env.PEGASUS_E2E_VSIX) log(`testing ${VSIX} (PEGASUS_E2E_VSIX; not packaging)`);
  else await packageExtension();
  // Private copies: another run (or a build) may rewrite dist/ or out/ meanwhile.
  cpSync(VSIX, join(tmp, 'pegasus-ops.vsix'));
  const testExtension = await buildTestExtension({ filters, quiet: true, outDir: join(tmp, 'build') });

  const dirs = {
    tmp,
    vsix: join(tmp, 'pegasus-ops.vsix'),
    testVsix: testExtension.vsix,
    userData: join(tmp, 'user-data'),
    extensions: join(tmp, 'extensions'),
    workspace: join(tmp, 'workspace'),
    config: join(tmp, 'code-server.yaml'),
  };
  mkdirSync(join(dirs.userData, 'User'), { recursive: true });
  mkdirSync(dirs.extensions, { recursive: true });
  cpSync(join(ROOT, 'test', 'e2e', 'workspace'), dirs.workspace, { recursive: true });
  writeFileSync(join(dirs.userData, 'User', 'settings.json'), JSON.stringify(userSettings(), null, 2));
  writeFileSync(dirs.config, 'auth: none\ncert: false\n');
  // A full run starts from an empty folder; a filtered one only overwrites its own pictures.
  if (filters.length === 0 && !grep) rmSync(SCREENSHOTS, { recursive: true, force: true });
  mkdirSync(SCREENSHOTS, { recursive: true });

  await installExtensions(env, dirs);
  const resultsFile = join(tmp, 'suite-results.json');
  const extraEnv = { PEGASUS_E2E_WORKSPACE: dirs.workspace };
  const progressFile = join(tmp, 'suite-progress.jsonl');
  if (suites.length) Object.assign(extraEnv, { PEGASUS_E2E_RESULTS: resultsFile, PEGASUS_E2E_PROGRESS: progressFile });
  if (grep) extraEnv.PEGASUS_E2E_GREP = grep;
  if (process.env.PEGASUS_E2E_TEST_TIMEOUT) extraEnv.PEGASUS_E2E_TEST_TIMEOUT = process.env.PEGASUS_E2E_TEST_TIMEOUT;
  const { url, logFile } = await startCodeServer(env, dirs, extraEnv);

  try {
    const page = await openWorkbench(env, url, dirs.workspace, tmp);

    if (suites.length) {
      const started = Date.now();
      // Print each in-host test as it finishes (progress lines), then take the final file.
      const printed = new Set();
      let offset = 0;
      const drainProgress = () => {
        if (!existsSync(progressFile)) return;
        const text = readFileSync(progressFile, 'utf8');
        const end = text.lastIndexOf('\n') + 1;
        for (const line of text.slice(offset, end).split('\n').filter(Boolean)) {
          const t = JSON.parse(line);
          printed.add(`${t.title}|${t.state}`);
          record('host', t);
        }
        offset = Math.max(offset, end);
      };
      const r = await waitFor(
        'the in-host mocha results',
        () => {
          drainProgress();
          // A dead extension host never writes results: stop waiting at once.
          const died = readFileSync(logFile, 'utf8').match(/.*Extension Host Process exited.*/);
          if (died) throw fatal(`the extension host died: ${died[0]}`);
          return existsSync(resultsFile) && JSON.parse(readFileSync(resultsFile, 'utf8'));
        },
        { timeoutMs: suiteTimeoutS * 1000, intervalMs: 250 },
      ).catch((err) => {
        record('host', {
          file: '?',
          title: 'in-host mocha suites finish',
          state: 'failed',
          durationMs: Date.now() - started,
          error: err.message,
        });
        return undefined;
      });
      if (r) {
        drainProgress();
        for (const t of r.tests) if (!printed.has(`${t.title}|${t.state}`)) record('host', t);
        log(`in-host suites ran in VS Code ${r.vscodeVersion} on Node ${r.node} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      }
    }

    if (allUi.length) {
      // TypeScript scenarios: tsx's CommonJS and ESM hooks (the package is not "type": "module").
      require('tsx/cjs/api').register();
      (await import('tsx/esm/api')).register();
    }
    if (uiFiles.length) {
      const { runScenarios } = require('../../test/e2e/framework/ui-runner.ts');
      await runScenarios({
        page,
        root: ROOT,
        files: uiFiles,
        grep,
        screenshotsDir: SCREENSHOTS,
        workspace: dirs.workspace,
        extensionLog: () => readAll(ourLogs(dirs.userData)),
        extensionHostLog: () => readAll(hostLogs(dirs.userData)),
        onResult: (r) => record('ui', r),
      });
    }

    // Activation happened long before; give the log writer a moment to flush, then check it.
    // (A selection of only untrusted scenarios runs nothing here: that session checks its own log.)
    if (suites.length + uiFiles.length > 0) {
      await sleep(500);
      const problems = activationProblems(dirs.userData);
      const activated = readAll(ourLogs(dirs.userData)).includes('Pegasus Ops activated');
      record('log', {
        file: 'extension host log',
        title: `${EXTENSION_ID} activated without errors in the extension host log`,
        state: problems.length === 0 && activated ? 'passed' : 'failed',
        durationMs: 0,
        error: problems.length ? problems.join('\n') : activated ? undefined : `"Pegasus Ops activated" not found in the extension's log`,
      });
    }
    if (untrustedUi.length) await runUntrustedSession(env, dirs, untrustedUi, page);
  } finally {
    saveLogs(dirs, logFile);
    await cleanUp();
  }

  const passed = results.filter((r) => r.state === 'passed').length;
  const failed = results.filter((r) => r.state === 'failed').length;
  const skipped = results.filter((r) => r.state === 'pending').length;
  log(
    `e2e wall time ${((Date.now() - t0) / 1000).toFixed(1)} s; screenshots in ${relative(ROOT, SCREENSHOTS)}/, logs in ${relative(ROOT, LOGS)}/`,
  );
  console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  async (err) => {
    console.error(`[e2e] ${err?.stack ?? err}`);
    await cleanUp();
    const passed = results.filter((r) => r.state === 'passed').length;
    console.log(`${passed} passed, ${results.length - passed + 1} failed`);
    process.exit(1);
  },
);
