// Drives the VS Code workbench (code-server in Chromium) the way a person does: activity bar by
// aria-label, tree items by text, F1 command palette, quick open, notifications, screenshots.
// Selectors are VS Code 1.100's DOM; keep them here so scenarios never spell CSS themselves.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';

export interface WorkbenchOptions {
  screenshotsDir: string;
  /** Absolute path of the folder the workbench has open. */
  workspace: string;
}

export class Workbench {
  /** The window size the driver opened the page with; reset() returns to it. */
  private readonly initialViewport: { width: number; height: number } | null;

  constructor(
    readonly page: Page,
    readonly options: WorkbenchOptions,
  ) {
    this.initialViewport = page.viewportSize();
  }

  /** The workbench is loaded (the driver has already waited for this before any scenario). */
  async ready(timeoutMs = 60_000): Promise<void> {
    await this.page.locator('.monaco-workbench').waitFor({ timeout: timeoutMs });
    await this.page.locator('.part.activitybar').waitFor({ timeout: timeoutMs });
  }

  // ---- activity bar and views -------------------------------------------------------------

  /** The activity-bar entry whose aria-label starts with `label` (e.g. "Pegasus", "Explorer"). */
  activityBarItem(label: string): Locator {
    return this.page.locator(`.part.activitybar .action-item a.action-label[aria-label^="${cssString(label)}"]`).first();
  }

  /** Opens a view container from the activity bar (clicking an open one would close it). */
  async openViewContainer(label: string, timeoutMs = 15_000): Promise<void> {
    const item = this.activityBarItem(label);
    await item.waitFor({ timeout: timeoutMs });
    const li = item.locator('xpath=..');
    const open = (await li.getAttribute('aria-selected')) === 'true' || ((await li.getAttribute('class')) ?? '').includes('checked');
    if (!open) await item.click();
    await this.page.locator('.part.sidebar').waitFor({ timeout: timeoutMs });
  }

  /**
   * A view pane in the side bar, by its name (e.g. "Clusters"). VS Code hides the header of the
   * only view in a container (the container title then reads "PEGASUS: CLUSTERS"), so this
   * matches the pane, not the visible header.
   */
  view(name: string): Locator {
    return this.page
      .locator('.part.sidebar .pane', { has: this.page.locator(`.pane-header[aria-label="${cssString(name)} Section"]`) })
      .first();
  }

  /** Waits until the named view is in the side bar and its body is shown. */
  async waitForView(name: string, timeoutMs = 15_000): Promise<Locator> {
    const pane = this.view(name);
    await pane.locator('.pane-body').waitFor({ timeout: timeoutMs });
    return pane;
  }

  /** Title of the side bar (the open view container's title, upper-cased by CSS only). */
  sideBarTitle(): Locator {
    return this.page.locator('.part.sidebar .composite.title h2').first();
  }

  /** A tree or list row anywhere in the workbench whose text contains `text`. */
  treeItem(text: string | RegExp): Locator {
    return this.page.locator('.monaco-list-row[role="treeitem"]', { hasText: text }).first();
  }

  async waitForTreeItem(text: string | RegExp, timeoutMs = 15_000): Promise<Locator> {
    const item = this.treeItem(text);
    await item.waitFor({ timeout: timeoutMs });
    return item;
  }

  // ---- command palette and quick open -----------------------------------------------------

  private quickInput(): Locator {
    return this.page.locator('.quick-input-widget');
  }

  private async openQuickInput(prefix: string): Promise<Locator> {
    await this.page.keyboard.press('Escape');
    await this.page.keyboard.press('F1');
    const input = this.quickInput().locator('input.input');
    await input.waitFor({ timeout: 10_000 });
    await input.fill(prefix);
    return input;
  }

  /** Labels the command palette lists for `query` (palette closed again afterwards). */
  async commandPaletteItems(query: string, timeoutMs = 10_000): Promise<string[]> {
    await this.openQuickInput(`>${query}`);
    const rows = this.quickInput().locator('.monaco-list-row');
    await rows
      .first()
      .waitFor({ timeout: timeoutMs })
      .catch(() => undefined);
    const labels = await rows.locator('.label-name').allInnerTexts();
    await this.page.keyboard.press('Escape');
    return labels.map((l) => l.trim());
  }

  /** Types a command title into the palette (F1) and runs the row whose label is exactly `title`. */
  /** `opensPicker`: the command opens a quick pick of its own (e.g. the theme picker), so the input never closes. */
  async runCommand(title: string, timeoutMs = 10_000, opts: { opensPicker?: boolean } = {}): Promise<void> {
    await this.openQuickInput(`>${title}`);
    const row = this.quickInput()
      .locator('.monaco-list-row')
      .filter({ has: this.page.locator('.label-name', { hasText: new RegExp(`^\\s*${escapeRegExp(title)}\\s*$`) }) })
      .first();
    await row.waitFor({ timeout: timeoutMs });
    await row.click();
    if (opts.opensPicker) return;
    await this.quickInput()
      .waitFor({ state: 'hidden', timeout: timeoutMs })
      .catch(() => undefined);
  }

  /** Opens a workspace file through quick open (F1, then the file name), waits for its tab. */
  async openFile(relativePath: string, timeoutMs = 15_000): Promise<void> {
    const input = await this.openQuickInput('');
    await input.fill(relativePath);
    const base = relativePath.split('/').pop()!;
    const row = this.quickInput().locator('.monaco-list-row', { hasText: base }).first();
    await row.waitFor({ timeout: timeoutMs });
    await this.page.keyboard.press('Enter');
    await this.editorTab(base).waitFor({ timeout: timeoutMs });
  }

