import * as vscode from 'vscode';

/** The log every feature writes to; shown as "Pegasus Ops" in the Output panel. */
export let log: vscode.LogOutputChannel;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  log = vscode.window.createOutputChannel('Pegasus Ops', { log: true });
  context.subscriptions.push(log);
  log.info(`Pegasus Ops activating in VS Code ${vscode.version} on Node ${process.version}`);
  context.subscriptions.push(
    vscode.commands.registerCommand('pegasus.showLog', () => log.show()),
  );
  log.info('Pegasus Ops activated');
}

export function deactivate(): void {}
