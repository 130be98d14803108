/**
 * The notebook renderer (bundled to dist/renderer.js as an ES module for the output webview):
 * draws plan, progress and before/after distribution outputs of runbook cells. The data is
 * validated first; a bad payload shows what is wrong instead of a broken picture.
 */
import { parseVisual } from '../../runbook/visual';
import { esc, renderVisual } from './render';

/** The parts of the renderer API used here (vscode-notebook-renderer's types are not a dependency). */
interface OutputItem {
  readonly id: string;
  readonly mime: string;
  json(): unknown;
}
interface Element {
  innerHTML: string;
}

export function activate(): { renderOutputItem(item: OutputItem, element: Element): void } {
  return {
    renderOutputItem(item, element) {
      let json: unknown;
      try {
        json = item.json();
      } catch (e) {
        element.innerHTML = `<div style="color:var(--vscode-errorForeground)">Pegasus runbook output is not JSON: ${esc(e instanceof Error ? e.message : String(e))}</div>`;
        return;
      }
      const v = parseVisual(json);
      element.innerHTML = v.ok
        ? renderVisual(v.visual)
        : `<div style="color:var(--vscode-errorForeground)">Pegasus runbook output could not be drawn (${esc(v.error)}); the markdown and JSON alternatives still hold the data.</div>`;
    },
  };
}
