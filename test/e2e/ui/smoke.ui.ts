// Smoke scenarios: what a person sees right after installing the .vsix.
import * as assert from 'node:assert/strict';
import { scenario } from '../framework';

export default [
  scenario('smoke: Pegasus view container opens from the activity bar', async ({ wb, screenshot }) => {
    await wb.openViewContainer('Pegasus');
    await wb.waitForView('Clusters');
    assert.match(await wb.sideBarTitle().innerText(), /^pegasus/i);
    await screenshot('view-container');
  }),

  scenario('smoke: command palette lists and runs "Pegasus: Show Log"', async ({ wb, screenshot, extensionLog }) => {
    const items = await wb.commandPaletteItems('Pegasus: Show Log');
    assert.ok(items.includes('Pegasus: Show Log'), `palette showed: ${JSON.stringify(items)}`);
    await wb.runCommand('Pegasus: Show Log');
    // The Output panel opens on our channel (its log may have scrolled past the first lines).
    assert.equal(await wb.outputChannel(), 'Pegasus Ops');
    await wb.page.locator('.part.panel .view-lines', { hasText: '[info]' }).waitFor({ timeout: 15_000 });
    assert.match(extensionLog(), /Pegasus Ops activated/);
    await screenshot('show-log');
  }),

  scenario('smoke: quick open shows a workspace file in an editor', async ({ wb, screenshot }) => {
    await wb.openFile('README.md');
    await wb.page
      .locator('.editor-group-container.active .view-lines', { hasText: 'Pegasus Ops e2e workspace' })
      .waitFor({ timeout: 15_000 });
    assert.match(await wb.activeEditorText(), /fresh copy of this folder/);
    await screenshot('readme');
  }),
];
