// The cluster explorer as a person uses it: start the simulated cluster from the welcome view,
// expand the nodes, hover one, look at it in a dark and a light theme, stop a node and watch it
// turn UNALIVE, multi-select two nodes and choose "Scale In…" from the context menu.
//
// Nodes are found by the addresses the simulator reports (GET /state on its control API) and the
// rows' aria labels ("<address>, <description>"), never by guessed port numbers.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { scenario } from '../framework';
import type { Workbench } from '../framework/workbench';

/**
 * Simulated seconds per wall second for these scenarios: the meta's failure detector (22 s grace)
 * gives up on a stopped node in ~2 s, while the 600 s assign delay still keeps the "missing
 * replicas" state on screen for a minute.
 */
const TIME_SCALE = 10;
const ROW = '.monaco-list-row[role="treeitem"]';
/** Per-step timeout for wb.setColorTheme. */
const THEME_TIMEOUT = 5_000;

interface SimState {
  timeScale: number;
  nodes: { address: string; metaStatus: string }[];
}

/** Sets workspace settings for this scenario only; returns a function that puts the file back. */
function workspaceSettings(workspace: string, values: Record<string, unknown>): () => void {
  const dir = join(workspace, '.vscode');
  const file = join(dir, 'settings.json');
  const before = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, JSON.stringify({ ...(before ? (JSON.parse(before) as object) : {}), ...values }, null, 2));
  return () => (before === undefined ? rmSync(file, { force: true }) : writeFileSync(file, before));
}

/** The tree row of a node, by its exact address (the aria label starts with the label). */
function nodeRow(wb: Workbench, address: string): Locator {
  return wb.page.locator(`${ROW}[aria-label^="${address},"], ${ROW}[aria-label="${address}"]`).first();
}

/** Opens the Pegasus sidebar and starts the simulated cluster from the welcome view unless one runs. */
async function startCluster(wb: Workbench, screenshot?: (name: string) => Promise<string>): Promise<Locator> {
  await wb.openViewContainer('Pegasus');
  const view = await wb.waitForView('Clusters');
  const start = view
    .locator('.welcome-view-content a, .welcome-view-content .monaco-button', { hasText: 'Start Simulated Cluster' })
    .first();
  if (await start.isVisible().catch(() => false)) {
    if (screenshot) {
      // The welcome view says so once the faster clock setting has been read: only then start.
      await view.locator('.welcome-view-content', { hasText: 'simulated clock runs faster' }).waitFor({ timeout: 15_000 });
      await screenshot('welcome');
    }
    await start.click();
  }
  return wb.waitForTreeItem(/simulated/, 30_000);
}

/**
 * Hovers a row until its tooltip (containing `text`) shows. The mouse first leaves the sidebar:
 * a pointer already resting on the spot (e.g. where a clicked button was) sends no new hover.
 */
async function hoverTooltip(wb: Workbench, row: Locator, text: string): Promise<Locator> {
  const hover = wb.page.locator('.monaco-hover, .workbench-hover', { hasText: text }).first();
  for (let attempt = 1; ; attempt++) {
    await wb.page.mouse.move(900, 500);
    await row.hover();
    try {
      await hover.waitFor({ timeout: 4_000 });
      return hover;
    } catch (err) {
      if (attempt === 3) throw err;
    }
  }
}

/**
 * The simulator's control URL. It is read from the extension's log ("simulated cluster … started:
 * …, control URL"), which is always written, and the cluster's tooltip must show the same URL: a
 * refresh that finds nothing new re-renders no row, so the hover stays up.
 */
