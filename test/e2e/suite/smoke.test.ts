// Smoke suite, run inside the extension host: the packaged extension is there, activates, and
// contributes what the workbench shows.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

const ID = 'pegasus-ops.pegasus-ops';

describe('smoke: Pegasus Ops in the extension host', () => {
  it('is installed and activates', async () => {
    const ext = vscode.extensions.getExtension(ID);
    assert.ok(ext, `extension ${ID} is not installed`);
    await ext.activate();
    assert.equal(ext.isActive, true);
  });

  it('contributes the Pegasus view container and the Clusters view', () => {
    const pkg = vscode.extensions.getExtension(ID)?.packageJSON;
    const containers: { id: string; title: string }[] = pkg?.contributes?.viewsContainers?.activitybar ?? [];
    assert.ok(
      containers.some((c) => c.id === 'pegasus' && c.title === 'Pegasus'),
      JSON.stringify(containers),
    );
    const views: { id: string }[] = pkg?.contributes?.views?.pegasus ?? [];
    assert.ok(
      views.some((v) => v.id === 'pegasus.clusters'),
      JSON.stringify(views),
    );
  });

  it('registers every contributed command', async () => {
    const pkg = vscode.extensions.getExtension(ID)?.packageJSON;
    const contributed: string[] = (pkg?.contributes?.commands ?? []).map((c: { command: string }) => c.command);
    assert.ok(contributed.includes('pegasus.showLog'));
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.filter((c) => !registered.has(c));
    assert.deepEqual(missing, [], `contributed but not registered: ${missing.join(', ')}`);
  });

  it('runs pegasus.showLog', async () => {
    await vscode.commands.executeCommand('pegasus.showLog');
  });
});
