import * as vscode from 'vscode';
import type { Logger } from '../../log';
import { VIEW_ID } from '../commandIds';
import type { Element } from '../treeModel';

/** Registers a command whose failures are logged and shown as an error message instead of thrown. */
export type RegisterCommand = (id: string, fn: (...args: never[]) => unknown) => void;

export function commandRegistrar(context: vscode.ExtensionContext, log: Logger): RegisterCommand {
  return (id, fn) => {
    context.subscriptions.push(
      vscode.commands.registerCommand(id, async (...args: never[]) => {
        try {
          return await fn(...args);
        } catch (err) {
          const msg = err instanceof Error ? err.message : String(err);
          log.error(`${id}: ${msg}`);
          void vscode.window.showErrorMessage(`Pegasus: ${msg}`);
          return undefined;
        }
      }),
    );
  };
}

/** Shows the view's progress bar until `p` settles. */
export function withViewProgress(p: Promise<unknown>): Thenable<unknown> {
  return vscode.window.withProgress({ location: { viewId: VIEW_ID } }, () => p);
}

/** The cluster an item belongs to, or the name passed by a caller. */
export function clusterOf(e: Element | string | undefined): string | undefined {
  return typeof e === 'string' ? e : e && 'cluster' in e ? e.cluster : undefined;
}
