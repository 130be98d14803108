import { EXPLORER_COMMANDS as CMD } from '../commandIds';
import type { ExplorerParts } from '../parts';
import { childrenOf, itemOf, type Element } from '../treeModel';
import type { RegisterCommand } from './register';

/** For in-editor tests: the visible tree as plain data, down to `depth` levels under the roots. */
export function registerInspectCommand(reg: RegisterCommand, { controller, tree }: ExplorerParts): void {
  reg(CMD.inspect, async (opts?: { depth?: number; refresh?: boolean }) => {
    if (opts?.refresh) {
      controller.refresh(undefined, 'manual');
      await controller.idle();
    }
    const ctx = tree.context();
    const walk = (e: Element | undefined, depth: number): unknown[] =>
      childrenOf(ctx, e).map((c) => {
        const it = itemOf(ctx, c);
        return {
          id: it.id,
          label: it.label,
          description: it.description,
          contextValue: it.contextValue,
          children: depth > 0 ? walk(c, depth - 1) : undefined,
        };
      });
    return walk(undefined, opts?.depth ?? 3);
  });
}
