// Runbooks in an untrusted workspace (Restricted Mode). The driver runs `*.untrusted.ui.ts` files
// in a second code-server session started WITH Workspace Trust (see scripts/e2e/run.mjs): the
// folder opens untrusted. A cell changes a real cluster, so it must not run there, and the person
// must see why instead of a silent no-op.
import * as assert from 'node:assert/strict';
import { scenario } from '../framework';

export default [
  scenario(
    'runbook: in an untrusted workspace Run All runs nothing and says why',
    async ({ wb, screenshot }) => {
      // The workbench says it is in Restricted Mode (status bar item).
      await wb.page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first().waitFor({ timeout: 30_000 });
      await wb.openFile('runbook/plan.runbook.md');
      const editor = wb.page.locator('.notebook-editor >> visible=true').first();
      await editor.waitFor({ timeout: 20_000 });
      // The runbook still opens as a notebook and can be read: three code cells.
      await editor.locator('.cell.code').nth(2).waitFor({ timeout: 15_000 });
      await wb.page.locator('.notebook-toolbar-container >> visible=true').getByText('Run All', { exact: true }).first().click();
      const picker = wb.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Pegasus Runbook' }).first();
      if (await picker.isVisible({ timeout: 2000 }).catch(() => false)) await picker.click();
      // Either VS Code asks for trust before any kernel runs (a modal naming the reason) or, if it
      // let the request through, the runbook controller refuses with its own warning. Both say why.
      const dialog = wb.page.locator('.monaco-dialog-box >> visible=true').first();
      const refusal = wb.notification(/cannot run cells in an untrusted workspace/);
      await Promise.race([dialog.waitFor({ timeout: 15_000 }), refusal.waitFor({ timeout: 15_000 })]);
      if (await dialog.isVisible()) {
        const text = (await dialog.innerText()).replace(/\s+/g, ' ');
        assert.match(text, /trust/i, `the dialog says it is about trust: ${text}`);
        assert.match(text, /notebook cell/i, `the dialog names running a cell as the reason: ${text}`);
        await screenshot('trust-requested');
        // The person declines: nothing may run.
        const cancel = dialog.getByRole('button', { name: /^Cancel$/ });
        if (await cancel.count()) await cancel.first().click();
        else await wb.page.keyboard.press('Escape');
        await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
      } else {
        await screenshot('refused-by-runbook');
      }
      // Give a wrongly started run time to show itself: a cell that ran shows a success or error
      // mark (the fixture's cluster is not even running, so any run would end in an error).
      await wb.page.waitForTimeout(2500);
      const marks = await editor
        .locator('.codicon-notebook-state-success, .codicon-notebook-state-error, .codicon-notebook-state-executing')
        .count();
      assert.equal(marks, 0, 'no cell ran');
      assert.equal((await wb.page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).count()) > 0, true, 'still untrusted');
      await screenshot('nothing-ran');
    },
    { timeoutMs: 90_000 },
  ),
];
