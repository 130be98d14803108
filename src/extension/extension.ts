import * as vscode from 'vscode';
import { createRegistry } from '../commands';
import { registerConfigLanguage } from './config';
import { registerExplorer } from './explorer';
import { registerRunbooks } from './notebook';

/** The log every feature writes to; shown as "Pegasus Ops" in the Output panel. */
export let log: vscode.LogOutputChannel;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  log = vscode.window.createOutputChannel('Pegasus Ops', { log: true });
  context.subscriptions.push(log);
  log.info(`Pegasus Ops activating in VS Code ${vscode.version} on Node ${process.version}`);
  context.subscriptions.push(vscode.commands.registerCommand('pegasus.showLog', () => log.show()));
  // One command registry for every feature that parses, completes or runs cell commands.
  const commands = createRegistry();
  // Each feature registers itself; one failing must not take the others down.
  for (const [name, register] of [
    ['explorer', registerExplorer],
    ['runbooks', (c: vscode.ExtensionContext) => registerRunbooks(c, commands)],
    ['config language', (c: vscode.ExtensionContext) => registerConfigLanguage(c, commands)],
  ] as const) {
    try {
      await register(context);
    } catch (err) {
      log.error(`Pegasus Ops: ${name} failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
  }
  log.info('Pegasus Ops activated');
}

export function deactivate(): void {}
