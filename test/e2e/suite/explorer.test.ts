// Explorer in the extension host, against a simulated cluster started through the explorer's own
// command: nodes with the simulator's counts, a stopped node UNALIVE after one refresh with the
// freeze margin down, and multi-select → Scale In opening a runbook with those nodes.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { fmtBytes } from '../../../src/cluster/units';

const ID = 'pegasus-ops.pegasus-ops';

interface Row {
  id: string;
  label: string;
  description?: string;
  contextValue?: string;
  children?: Row[];
}
interface Started {
  name: string;
  metaServers: string[];
  nodeControl: { kind: string; control: string };
}
interface SimState {
  nodes: {
    address: string;
    primaries: number;
    replicas: number;
    metaStatus: string;
    dataBytes: number;
    diskTotalBytes: number;
    diskAvailBytes: number;
  }[];
}

async function inspect(refresh = true): Promise<Row[]> {
  return (await vscode.commands.executeCommand<Row[]>('pegasus.explorer.inspect', { depth: 2, refresh })) ?? [];
}

function clusterRow(rows: Row[], name: string): Row {
  const c = rows.find((r) => r.label === name);
  assert.ok(c, `cluster ${name} in ${JSON.stringify(rows.map((r) => r.label))}`);
  return c;
}

function child(row: Row, label: string): Row {
  const c = row.children?.find((r) => r.label === label);
  assert.ok(c, `${label} under ${row.label}: ${JSON.stringify(row.children?.map((r) => r.label))}`);
  return c;
}

describe('explorer: simulated cluster in the sidebar', function () {
  this.timeout(60_000);
  let sim: Started;

  before(async () => {
    await vscode.extensions.getExtension(ID)!.activate();
    // Manual clock (timeScale 0): the test moves simulated time with POST /advance.
    sim = (await vscode.commands.executeCommand<Started>('pegasus.startSimulatedCluster', {
      nodes: 5,
      timeScale: 0,
      process: 'inProcess',
    }))!;
    assert.ok(sim?.nodeControl?.control, `start returned ${JSON.stringify(sim)}`);
  });

  after(async () => {
    await closeEverything();
    if (sim) await vscode.commands.executeCommand('pegasus.stopSimulatedCluster', { kind: 'cluster', cluster: sim.name });
  });

  const control = async (path: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(
      `${sim.nodeControl.control}${path}`,
      body === undefined ? {} : { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } },
    );
    assert.equal(res.status, 200, `${path}: ${res.status}`);
    return res.json();
  };

  it('lists the nodes with the counts the simulator holds', async () => {
    const cluster = clusterRow(await inspect(), sim.name);
    assert.deepEqual(
      cluster.children?.map((r) => r.label),
      ['Meta', 'Nodes', 'Tables'],
    );
    const nodes = child(cluster, 'Nodes').children ?? [];
    const truth = (await control('/state?partitions=false')) as SimState;
    assert.equal(nodes.length, truth.nodes.length);
    for (const n of truth.nodes) {
      const row = nodes.find((r) => r.label === n.address);
      assert.ok(row, n.address);
      // The counts from the meta; data and disk as the node's replica server reports them (its /metrics).
      const used = n.diskTotalBytes - n.diskAvailBytes;
      assert.equal(
        row.description,
        `${n.replicas} (${n.primaries} P · ${n.replicas - n.primaries} S) · ${fmtBytes(n.dataBytes)} · disk ${fmtBytes(used)}/${fmtBytes(n.diskTotalBytes)} (${Math.round((100 * used) / n.diskTotalBytes)}%)`,
      );
      assert.equal(row.contextValue, 'pegasus.node.alive');
    }
  });

  it('a stopped node turns UNALIVE within one refresh and the freeze margin drops', async () => {
    const before = clusterRow(await inspect(), sim.name);
    const marginBefore = /freeze margin (\d+)/.exec(child(before, 'Meta').description ?? '')?.[1];
    assert.ok(marginBefore !== undefined, child(before, 'Meta').description);
    const victim = child(before, 'Nodes').children![1]!.label;
    await fetch(`${sim.nodeControl.control}/nodes/${victim}/stop`, { method: 'POST' });
    await control('/advance', { seconds: 60 });
    const after = clusterRow(await inspect(true), sim.name);
    const row = child(after, 'Nodes').children!.find((r) => r.label === victim)!;
    assert.equal(row.contextValue, 'pegasus.node.unalive');
    assert.match(row.description ?? '', /^UNALIVE/);
    const marginAfter = /freeze margin (\d+)/.exec(child(after, 'Meta').description ?? '')?.[1];
    assert.equal(Number(marginAfter), Number(marginBefore) - 1);
  });

  it('Reveal Replicas on a partition reveals its replicas under their nodes, primary first', async () => {
    const truth = (await control('/state?table=temp')) as {
      tables: { partitions: { pidx: number; primary: string | null; secondaries: string[] }[] }[];
    };
    const p0 = truth.tables[0]!.partitions[0]!;
    const ids = await vscode.commands.executeCommand<string[]>('pegasus.explorer.revealReplicas', {
      kind: 'partition',
      cluster: sim.name,
      table: 'temp',
      pidx: 0,
    });
    const expected = [p0.primary, ...p0.secondaries].filter(Boolean).map((a) => `pegasus/${sim.name}/nodes/${a}/temp/0`);
    assert.deepEqual(ids, expected);
  });

  it('multi-select → Scale In opens a runbook naming those nodes', async function () {
    const cluster = clusterRow(await inspect(false), sim.name);
    const picked = child(cluster, 'Nodes')
      .children!.filter((r) => r.contextValue === 'pegasus.node.alive')
      .slice(0, 2)
      .map((r) => r.label);
    const els = picked.map((address) => ({ kind: 'node', cluster: sim.name, address }));
    await vscode.commands.executeCommand('pegasus.explorer.scaleIn', els[0], els);
    // The runbook opens as a notebook (or, without the notebook feature, a markdown editor).
    const deadline = Date.now() + 15_000;
    let text = '';
    while (Date.now() < deadline) {
      const nb = vscode.window.activeNotebookEditor?.notebook;
      text = nb
        ? nb
            .getCells()
            .map((c) => c.document.getText())
            .join('\n')
        : (vscode.window.activeTextEditor?.document.getText() ?? '');
      if (picked.every((p) => text.includes(p))) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    for (const p of picked) assert.ok(text.includes(p), `runbook mentions ${p}:\n${text.slice(0, 2000)}`);
    // Leave no Scale In notebook behind for the suites after this one.
    await closeEverything();
    assert.equal(vscode.window.tabGroups.all.flatMap((g) => g.tabs).length, 0, 'every editor closed');
  });
});

/**
 * Closes every editor. The Scale In runbook is an untitled (dirty) notebook: closeAllEditors alone
 * would ask whether to save it and leave it open, so each editor is reverted and closed first.
 */
async function closeEverything(): Promise<void> {
  for (let i = 0; i < 20 && vscode.window.tabGroups.all.some((g) => g.tabs.length > 0); i++) {
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  }
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}
