/**
 * The threshold calculator the code lens opens: choose how many nodes go down one after another,
 * see the alive share after each removal and the largest safe threshold, and apply it to the file.
 * The arithmetic is freeze.ts's (through src/config/calculator.ts).
 */
import * as vscode from 'vscode';
import { thresholdEdit } from '../../config/actions';
import { analyzeConfig, type CalculatorArgs } from '../../config/analysis';
import { calculate, describeStep } from '../../config/calculator';
import { parseSettings, type EditorContext } from '../../config/settings';
import * as z from 'zod';

const argsSchema = z.object({
  uri: z.string().optional(),
  k: z.number().int().min(1).nullable().optional(),
});

export async function openCalculator(rawArgs: unknown, editorContext: () => EditorContext): Promise<void> {
  const parsed = argsSchema.safeParse(rawArgs ?? {});
  const given = parsed.success ? (parsed.data as Partial<CalculatorArgs>) : {};
  const uri = given.uri ? vscode.Uri.parse(given.uri) : vscode.window.activeTextEditor?.document.uri;
  if (!uri) {
    void vscode.window.showWarningMessage('Threshold calculator: open a Pegasus config file first.');
    return;
  }
  const doc = await vscode.workspace.openTextDocument(uri);
  // Recompute from the current text: the lens may be a few edits old.
  const settings = parseSettings(vscode.workspace.getConfiguration('pegasus').get('config')).settings;
  const ctx = { settings, ...editorContext() };
  const a = analyzeConfig(doc.getText(), ctx);
  if (!a.doc.sectionByName.has('meta_server') || !a.pct || !a.minLive) {
    void vscode.window.showWarningMessage(
      'Threshold calculator: this file has no readable [meta_server] threshold (fix the errors shown in the file first).',
    );
    return;
  }
  let nodes = a.nodes;
  if (!nodes) {
    const answer = await vscode.window.showInputBox({
      title: 'Threshold calculator',
      prompt: 'How many replica servers does the cluster have? (Add "# pegasus-ops: nodes=N" to the file to remember it.)',
      validateInput: (v) => (/^\d+$/.test(v.trim()) && Number(v) >= 1 ? undefined : 'a whole number of replica servers, e.g. 10'),
    });
    if (!answer) return;
    nodes = { alive: Number(answer.trim()), dead: 0, source: 'your answer' };
  }
  const { alive, dead } = nodes;
  const total = alive + dead;
  const pct = a.pct.value;
  const minLive = a.minLive.value;
  const inputs = { alive, dead, pct, minLive };

  // Step 1: choose k.
  const items = Array.from({ length: alive }, (_, i) => {
    const k = i + 1;
    const r = calculate(inputs, k);
    const firstFrozen = r.steps.find((s) => s.frozen);
    return {
      k,
      label: `Remove ${k} of ${total}`,
      description: r.safePct === null ? `not possible: fewer than ${minLive} would stay alive` : `threshold ≤ ${r.safePct}%`,
      detail: firstFrozen ? `With ${pct}% the meta freezes at removal ${firstFrozen.removed}` : `With ${pct}% all ${k} removals are safe`,
    };
  });
  const pick = vscode.window.createQuickPick<(typeof items)[number]>();
  pick.title = `Threshold calculator — ${alive}/${total} alive (${nodes.source}), threshold ${pct}%, min live ${minLive}`;
  pick.placeholder = 'How many nodes will go down one after another (before the meta restarts)?';
  pick.items = items;
  const pre = items.find((x) => x.k === given.k);
  if (pre) pick.activeItems = [pre];
  const chosen = await new Promise<(typeof items)[number] | undefined>((resolve) => {
    pick.onDidAccept(() => resolve(pick.selectedItems[0]));
    pick.onDidHide(() => resolve(undefined));
    pick.show();
  });
  pick.dispose();
  if (!chosen) return;

  // Step 2: the schedule and what to do about it.
  const r = calculate(inputs, chosen.k);
  type Item = vscode.QuickPickItem & { action?: 'apply' | 'copy' };
  const steps: Item[] = r.steps.map((s) => ({
    label: `${s.frozen ? '$(error)' : '$(check)'} after ${s.removed}: ${s.alive}/${total} alive (${s.aliveShare.toFixed(1)}%)`,
    description: s.frozen ? `FROZEN at ${pct}% / min ${minLive}` : `ok at ${pct}%`,
    detail:
      s.largestSafePct === null ? `no threshold helps: fewer than ${minLive} alive` : `safe with a threshold up to ${s.largestSafePct}%`,
    tooltip: describeStep(s, total),
  }));
  const actions: Item[] = [];
  if (r.safePct !== null && r.safePct !== pct) {
    actions.push({
      label: `$(edit) Set node_live_percentage_threshold_for_update = ${r.safePct} in this file`,
      action: 'apply',
      detail: 'Takes effect when the meta restarts; lower it at run time with meta.live_percentage.',
    });
    actions.push({ label: `$(copy) Copy: remote_command -l <leader> meta.live_percentage ${r.safePct}`, action: 'copy' });
  } else if (r.safePct === null) {
    actions.push({
      label: `$(warning) No threshold allows ${chosen.k}: min_live_node_count_for_unfreeze (${minLive}) would be violated`,
      detail: 'Remove fewer nodes, add nodes first, or lower the minimum (HTTP /updateConfig).',
    });
  } else {
    actions.push({ label: `$(pass) The current threshold (${pct}%) already allows removing ${chosen.k}` });
  }
  const second = await vscode.window.showQuickPick<Item>(
    [
      { label: 'Alive share after each removal', kind: vscode.QuickPickItemKind.Separator },
      ...steps,
      { label: 'Actions', kind: vscode.QuickPickItemKind.Separator },
      ...actions,
    ],
    { title: `Removing ${chosen.k} of ${total}: largest safe threshold ${r.safePct ?? 'none'}`, placeHolder: 'Pick an action' },
  );
  if (second?.action === 'apply' && r.safePct !== null) {
    const e = thresholdEdit(a, r.safePct);
    if (!e) return;
    const edit = new vscode.WorkspaceEdit();
    edit.replace(
      doc.uri,
      new vscode.Range(e.range.start.line, e.range.start.character, e.range.end.line, e.range.end.character),
      e.newText,
    );
    if (await vscode.workspace.applyEdit(edit)) {
      void vscode.window.showInformationMessage(
        `node_live_percentage_threshold_for_update set to ${r.safePct}: ${chosen.k} of ${total} nodes can go down one after another.`,
      );
    }
  } else if (second?.action === 'copy' && r.safePct !== null) {
    await vscode.env.clipboard.writeText(`remote_command -l <leader> meta.live_percentage ${r.safePct}`);
  }
}
