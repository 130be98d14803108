import * as vscode from 'vscode';
import { createRegistry } from '../commands';
import { registerConfigLanguage } from './config';
import { registerExplorer } from './explorer';
import { attachLogChannel, logger, showLog } from './log';
import { registerRunbooks } from './notebook';

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  // Shown as "Pegasus Ops" in the Output panel; every feature writes to it through ./log.
  const channel = vscode.window.createOutputChannel('Pegasus Ops', { log: true });
  context.subscriptions.push(channel, attachLogChannel(channel));
  logger.info(`Pegasus Ops activating in VS Code ${vscode.version} on Node ${process.version}`);
  context.subscriptions.push(vscode.commands.registerCommand('pegasus.showLog', () => showLog()));
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
      logger.error(`Pegasus Ops: ${name} failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
  }
  logger.info('Pegasus Ops activated');
}

export function deactivate(): void {}