async function controlUrl(wb: Workbench, cluster: Locator, extensionLog: () => string): Promise<string> {
  let url: string | undefined;
  for (const deadline = Date.now() + 15_000; !url && Date.now() < deadline; await wb.page.waitForTimeout(250)) {
    // The newest start wins; an earlier scenario's simulator is stopped and no longer answers.
    const latest = [...extensionLog().matchAll(/simulated cluster "[^"]*" started: .*control (http:\/\/127\.0\.0\.1:\d+)/g)].pop()?.[1];
    if (
      latest &&
      (await fetch(`${latest}/state?partitions=false`).then(
        (r) => r.ok,
        () => false,
      ))
    )
      url = latest;
  }
  assert.ok(url, `the extension log names the simulator's control URL:\n${extensionLog()}`);
  const hover = await hoverTooltip(wb, cluster, 'Simulator control API');
  assert.match(await hover.innerText(), new RegExp(url.replace(/[.:/]/g, '\\$&')), 'the cluster tooltip shows the same control URL');
  await wb.page.mouse.move(900, 500);
  return url;
}

async function simState(control: string): Promise<SimState> {
  const res = await fetch(`${control}/state?partitions=false`);
  assert.equal(res.status, 200, `GET ${control}/state: ${res.status}`);
  return (await res.json()) as SimState;
}

/** Expands "Nodes" (unless it is) and waits until every node the simulator has is listed. */
async function showNodes(wb: Workbench, addresses: readonly string[]): Promise<void> {
  if (
    !(await nodeRow(wb, addresses[0]!)
      .isVisible()
      .catch(() => false))
  )
    await (await wb.waitForTreeItem(/^\s*Nodes/)).click();
  for (const a of addresses) await nodeRow(wb, a).waitFor({ timeout: 15_000 });
}

export default [
  scenario(
    'explorer: start the simulated cluster, see nodes and health, light and dark',
    async ({ wb, screenshot, workspace, extensionLog }) => {
      const restore = workspaceSettings(workspace, { 'pegasus.simulatedCluster.timeScale': TIME_SCALE });
      try {
        const cluster = await startCluster(wb, screenshot);
        await wb.page
          .locator(ROW, { hasText: /healthy · \d+\/\d+ alive/ })
          .first()
          .waitFor({ timeout: 30_000 });
        assert.match(await cluster.innerText(), /\d+\/\d+ alive/);
        // The cluster's tooltip tells where the simulator's control API listens.
        const control = await controlUrl(wb, cluster, extensionLog);
        const state = await simState(control);
        assert.equal(state.timeScale, TIME_SCALE, 'the cluster started with the faster clock from the workspace settings');
        const addresses = state.nodes.map((n) => n.address);
        assert.ok(addresses.length >= 2, `nodes: ${addresses.join(', ')}`);

        await (await wb.waitForTreeItem(/^\s*Meta/)).click();
        await wb.waitForTreeItem('Freeze margin');
        await showNodes(wb, addresses);
        const node = nodeRow(wb, addresses[0]!);
        assert.match(await node.innerText(), /\d+ \(\d+ P · \d+ S\)/);
        await (await wb.waitForTreeItem(/^\s*Tables/)).click();
        await wb.waitForTreeItem('usertable');
        // The status bar item names the active cluster's health.
        await wb.page.locator('.statusbar-item', { hasText: 'simulated:' }).first().waitFor({ timeout: 15_000 });

        await wb.setColorTheme('Dark Modern', THEME_TIMEOUT);
        await hoverTooltip(wb, node, 'Replicas');
        await screenshot('tree-dark');
        await wb.page.mouse.move(900, 500);
        await wb.setColorTheme('Light Modern', THEME_TIMEOUT);
        await screenshot('tree-light');

        // Stop a replica server: the view polls while visible, so it turns UNALIVE without a
        // click once the meta's failure detector gives up on it (22 simulated seconds).
        const victim = addresses[1]!;
        const res = await fetch(`${control}/nodes/${victim}/stop`, { method: 'POST' });
        assert.equal(res.status, 200);
        await nodeRow(wb, victim).filter({ hasText: 'UNALIVE' }).waitFor({ timeout: 20_000 });
        await wb.page
          .locator(ROW, { hasText: /Meta.*freeze margin 0/ })
          .first()
          .waitFor({ timeout: 15_000 });
        await (await wb.waitForTreeItem(/^\s*temp/)).click();
        await wb.waitForTreeItem(/missing replicas/i, 15_000);
        await screenshot('tree-light-unalive');
        await wb.setColorTheme('Dark Modern', THEME_TIMEOUT);
        await screenshot('tree-dark-unalive');
      } finally {
        // Later scenarios (other features) start clusters with the default clock.
        restore();
      }
    },
    { timeoutMs: 120_000 },
  ),

  scenario(
    'explorer: multi-select two nodes → Scale In… opens a runbook with them',
    async ({ wb, screenshot, extensionLog }) => {
      const cluster = await startCluster(wb);
      const state = await simState(await controlUrl(wb, cluster, extensionLog));
      const [a, b] = state.nodes.filter((n) => n.metaStatus === 'ALIVE').map((n) => n.address);
      assert.ok(a && b, `two ALIVE nodes in ${JSON.stringify(state.nodes)}`);
      await showNodes(wb, [a, b]);
      await nodeRow(wb, a).click();
      await nodeRow(wb, b).click({ modifiers: ['Control'] });
      await nodeRow(wb, b).click({ button: 'right' });
      const item = wb.page.locator('.context-view .monaco-menu .action-label', { hasText: 'Scale In…' }).first();
      await item.waitFor({ timeout: 10_000 });
      await screenshot('node-context-menu');
      await item.click();
      // A runbook opens (a notebook tab); its markdown (rendered in the notebook webview) names both nodes.
      await wb.page.locator('.tabs-container .tab[aria-label*="scale-in-"]').first().waitFor({ timeout: 20_000 });
      const frame = wb.notebookOutputFrame();
      for (const addr of [a, b]) await frame.locator(`text=${addr}`).first().waitFor({ timeout: 20_000 });
      await screenshot('scale-in-runbook');
      await wb.runCommand('Pegasus: Stop Simulated Cluster').catch(() => undefined);
    },
    { timeoutMs: 90_000 },
  ),
];
