/** Every command of the explorer, registered by feature. */
import type * as vscode from 'vscode';
import type { Logger } from '../../log';
import type { ExplorerParts } from '../parts';
import { registerClusterCommands } from './clusters';
import { registerCredentialCommands } from './credentials';
import { registerFilterCommands } from './filter';
import { registerInspectCommand } from './inspect';
import { registerNodeCommands } from './nodes';
import { registerRefreshCommands } from './refresh';
import { commandRegistrar } from './register';
import { registerSimulatorCommands } from './simulator';

export function registerExplorerCommands(context: vscode.ExtensionContext, parts: ExplorerParts, log: Logger): void {
  const reg = commandRegistrar(context, log);
  registerRefreshCommands(reg, parts);
  registerSimulatorCommands(reg, parts);
  registerClusterCommands(reg, parts);
  registerFilterCommands(reg, parts);
  registerNodeCommands(reg, parts);
  registerCredentialCommands(reg, parts);
  registerInspectCommand(reg, parts);
}
