/** Runs the command links clicked in runbook cell output (the webview side: renderer/commandLinks.ts). */
import * as vscode from 'vscode';
import { COMMAND_LINKS_RENDERER_ID, OUTPUT_LINK_COMMANDS } from '../renderer/linkCommands';
import type { Logger } from '../log';

interface RunCommandMessage {
  readonly type: 'run-command';
  readonly command: string;
  readonly args: unknown[];
}

function isRunCommand(m: unknown): m is RunCommandMessage {
  const o = m as Partial<RunCommandMessage> | undefined;
  return o?.type === 'run-command' && typeof o.command === 'string' && Array.isArray(o.args);
}

export function registerOutputLinks(context: vscode.ExtensionContext, log: Logger): void {
  const messaging = vscode.notebooks.createRendererMessaging(COMMAND_LINKS_RENDERER_ID);
  context.subscriptions.push(
    messaging.onDidReceiveMessage(({ message }) => {
      // The webview checks too; this side decides, since a webview message is only a request.
      if (!isRunCommand(message) || !(OUTPUT_LINK_COMMANDS as readonly string[]).includes(message.command)) return;
      vscode.commands.executeCommand(message.command, ...message.args).then(undefined, (e: unknown) => {
        log.warn(`output link ${message.command} failed: ${e instanceof Error ? e.message : String(e)}`);
        void vscode.window.showErrorMessage(`${message.command}: ${e instanceof Error ? e.message : String(e)}`);
      });
    }),
  );
}
