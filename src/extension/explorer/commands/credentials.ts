/** Storing and forgetting a cluster's credentials (VS Code's secret storage, never settings). */
import * as vscode from 'vscode';
import { EXPLORER_COMMANDS as CMD } from '../commandIds';
import type { ExplorerParts } from '../parts';
import type { Element } from '../treeModel';
import { pickCluster } from './pickers';
import type { RegisterCommand } from './register';

export function registerCredentialCommands(reg: RegisterCommand, { registry }: ExplorerParts): void {
  reg(CMD.storeClusterCredential, async (e?: Element) => {
    const name = (e && 'cluster' in e ? e.cluster : undefined) ?? (await pickCluster(registry, 'Store a credential for which cluster?'));
    if (!name) return;
    const key = await vscode.window.showInputBox({
      title: `Credential for ${name}`,
      prompt: 'Name of the credential (for example "token" or "ssh-password")',
      value: 'token',
      validateInput: (v) => (/^[\w.-]+$/.test(v) ? undefined : 'letters, digits, _ . - only'),
    });
    if (!key) return;
    const value = await vscode.window.showInputBox({
      title: `${name}: ${key}`,
      prompt: "Stored in VS Code's secret storage, never in settings",
      password: true,
    });
    if (value === undefined) return;
    await registry.storeSecret(name, key, value);
    void vscode.window.showInformationMessage(`Stored "${key}" for ${name} in VS Code's secret storage.`);
  });
  reg(CMD.forgetClusterCredentials, async (e?: Element) => {
    const name =
      (e && 'cluster' in e ? e.cluster : undefined) ?? (await pickCluster(registry, 'Forget the stored credentials of which cluster?'));
    if (!name) return;
    const n = await registry.forgetSecrets(name);
    void vscode.window.showInformationMessage(
      n === 0 ? `No credentials stored for ${name}.` : `Forgot ${n} stored credential${n === 1 ? '' : 's'} of ${name}.`,
    );
  });
}
