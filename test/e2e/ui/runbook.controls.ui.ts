// Runbook controls that must do what they say: a command link in a cell's output runs its command,
// and the notebook toolbar's "Show Run Log" opens the run log of that runbook, rendered.
import * as assert from 'node:assert/strict';
import type { Frame } from 'playwright-core';
import { scenario } from '../framework';
import type { Workbench } from '../framework/workbench';

const ROW = '.monaco-list-row[role="treeitem"]';

async function stopAnySimulator(wb: Workbench): Promise<void> {
  await wb.openViewContainer('Pegasus');
  await wb.waitForView('Clusters');
  for (let i = 0; i < 3 && (await wb.page.locator(ROW, { hasText: /^\s*simulated\b/ }).count()) > 0; i++) {
    await wb.runCommand('Pegasus: Stop Simulated Cluster').catch(() => undefined);
    await wb.page.waitForTimeout(1000);
  }
}

/** The first frame (webviews nest two deep) that shows `text`. */
async function frameWith(wb: Workbench, text: string, timeoutMs: number): Promise<Frame> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await wb.page.waitForTimeout(250)) {
    for (const f of wb.page.frames())
      if (
        (await f
          .locator(`text=${text}`)
          .count()
          .catch(() => 0)) > 0
      )
        return f;
  }
  throw new Error(`no frame shows "${text}"`);
}

/** The notebook toolbar's Run All (the palette's needs the notebook focused), picking our kernel if asked. */
async function runAll(wb: Workbench): Promise<void> {
  await wb.page
    .locator('.notebook-toolbar-container >> visible=true')
    .locator('.action-label[aria-label*="Run All"], .action-label:has-text("Run All")')
    .first()
    .click();
  const picker = wb.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Pegasus Runbook' }).first();
  if (await picker.isVisible({ timeout: 2000 }).catch(() => false)) await picker.click();
}

export default [
  scenario(
    'runbook: a command link in cell output runs, and the toolbar opens the rendered run log',
    async ({ wb, screenshot }) => {
      try {
        await linksAndLog(wb, screenshot);
      } finally {
        await wb.runCommand('Pegasus: Stop Simulated Cluster').catch(() => undefined);
      }
    },
    { timeoutMs: 120_000 },
  ),
];

async function linksAndLog(wb: Workbench, screenshot: (name: string) => Promise<string>): Promise<void> {
  // Wide enough for the notebook toolbar to show its buttons next to the sidebar (reset() restores the size).
  await wb.page.setViewportSize({ width: 1900, height: 1000 });
  await stopAnySimulator(wb);
  await wb.openFile('runbook/links.runbook.md');
  await wb.waitForNotebook();
  await runAll(wb);
  const out = wb.notebookOutputFrame();
  const link = out.locator('[data-pegasus-command="command:pegasus.startSimulatedCluster"]').first();
  await link.waitFor({ timeout: 20_000 });
  await screenshot('no-cluster-link');
  await link.click();
  // The link started the simulated cluster: the status bar names it.
  await wb.page.locator('.statusbar-item', { hasText: 'simulated:' }).first().waitFor({ timeout: 30_000 });

  await wb.openFile('runbook/links.runbook.md');
  await wb.waitForNotebook();
  await runAll(wb);
  await out.locator('table', { hasText: 'address' }).first().waitFor({ timeout: 30_000 });

  // The toolbar button, not the palette: it passes the notebook's context, which once fell through.
  const toolbar = wb.page.locator('.notebook-toolbar-container >> visible=true').first();
  const button = toolbar.locator('.action-label[aria-label*="Show Run Log"]').first();
  if (await button.isVisible({ timeout: 5_000 }).catch(() => false)) await button.click();
  else {
    // A narrow toolbar moves it into its overflow menu: the same context is passed from there.
    await toolbar.locator('.action-label[aria-label*="More Actions"]').first().click();
    await wb.page.locator('.context-view .monaco-menu .action-label', { hasText: 'Show Run Log' }).first().click();
  }
  assert.equal(await wb.notification('Open a saved runbook').count(), 0, 'the toolbar found its runbook');
  const preview = await frameWith(wb, 'Run log: links.runbook.journal.jsonl', 20_000);
  const text = await preview.locator('body').innerText();
  assert.match(text, /Session/);
  assert.match(text, /nodes -d/);
  assert.match(text, /succeeded/);
  assert.doesNotMatch(text, /"t":"event"/, 'rendered, not raw JSONL');
  await screenshot('run-log-rendered');
}
