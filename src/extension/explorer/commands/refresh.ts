import { EXPLORER_COMMANDS as CMD } from '../commandIds';
import type { ExplorerParts } from '../parts';
import type { Element } from '../treeModel';
import { clusterOf, withViewProgress, type RegisterCommand } from './register';

export function registerRefreshCommands(reg: RegisterCommand, { controller }: ExplorerParts): void {
  reg(CMD.refresh, () => {
    controller.refresh(undefined, 'manual');
    return withViewProgress(controller.idle());
  });
  reg(CMD.refreshCluster, (e?: Element | string) => {
    controller.refresh(clusterOf(e), 'manual');
    return withViewProgress(controller.idle());
  });
}
