// What a person sees opening a Pegasus config: the language, the squiggles and the lens.
import * as assert from 'node:assert/strict';
import { scenario } from '../framework';

export default [
  scenario(
    'config: a config.ini gets the Pegasus Config language, warnings and the threshold lens',
    async ({ wb, screenshot }) => {
      // Quick open by path, clicking the row of this file: Enter would take the first row, which
      // can be a recently opened file with a similar name.
      await wb.page.keyboard.press('Control+P');
      const input = wb.page.locator('.quick-input-widget input');
      await input.waitFor({ timeout: 10_000 });
      await input.fill('config/cluster/config.ini');
      await wb.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'config/cluster' }).first().click({ timeout: 15_000 });
      await wb.editorTab('config.ini').waitFor({ timeout: 15_000 });
      // Language mode in the status bar
      await wb.page.locator('.statusbar-item', { hasText: 'Pegasus Config' }).first().waitFor({ timeout: 20_000 });
      // The code lens above the threshold line
      const lens = wb.page.locator('.monaco-editor .codelens-decoration', { hasText: 'Freezes after' }).first();
      await lens.waitFor({ timeout: 20_000 });
      assert.match(await lens.innerText(), /Freezes after 1 more down \(10 nodes, 95%\)/);
      // The whole row fits: its last lens ends left of the minimap (or the editor's edge), not cut off.
      const editor = lens.locator('xpath=ancestor::div[contains(concat(" ", @class, " "), " monaco-editor ")][1]');
      const box = await editor.boundingBox();
      const minimap = await editor
        .locator('.minimap')
        .first()
        .boundingBox()
        .catch(() => null);
      const last = await lens.locator('a').last().boundingBox();
      const limit = minimap && minimap.width > 0 ? minimap.x : box!.x + box!.width;
      assert.ok(last && last.x + last.width <= limit, JSON.stringify({ box, minimap, last }));
      // Warnings as squiggles in the editor
      await wb.page.locator('.monaco-editor .squiggly-warning').first().waitFor({ timeout: 20_000 });
      await screenshot('config-editor');
      // Clicking the lens opens the calculator (quick pick of k)
      await wb.page.locator('.monaco-editor .codelens-decoration a', { hasText: 'Allow 1 down' }).first().click();
      const pick = wb.page.locator('.quick-input-widget');
      await pick.locator('.monaco-list-row', { hasText: 'Remove 1 of 10' }).first().waitFor({ timeout: 10_000 });
      await screenshot('config-calculator');
      // Choose k = 1: the schedule, then apply the largest safe threshold to the file
      await pick.locator('.monaco-list-row', { hasText: 'Remove 1 of 10' }).first().click();
      const apply = pick.locator('.monaco-list-row', { hasText: 'Set node_live_percentage_threshold_for_update = 90' }).first();
      await apply.waitFor({ timeout: 10_000 });
      assert.ok(await pick.locator('.monaco-list-row', { hasText: 'after 1: 9/10 alive (90.0%)' }).first().isVisible());
      await screenshot('config-calculator-schedule');
      await apply.click();
      await wb.page
        .locator('.monaco-editor .view-line', { hasText: 'node_live_percentage_threshold_for_update = 90' })
        .first()
        .waitFor({ timeout: 10_000 });
      // The freeze warning goes away and the lens now says one node can go
      await wb.page
        .locator('.monaco-editor .codelens-decoration', { hasText: 'Freezes after 2 more down (10 nodes, 90%)' })
        .first()
        .waitFor({ timeout: 20_000 });
      await wb.page.keyboard.press('Control+S');
      await wb.page
        .locator('.tabs-container .tab.dirty')
        .first()
        .waitFor({ state: 'detached', timeout: 5_000 })
        .catch(() => undefined);
      await screenshot('config-applied');
    },
    { timeoutMs: 90_000 },
  ),
];
