// The cluster explorer as a person uses it: start the simulated cluster from the welcome view,
// expand the nodes, hover one, look at it in a dark and a light theme, multi-select two nodes and
// choose "Scale In…" from the context menu.
import * as assert from 'node:assert/strict';
import { scenario } from '../framework';
import type { Workbench } from '../framework/workbench';

async function setTheme(wb: Workbench, theme: string): Promise<void> {
  await wb.runCommand('Preferences: Color Theme');
  const input = wb.page.locator('.quick-input-widget input.input');
  await input.waitFor({ timeout: 10_000 });
  await input.fill(theme);
  await wb.page.locator('.quick-input-widget .monaco-list-row', { hasText: theme }).first().waitFor({ timeout: 10_000 });
  await wb.page.keyboard.press('Enter');
  await wb.page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined);
  await wb.page.waitForTimeout(500); // let the theme repaint
}

const NODE = /127\.0\.0\.1:348\d\d/;

export default [
  scenario(
    'explorer: start the simulated cluster, see nodes and health, light and dark',
    async ({ wb, screenshot }) => {
      await wb.openViewContainer('Pegasus');
      const view = await wb.waitForView('Clusters');
      const start = view.locator('.welcome-view-content a, .welcome-view-content .monaco-button', { hasText: 'Start Simulated Cluster' }).first();
      if (await start.isVisible().catch(() => false)) {
        await screenshot('welcome');
        await start.click();
      }
      const cluster = await wb.waitForTreeItem(/simulated/, 30_000);
      await wb.page.locator('.monaco-list-row[role="treeitem"]', { hasText: /healthy · \w+ · \d+\/\d+ alive/ }).first().waitFor({ timeout: 30_000 });
      assert.match(await cluster.innerText(), /\d+\/\d+ alive/);
      await (await wb.waitForTreeItem(/^\s*Meta/)).click();
      await wb.waitForTreeItem('Freeze margin');
      await (await wb.waitForTreeItem(/^\s*Nodes/)).click();
      const node = await wb.waitForTreeItem(NODE);
      assert.match(await node.innerText(), /\d+ \(\d+ P · \d+ S\)/);
      await (await wb.waitForTreeItem(/^\s*Tables/)).click();
      await wb.waitForTreeItem('usertable');
      // The status bar item names the active cluster's health.
      await wb.page.locator('.statusbar-item', { hasText: 'simulated:' }).first().waitFor({ timeout: 15_000 });
      // The cluster's tooltip tells where the simulator's control API listens.
      await cluster.hover();
      const hover = wb.page.locator('.monaco-hover, .workbench-hover', { hasText: 'Simulator control API' }).first();
      await hover.waitFor({ timeout: 10_000 });
      const control = /http:\/\/127\.0\.0\.1:\d+/.exec(await hover.innerText())![0];
      await setTheme(wb, 'Dark Modern');
      await node.hover();
      await wb.page.locator('.monaco-hover, .workbench-hover', { hasText: 'Replicas' }).first().waitFor({ timeout: 10_000 }).catch(() => undefined);
      await screenshot('tree-dark');
      await wb.page.mouse.move(900, 500);
      await setTheme(wb, 'Light Modern');
      await screenshot('tree-light');

      // Stop a replica server: the view polls while visible, so it turns UNALIVE without a click
      // once the meta's failure detector gives up on it (about 22 simulated seconds).
      const victim = '127.0.0.1:34803';
      const res = await fetch(`${control}/nodes/${victim}/stop`, { method: 'POST' });
      assert.equal(res.status, 200);
      const dead = wb.page.locator('.monaco-list-row[role="treeitem"]', { hasText: victim }).filter({ hasText: 'UNALIVE' }).first();
      await dead.waitFor({ timeout: 90_000 });
      await wb.page.locator('.monaco-list-row[role="treeitem"]', { hasText: /Meta.*freeze margin 0/ }).first().waitFor({ timeout: 15_000 });
      await (await wb.waitForTreeItem(/^\s*temp/)).click();
      await wb.waitForTreeItem(/missing replicas/, 30_000);
      await screenshot('tree-light-unalive');
      await setTheme(wb, 'Dark Modern');
      await screenshot('tree-dark-unalive');
    },
    { timeoutMs: 180_000 },
  ),

  scenario(
    'explorer: multi-select two nodes → Scale In… opens a runbook with them',
    async ({ wb, screenshot }) => {
      await wb.openViewContainer('Pegasus');
      const view = await wb.waitForView('Clusters');
      const start = view.locator('.welcome-view-content a, .welcome-view-content .monaco-button', { hasText: 'Start Simulated Cluster' }).first();
      if (await start.isVisible().catch(() => false)) await start.click();
      await wb.waitForTreeItem(/simulated/, 30_000);
      const rows = wb.page.locator('.monaco-list-row[role="treeitem"]', { hasText: NODE });
      if ((await rows.count()) === 0) await (await wb.waitForTreeItem(/^\s*Nodes/)).click();
      await rows.nth(1).waitFor({ timeout: 15_000 });
      const a = (await rows.nth(0).innerText()).match(NODE)![0];
      const b = (await rows.nth(1).innerText()).match(NODE)![0];
      await rows.nth(0).click();
      await rows.nth(1).click({ modifiers: ['Control'] });
      await rows.nth(1).click({ button: 'right' });
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
    { timeoutMs: 120_000 },
  ),
];
