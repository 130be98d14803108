// What the explorer says in the moments an operator decides: a 3-node simulated cluster has freeze
// margin 0 (one more node down freezes it), which the status bar and the tree show as a warning;
// "Scale Out…" on a member says it is one already; with one node stopped the meta is frozen by the
// min-live rule alone, and the hovers name that rule and do not promise re-created replicas.
//
// meta_service::check_freeze (src/meta/meta_service.h, apache/incubator-pegasus v2.5.0): alive 2,
// dead 1, pct 65 passes the percentage rule (200 ≥ 195) but 2 < min live 3 freezes the meta.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { scenario } from '../framework';
import type { Workbench } from '../framework/workbench';

const ROW = '.monaco-list-row[role="treeitem"]';
const THEME_TIMEOUT = 5_000;

function workspaceSettings(workspace: string, values: Record<string, unknown>): () => void {
  const dir = join(workspace, '.vscode');
  const file = join(dir, 'settings.json');
  const before = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, JSON.stringify({ ...(before ? (JSON.parse(before) as object) : {}), ...values }, null, 2));
  return () => (before === undefined ? rmSync(file, { force: true }) : writeFileSync(file, before));
}

function nodeRow(wb: Workbench, address: string): Locator {
  return wb.page.locator(`${ROW}[aria-label^="${address},"], ${ROW}[aria-label="${address}"]`).first();
}

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

export default [
  scenario(
    'explorer: margin 0 warns, a member cannot be scaled out, a min-live freeze gets min-live advice',
    async ({ wb, screenshot, workspace, extensionLog }) => {
      const restore = workspaceSettings(workspace, { 'pegasus.simulatedCluster.nodes': 3, 'pegasus.simulatedCluster.timeScale': 10 });
      try {
        await wb.openViewContainer('Pegasus');
        await wb.waitForView('Clusters');
        for (let i = 0; i < 3 && (await wb.page.locator(ROW, { hasText: /^\s*simulated\b/ }).count()) > 0; i++) {
          await wb.runCommand('Pegasus: Stop Simulated Cluster').catch(() => undefined);
          await wb.page.waitForTimeout(1000);
        }
        // The welcome view mentions the faster clock once the settings file has been read: only then start.
        await wb.view('Clusters').locator('.welcome-view-content', { hasText: 'simulated clock runs faster' }).waitFor({ timeout: 15_000 });
        await wb.runCommand('Pegasus: Start Simulated Cluster');
        await wb.waitForTreeItem(/simulated/, 30_000);
        // A second start from the palette shows the running cluster instead of a twin on the same ports.
        await wb.runCommand('Pegasus: Start Simulated Cluster');
        await wb.notification(/already running/).waitFor({ timeout: 10_000 });
        assert.equal(await wb.page.locator(ROW, { hasText: /simulated-2/ }).count(), 0, 'no second simulated cluster');

        // 3 alive, pct 65, min live 3: healthy, but margin 0.
        const status = wb.page.locator('.statusbar-item', { hasText: 'simulated: margin 0' }).first();
        await status.waitFor({ timeout: 30_000 });
        assert.match((await status.getAttribute('class')) ?? '', /warning-kind/, 'margin 0 has the warning background');
        await (await wb.waitForTreeItem(/^\s*Meta/)).click();
        await wb.page
          .locator(ROW, { hasText: /Meta.*freeze margin 0/ })
          .first()
          .waitFor({ timeout: 15_000 });
        await screenshot('margin-0-light');

        const control = [
          ...extensionLog().matchAll(/simulated cluster "[^"]*" started: .*control (http:\/\/127\.0\.0\.1:\d+)/g),
        ].pop()?.[1];
        assert.ok(control, 'the extension log names the control URL');
        const state = (await (await fetch(`${control}/state?partitions=false`)).json()) as { nodes: { address: string }[] };
        const addresses = state.nodes.map((n) => n.address);
        assert.equal(addresses.length, 3);
        await (await wb.waitForTreeItem(/^\s*Nodes/)).click();
        await nodeRow(wb, addresses[0]!).waitFor({ timeout: 15_000 });

        // Scale Out… on a member: said, and the runbook leaves it out.
        await nodeRow(wb, addresses[0]!).click();
        await nodeRow(wb, addresses[0]!).click({ button: 'right' });
        await wb.page.locator('.context-view .monaco-menu .action-label', { hasText: 'Scale Out…' }).first().click();
        await wb.notification(/already a member/).waitFor({ timeout: 15_000 });
        await screenshot('scale-out-member');
        await wb.runCommand('Notifications: Clear All Notifications').catch(() => undefined);
        await wb.openViewContainer('Pegasus');

        // One node down: frozen by min-live alone.
        const victim = addresses[2]!;
        assert.equal((await fetch(`${control}/nodes/${victim}/stop`, { method: 'POST' })).status, 200);
        await nodeRow(wb, victim).filter({ hasText: 'UNALIVE' }).waitFor({ timeout: 30_000 });
        const meta = wb.page.locator(ROW, { hasText: /Meta.*FROZEN/ }).first();
        await meta.waitFor({ timeout: 15_000 });
        const metaHover = await hoverTooltip(wb, meta, 'Min-live rule');
        const metaText = await metaHover.innerText();
        assert.match(metaText, /2 alive < min live 3/);
        assert.doesNotMatch(metaText, /Percentage rule/);
        assert.doesNotMatch(metaText, /lower meta\.live_percentage,/);
        await screenshot('frozen-meta-hover-light');
        await wb.setColorTheme('Dark Modern', THEME_TIMEOUT);
        await hoverTooltip(wb, meta, 'Min-live rule');
        await screenshot('frozen-meta-hover-dark');
        const nodeHover = await hoverTooltip(wb, nodeRow(wb, victim), 'UNALIVE');
        assert.doesNotMatch(await nodeHover.innerText(), /being re-elected or re-created/);
        await screenshot('frozen-node-hover-dark');
        await wb.page.mouse.move(900, 500);
        const frozen = wb.page.locator('.statusbar-item', { hasText: 'simulated: FROZEN' }).first();
        await frozen.waitFor({ timeout: 15_000 });
        assert.match((await frozen.getAttribute('class')) ?? '', /error-kind/);
        await wb.setColorTheme('Light Modern', THEME_TIMEOUT);
        await wb.runCommand('Pegasus: Stop Simulated Cluster').catch(() => undefined);
      } finally {
        // Later scenarios start their own cluster from the welcome view.
        await wb.runCommand('Pegasus: Stop Simulated Cluster').catch(() => undefined);
        restore();
      }
    },
    { timeoutMs: 150_000 },
  ),
];
