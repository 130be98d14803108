// A runbook as a person uses it: open the example page, Run All against the simulated cluster,
// read the table, look at the plan picture drawn by the renderer in a dark and a light theme.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scenario } from '../framework';
import type { Workbench } from '../framework/workbench';

async function setTheme(wb: Workbench, theme: string): Promise<void> {
  await wb.runCommand('Preferences: Color Theme');
  const input = wb.page.locator('.quick-input-widget input.input');
  await input.waitFor({ timeout: 10_000 });
  await input.fill(theme);
  await wb.page.locator('.quick-input-widget .monaco-list-row', { hasText: theme }).first().waitFor({ timeout: 10_000 });
  await wb.page.keyboard.press('Enter');
  await wb.page
    .locator('.quick-input-widget')
    .waitFor({ state: 'hidden', timeout: 10_000 })
    .catch(() => undefined);
  await wb.page.waitForTimeout(800);
}

export default [
  scenario(
    'runbook: run all against the simulated cluster, table and plan picture',
    async ({ wb, screenshot }) => {
      await wb.openViewContainer('Pegasus');
      await wb.waitForView('Clusters');
      // The fixture names the cluster "simulated": start it unless it runs already.
      const running = await wb.page.locator('.monaco-list-row[role="treeitem"]', { hasText: /^\s*simulated\b/ }).count();
      if (running === 0) {
        await wb.runCommand('Pegasus: Start Simulated Cluster');
        await wb.waitForTreeItem(/simulated/, 30_000);
      }
      await wb.openFile('runbook/plan.runbook.md');
      await wb.page.locator('.notebook-editor >> visible=true').first().waitFor({ timeout: 20_000 });
      await wb.page.locator('.notebook-toolbar-container >> visible=true').getByText('Run All', { exact: true }).first().click();
      // A kernel picker only appears if the controller was not chosen automatically.
      const picker = wb.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Pegasus Runbook' }).first();
      if (await picker.isVisible({ timeout: 2000 }).catch(() => false)) await picker.click();
      const out = wb.notebookOutputFrame();
      await out.locator('table', { hasText: 'address' }).first().waitFor({ timeout: 30_000 });
      await out.locator('.pgv', { hasText: 'Plan: scale-in' }).first().waitFor({ timeout: 30_000 });
      // A tall window shows the whole page: table, plan, replica distribution (now → planned), freeze check.
      const size = wb.page.viewportSize();
      await wb.page.setViewportSize({ width: 1400, height: 2200 });
      await wb.page.waitForTimeout(1500);
      await out.locator('.pgv .dist').first().waitFor({ timeout: 15_000 });
      assert.equal(await out.locator('.pgv .dist .addr').count(), 5, 'the distribution shows every node');
      await out.locator('text=removing one after another').first().waitFor({ timeout: 15_000 });
      await setTheme(wb, 'Dark Modern');
      await screenshot('whole-page-dark');
      await setTheme(wb, 'Light Modern');
      await screenshot('whole-page-light');
      if (size) await wb.page.setViewportSize(size);
      await wb.runCommand('Pegasus: Stop Simulated Cluster').catch(() => undefined);
    },
    { timeoutMs: 150_000 },
  ),

  scenario(
    'runbook: reopening an interrupted run offers to resume it',
    async ({ wb, workspace, screenshot }) => {
      await wb.openFile('runbook/interrupted.runbook.md');
      const toast = wb.notification(/stopped in cell \[2\/2\] line \d+/);
      await toast.waitFor({ timeout: 20_000 });
      assert.match(await toast.innerText(), /scale-in --nodes 127\.0\.0\.1:34805/);
      await wb.page.waitForTimeout(800); // the toast slides in and the cells render
      await screenshot('resume-offer');
      await toast.locator('.monaco-button', { hasText: 'Dismiss' }).first().click();
      // Declining is written to the run log, so the offer is not repeated on every open.
      const log = join(workspace, 'runbook', 'interrupted.runbook.journal.jsonl');
      for (let i = 0; i < 50 && !readFileSync(log, 'utf8').includes('resume declined'); i++) await wb.page.waitForTimeout(100);
      assert.match(readFileSync(log, 'utf8'), /"error":"resume declined"/);
    },
    { timeoutMs: 60_000 },
  ),

  scenario(
    'runbook: confirm a scale-in naming the cluster, watch its progress, stop it',
    async ({ wb, screenshot }) => {
      await wb.openViewContainer('Pegasus');
      await wb.waitForView('Clusters');
      if ((await wb.page.locator('.monaco-list-row[role="treeitem"]', { hasText: /^\s*simulated\b/ }).count()) === 0) {
        await wb.runCommand('Pegasus: Start Simulated Cluster');
        await wb.waitForTreeItem(/simulated/, 30_000);
      }
      await wb.openFile('runbook/cancel.runbook.md');
      const editor = wb.page.locator('.notebook-editor >> visible=true').first();
      await editor.waitFor({ timeout: 20_000 });
      await wb.page.locator('.notebook-toolbar-container >> visible=true').getByText('Run All', { exact: true }).first().click();
      // The confirmation names the cluster and the exact change.
      const dialog = wb.page.locator('.monaco-dialog-box').first();
      await dialog.waitFor({ timeout: 20_000 });
      const text = await dialog.innerText();
      assert.match(text, /Cluster "simulated": scale-in --nodes 127\.0\.0\.1:34805/);
      assert.match(text, /remove 127\.0\.0\.1:34805 one at a time/);
      // Read from the cluster before asking: every setting with its values, and the pre-flight verdict.
      assert.match(text, /Settings it changes:/);
      assert.match(text, /meta\.lb\.assign_secondary_black_list '' → 127\.0\.0\.1:34805/);
      assert.match(text, /meta\.lb\.assign_delay_ms \d+ → 10/);
      assert.match(text, /Pre-flight: pre-flight passed: the run may start/);
      await screenshot('confirm');
      await dialog.locator('.monaco-button', { hasText: /^Run$/ }).first().click();
      // Live progress streams into the cell while the drain waits for the simulated cluster.
      const out = wb.notebookOutputFrame();
      await out.locator('text=/primaries left|replicas left/').first().waitFor({ timeout: 60_000 });
      await wb.page.waitForTimeout(500);
      await screenshot('progress');
      // Stop: the cell's own stop button (its cancellation token reaches the engine).
      await editor.locator('.monaco-list-row').filter({ hasText: 'scale-in --nodes' }).first().hover();
      await editor
        .locator('.codicon-notebook-stop, [aria-label^="Stop Cell Execution"], [aria-label^="Stop Execution"]')
        .first()
        .click({ timeout: 10_000 });
      await out.locator('text=Cluster now').first().waitFor({ timeout: 60_000 });
      await wb.page.waitForTimeout(500);
      await screenshot('cancelled');
      await wb.runCommand('Pegasus: Stop Simulated Cluster').catch(() => undefined);
    },
    { timeoutMs: 180_000 },
  ),
];
