// Config language in the extension host: a Pegasus config gets the language (by content and by
// name), the server's diagnostics, the threshold code lens and the quick fixes.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

const ID = 'pegasus-ops.pegasus-ops';

function fileUri(rel: string): vscode.Uri {
  return vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0]!.uri, rel);
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const codesOf = (uri: vscode.Uri) =>
  vscode.languages
    .getDiagnostics(uri)
    .map((d) => (typeof d.code === 'object' ? String(d.code.value) : String(d.code)))
    .sort();

describe('config language', () => {
  before(async () => {
    await vscode.extensions.getExtension(ID)!.activate();
  });
  after(async () => {
    await closeAndFocusEditorArea();
  });

  it('switches a config.ini with [meta_server] to pegasus-config and shows the warnings', async () => {
    const uri = fileUri('config/cluster/config.ini');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    await until('the pegasus-config language', () =>
      vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString() && d.languageId === 'pegasus-config'),
    );
    const codes = await until('diagnostics', () => {
      const c = codesOf(uri);
      return c.length >= 3 ? c : undefined;
    });
    assert.deepEqual(codes, ['duplicate-key', 'threshold-freezes-on-loss', 'unknown-key']);
    const unknown = vscode.languages.getDiagnostics(uri).find((d) => String(d.code) === 'unknown-key')!;
    assert.match(unknown.message, /Did you mean "replica_assign_delay_ms_for_dropouts"/);
    assert.equal(unknown.severity, vscode.DiagnosticSeverity.Warning);
  });

  it('puts the threshold calculator lens on the threshold key', async () => {
    const uri = fileUri('config/cluster/config.ini');
    const lenses = await until('code lenses', async () => {
      const l = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
      return l && l.length > 0 ? l : undefined;
    });
    const onThreshold = lenses.filter((l) => l.range.start.line === 8);
    assert.ok(
      onThreshold.some((l) => l.command?.title === 'Freezes after 1 more down (10 nodes, 95%)'),
      JSON.stringify(lenses.map((l) => l.command?.title)),
    );
    assert.ok(
      onThreshold.some((l) =>
        /^0 of 10 nodes can go down, one after another, before the meta freezes \(nodes= comment\)/.test(l.command?.tooltip ?? ''),
      ),
      'the full sentence is the tooltip',
    );
    assert.ok(
      onThreshold.some(
        (l) => l.command?.command === 'pegasus.config.openCalculator' && l.command.title === 'Allow 1 down: ≤ 90% · Calculator…',
      ),
    );
  });

  it('offers the quick fix that sets a safe threshold', async () => {
    const uri = fileUri('config/cluster/config.ini');
    const line = new vscode.Range(8, 0, 8, 0);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, line);
    const fix = actions.find((a) => a.title === 'Set node_live_percentage_threshold_for_update to 90 (lets 1 node go)');
    assert.ok(fix, JSON.stringify(actions.map((a) => a.title)));
  });

  it('recognises *.pegasus.ini by name', async () => {
    const doc = await vscode.workspace.openTextDocument(fileUri('config/prod.pegasus.ini'));
    assert.equal(doc.languageId, 'pegasus-config');
    await vscode.window.showTextDocument(doc);
    const lenses = await until('code lenses', async () => {
      const l = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri);
      return l && l.length > 0 ? l : undefined;
    });
    assert.equal(lenses[0]!.command!.title, 'Freezes after 2 more down (4 nodes, 65%)');
    assert.deepEqual(codesOf(doc.uri), []);
  });

  it('takes the node count from the connected (simulated) cluster', async function () {
    this.timeout(90_000);
    const sim = await vscode.commands.executeCommand<{ name: string }>('pegasus.startSimulatedCluster', {
      nodes: 7,
      timeScale: 0,
      process: 'inProcess',
    });
    try {
      const uri = fileUri('config/live/config.ini');
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
      const lens = await until(
        'a lens with the live node count',
        async () => {
          const l = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
          return l?.find((x) => /\(7 nodes,/.test(x.command?.title ?? ''));
        },
        60_000,
      );
      assert.equal(lens.command!.title, 'Freezes after 4 more down (7 nodes, 50%)');
      assert.match(
        lens.command!.tooltip ?? '',
        new RegExp(`^3 of 7 nodes can go down, one after another, before the meta freezes \\(cluster "${sim!.name}"\\)`),
      );
    } finally {
      await vscode.commands.executeCommand('pegasus.stopSimulatedCluster');
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    }
  });

  it('warns when a scale-in in an open runbook would freeze the meta, and stops when it closes', async () => {
    const config = fileUri('config/prod.pegasus.ini');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(config));
    // Opened as text in a tab (the runbook feature may also offer it as a notebook).
    const runbook = await vscode.workspace.openTextDocument(fileUri('config/shrink.runbook.md'));
    await vscode.window.showTextDocument(runbook, { preview: false, preserveFocus: true, viewColumn: vscode.ViewColumn.Beside });
    const warning = await until('the scale-in warning', () =>
      vscode.languages.getDiagnostics(config).find((d) => String(d.code) === 'threshold-freezes-scale-in'),
    );
    assert.match(warning.message, /shrink\.runbook\.md .* removes 2 nodes/);
    assert.match(warning.message, /fewer than 3/);
    // Closing the runbook's tab withdraws its plan.
    const tabs = vscode.window.tabGroups.all
      .flatMap((g) => g.tabs)
      .filter((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === runbook.uri.toString());
    assert.ok(tabs.length > 0);
    await vscode.window.tabGroups.close(tabs);
    await until('the warning to clear', () => (codesOf(config).includes('threshold-freezes-scale-in') ? undefined : true));
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('also reads the plan of a runbook open as a notebook', async () => {
    const config = fileUri('config/prod.pegasus.ini');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(config));
    const nb = await vscode.workspace.openNotebookDocument(fileUri('config/shrink.runbook.md'));
    await vscode.window.showNotebookDocument(nb, { preserveFocus: true, viewColumn: vscode.ViewColumn.Beside });
    await until('the scale-in warning from the notebook', () =>
      vscode.languages.getDiagnostics(config).find((d) => String(d.code) === 'threshold-freezes-scale-in'),
    );
    const tabs = vscode.window.tabGroups.all
      .flatMap((g) => g.tabs)
      .filter((t) => t.input instanceof vscode.TabInputNotebook && t.input.uri.toString() === nb.uri.toString());
    assert.ok(tabs.length > 0);
    await vscode.window.tabGroups.close(tabs);
    const still = await until('the warning to clear', () => {
      const c = codesOf(config);
      return c.includes('threshold-freezes-scale-in') ? undefined : c;
    });
    assert.ok(
      vscode.workspace.textDocuments.some((d) => d.uri.toString() === config.toString()),
      'the config is still open',
    );
    assert.deepEqual(still, []);
    await closeAndFocusEditorArea();
  });
});

/** No editor left and the keyboard back in the editor area (the beside-notebook test moved it), so later suites start clean. */
async function closeAndFocusEditorArea(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  await vscode.commands.executeCommand('workbench.action.focusFirstEditorGroup');
}