  // ---- editors, notebooks, panel ----------------------------------------------------------

  editorTab(name: string): Locator {
    return this.page.locator(`.tabs-container .tab[aria-label^="${cssString(name)}"]`).first();
  }

  /** Visible text of the active text editor (what a person sees, not the whole file). */
  async activeEditorText(): Promise<string> {
    const text = await this.page.locator('.editor-group-container.active .monaco-editor .view-lines').first().innerText();
    // Monaco renders spaces as no-break spaces.
    return text.replace(/\u00a0/g, ' ');
  }

  /** The visible notebook editor (hidden ones stay in the DOM after their tab is closed). */
  notebookEditor(): Locator {
    return this.page.locator('.notebook-editor >> visible=true').first();
  }

  async waitForNotebook(timeoutMs = 20_000): Promise<Locator> {
    const nb = this.notebookEditor();
    await nb.waitFor({ timeout: timeoutMs });
    return nb;
  }

  /** The cells of the visible notebook editor. */
  notebookCells(): Locator {
    return this.notebookEditor().locator('.cell-list-container .monaco-list-row');
  }

  /** "Notebook: Run All", picking the kernel named `kernel` if VS Code asks for one. */
  async runAllCells(kernel = 'Pegasus Runbook'): Promise<void> {
    await this.runCommand('Notebook: Run All');
    const picker = this.quickInput().locator('.monaco-list-row', { hasText: kernel }).first();
    if (await picker.isVisible({ timeout: 2000 }).catch(() => false)) await picker.click();
  }

  /** Cell outputs of the active notebook (they render in a webview, two iframes deep). */
  notebookOutputFrame() {
    return this.page.frameLocator('.notebook-editor iframe.webview').frameLocator('iframe#active-frame');
  }

  /** Switches the colour theme through "Preferences: Color Theme" (e.g. "Dark Modern", "Light Modern"). */
  async setColorTheme(theme: string, timeoutMs = 10_000): Promise<void> {
    await this.runCommand('Preferences: Color Theme', timeoutMs, { opensPicker: true });
    const input = this.quickInput().locator('input.input');
    await input.waitFor({ timeout: timeoutMs });
    await input.fill(theme);
    await this.quickInput().locator('.monaco-list-row', { hasText: theme }).first().waitFor({ timeout: timeoutMs });
    await this.page.keyboard.press('Enter');
    await this.quickInput()
      .waitFor({ state: 'hidden', timeout: timeoutMs })
      .catch(() => undefined);
    await this.page
      .locator(`.monaco-workbench.${theme.toLowerCase().includes('light') ? 'vs' : 'vs-dark'}`)
      .waitFor({ timeout: timeoutMs })
      .catch(() => undefined);
  }

  /** Name of the channel the Output panel shows ('' when the panel is not on Output). */
  async outputChannel(timeoutMs = 15_000): Promise<string> {
    const select = this.page.locator('.part.panel select.monaco-select-box').first();
    await select.waitFor({ timeout: timeoutMs });
    // No DOM lib in this tsconfig: describe the one property read.
    return select.evaluate((el) => (el as unknown as { selectedOptions: ArrayLike<{ text: string }> }).selectedOptions[0]?.text ?? '');
  }

  /** The panel (Output, Problems, Terminal ...) text as shown. */
  async panelText(): Promise<string> {
    return (await this.page.locator('.part.panel').innerText()).replace(/\u00a0/g, ' ');
  }

  // ---- notifications ----------------------------------------------------------------------

  notification(text: string | RegExp): Locator {
    return this.page.locator('.notifications-toasts .notification-toast', { hasText: text }).first();
  }

  async notificationMessages(): Promise<string[]> {
    return this.page.locator('.notifications-toasts .notification-list-item-message').allInnerTexts();
  }

  // ---- housekeeping -----------------------------------------------------------------------

  /** Saves test-results/screenshots/<name>.png and returns its path. */
  async screenshot(name: string): Promise<string> {
    mkdirSync(this.options.screenshotsDir, { recursive: true });
    const file = join(this.options.screenshotsDir, `${name.replace(/[^\w.-]+/g, '-')}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  /** Back to a calm workbench between scenarios: no quick input, notifications or editors. */
  async reset(): Promise<void> {
    const size = this.page.viewportSize();
    const initial = this.initialViewport;
    if (initial && (size?.width !== initial.width || size?.height !== initial.height)) await this.page.setViewportSize(initial);
    await this.page.keyboard.press('Escape');
    await this.page.keyboard.press('Escape');
    for (const title of ['Notifications: Clear All Notifications', 'View: Close All Editors']) {
      await this.runCommand(title, 3_000).catch(() => undefined);
    }
    // Only a toggle exists in the palette, so look first.
    if (
      await this.page
        .locator('.part.panel')
        .isVisible()
        .catch(() => false)
    ) {
      await this.runCommand('View: Toggle Panel Visibility', 3_000).catch(() => undefined);
    }
    // A modal "save changes?" would block; answer "Don't Save".
    const dontSave = this.page.locator('.monaco-dialog-box .monaco-button', { hasText: "Don't Save" });
    if (await dontSave.isVisible().catch(() => false)) await dontSave.click();
  }
}

function cssString(s: string): string {
  return s.replace(/["\\]/g, '\\$&');
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
