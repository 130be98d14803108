/**
 * The VS Code side of the config language: starts the language server (dist/server.js) with
 * vscode-languageclient, switches Pegasus configs opened as `ini`/plain text to `pegasus-config`
 * by content, tells the server about connected clusters (with their meta servers, to which a file
 * is bound) and the scale-ins planned in open runbooks whose run is pending (`pegasus/context`),
 * and hosts the threshold calculator the code lens opens.
 */
import { statSync } from 'node:fs';
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { getClusterRegistry, type ClusterRegistry } from '../clusters';
import { Disposable } from '../disposable';
import { NodeStatus } from '../../pegasus/types';
import { looksLikePegasusConfig } from '../../config/detect';
import type { CommandRegistry } from '../../commands';
import { isPlanPending, isRunbookUri, scanRunbook } from '../../config/runbookPlans';
import { readCellRecords, runLogPath, type CellRecord } from '../../runbook/runLog';
import { parseSettings, type ClusterNodeCounts, type EditorContext, type RunbookPlan } from '../../config/settings';
import { openCalculator } from './calculator';

export const LANGUAGE_ID = 'pegasus-config';
const SWITCHABLE = new Set(['ini', 'properties', 'plaintext']);

export async function registerConfigLanguage(context: vscode.ExtensionContext, commands: CommandRegistry): Promise<void> {
  registerDetection(context);
  const sender = new ContextSender(commands);
  context.subscriptions.push(
    sender,
    vscode.commands.registerCommand('pegasus.config.openCalculator', (args?: unknown) => openCalculator(args, () => sender.current)),
  );

  const serverModule = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6011'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ language: LANGUAGE_ID }],
    synchronize: { configurationSection: 'pegasus.config' },
    initializationOptions: { settings: readSettings(), context: sender.current },
    outputChannelName: 'Pegasus Config Language Server',
  };
  const client = new LanguageClient('pegasusConfig', 'Pegasus Config Language Server', serverOptions, clientOptions);
  context.subscriptions.push({ dispose: () => void client.stop() });
  await client.start();
  sender.attach(client);
}

function readSettings() {
  return parseSettings(vscode.workspace.getConfiguration('pegasus').get('config')).settings;
}

/** Switches Pegasus server configs that opened as ini/plain text; once per document per session. */
function registerDetection(context: vscode.ExtensionContext): void {
  const switched = new Set<string>();
  const consider = (doc: vscode.TextDocument) => {
    if (!SWITCHABLE.has(doc.languageId) || switched.has(doc.uri.toString())) return;
    if (doc.uri.scheme !== 'file' && doc.uri.scheme !== 'untitled') return;
    if (!readSettings().detectByContent) return;
    if (!looksLikePegasusConfig(doc.getText())) return;
    switched.add(doc.uri.toString());
    void vscode.languages.setTextDocumentLanguage(doc, LANGUAGE_ID);
  };
  context.subscriptions.push(vscode.workspace.onDidOpenTextDocument(consider));
  for (const d of vscode.workspace.textDocuments) consider(d);
}

/**
 * Collects the editor's facts and sends them to the server when they change: live node counts
 * of registered clusters (from the explorer's latest snapshot, else one throttled list_nodes
 * call while a config file is open) and scale-ins planned in open runbooks.
 */
class ContextSender extends Disposable {
  current: EditorContext = { clusters: [], runbookPlans: [] };
  private client: LanguageClient | undefined;
  private lastSent = '';
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly poll: ReturnType<typeof setInterval>;
  private readonly plans = new Map<string, RunbookPlan>();
  private readonly fetched = new Map<string, { at: number; facts: ClusterNodeCounts | undefined }>();
  /** Run logs read, by path, with the size and mtime they were read at (re-read when either moves). */
  private readonly runLogs = new Map<string, { stamp: string; records: readonly CellRecord[] }>();

  constructor(commands: CommandRegistry) {
    super();
    const soon = () => this.schedule();
    const runbookText = (doc: vscode.TextDocument) => {
      if (!isRunbookUri(doc.uri.toString())) return;
      this.setPlan(doc.uri.toString(), scanRunbook(doc.uri.toString(), doc.getText(), commands));
      soon();
    };
    const runbookNotebook = async (nb: vscode.NotebookDocument) => {
      if (!isRunbookUri(nb.uri.toString())) return;
      // The saved file is the runbook as written (front matter included); good enough for a plan.
      try {
        const text = Buffer.from(await vscode.workspace.fs.readFile(nb.uri)).toString('utf8');
        this.setPlan(nb.uri.toString(), scanRunbook(nb.uri.toString(), text, commands));
      } catch {
        this.setPlan(nb.uri.toString(), undefined);
      }
      soon();
    };
    const drop = (uri: vscode.Uri) => {
      if (this.plans.delete(uri.toString())) soon();
    };
    // VS Code closes text documents lazily (minutes after their tab), so "open" means "in a tab".
    this.ownAll(
      vscode.workspace.onDidOpenTextDocument(runbookText),
      vscode.workspace.onDidChangeTextDocument((e) => runbookText(e.document)),
      vscode.workspace.onDidCloseTextDocument((d) => drop(d.uri)),
      vscode.workspace.onDidOpenNotebookDocument((nb) => void runbookNotebook(nb)),
      vscode.workspace.onDidSaveNotebookDocument((nb) => void runbookNotebook(nb)),
      vscode.workspace.onDidCloseNotebookDocument((nb) => drop(nb.uri)),
      vscode.workspace.onDidOpenTextDocument((d) => d.languageId === LANGUAGE_ID && soon()),
      vscode.window.tabGroups.onDidChangeTabs(soon),
    );
    for (const d of vscode.workspace.textDocuments) runbookText(d);
    for (const nb of vscode.workspace.notebookDocuments) void runbookNotebook(nb);
    const reg = getClusterRegistry();
    if (reg) this.ownAll(reg.onDidChangeClusters(soon), reg.onDidChangeActive(soon), reg.onDidNotifyChange(soon), reg.onDidRefresh(soon));
    // Every refresh the explorer makes arrives through onDidRefresh; this slow re-read covers the
    // clusters it does not refresh (while the view is hidden only the active one is polled).
    this.poll = setInterval(() => {
      if (vscode.workspace.textDocuments.some((d) => d.languageId === LANGUAGE_ID)) this.schedule();
    }, 60_000);
    this.schedule();
  }

  attach(c: LanguageClient): void {
    this.client = c;
    this.lastSent = '';
    this.schedule();
  }

  private setPlan(uri: string, plan: RunbookPlan | undefined): void {
    if (plan) this.plans.set(uri, plan);
    else this.plans.delete(uri);
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.send(), 300);
  }

  private async clusterNodeCounts(reg: ClusterRegistry | undefined): Promise<ClusterNodeCounts[]> {
    if (!reg) return [];
    const wantLive = vscode.workspace.textDocuments.some((d) => d.languageId === LANGUAGE_ID);
    const out: ClusterNodeCounts[] = [];
    for (const c of reg.list()) {
      const name = c.profile.name;
      const snap = reg.latestSnapshot(name);
      const metaServers = [...c.profile.metaServers];
      if (snap) {
        out.push({
          name,
          alive: snap.freeze.alive,
          dead: snap.freeze.dead,
          metaServers,
          ...wireVersion(snap.nodes.map((n) => n.hostPort)),
        });
        continue;
      }
      const cached = this.fetched.get(name);
      if (cached && (Date.now() - cached.at < 30_000 || !wantLive)) {
        if (cached.facts) out.push(cached.facts);
        continue;
      }
      if (!wantLive) continue;
      let facts: ClusterNodeCounts | undefined;
      try {
        const nodes = await c.client.listNodes({ timeoutMs: 3000 });
        facts = {
          name,
          metaServers,
          alive: nodes.filter((n) => n.status === NodeStatus.NS_ALIVE).length,
          dead: nodes.filter((n) => n.status === NodeStatus.NS_UNALIVE).length,
          ...wireVersion(nodes.map((n) => n.hpAddress)),
        };
      } catch {
        facts = undefined; // unreachable: the file falls back to settings or its directive
      }
      this.fetched.set(name, { at: Date.now(), facts });
      if (facts) out.push(facts);
    }
    return out;
  }

  private async send(): Promise<void> {
    const reg = getClusterRegistry();
    const clusters = await this.clusterNodeCounts(reg);
    const active = reg?.active?.profile.name;
    const inTabs = openTabUris();
    const runbookPlans = [...this.plans.values()].filter((p) => inTabs.has(p.uri) && isPlanPending(p, this.runLogOf(p.uri)));
    this.current = { clusters, ...(active ? { activeCluster: active } : {}), runbookPlans };
    const json = JSON.stringify(this.current);
    if (!this.client || json === this.lastSent) return;
    this.lastSent = json;
    await this.client.sendNotification('pegasus/context', this.current).catch(() => undefined);
  }

  /** The cell records of a runbook's run log; none when it has none or it cannot be read. */
  private runLogOf(uri: string): readonly CellRecord[] {
    const file = vscode.Uri.parse(uri);
    if (file.scheme !== 'file') return [];
    const path = runLogPath(file.fsPath);
    try {
      const st = statSync(path, { throwIfNoEntry: false });
      if (!st) return [];
      const stamp = `${st.size}:${st.mtimeMs}`;
      const cached = this.runLogs.get(path);
      if (cached?.stamp === stamp) return cached.records;
      const records = readCellRecords(path);
      this.runLogs.set(path, { stamp, records });
      return records;
    } catch {
      return []; // unreadable: judged as never run, so its plan still warns
    }
  }

  override dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    clearInterval(this.poll);
    super.dispose();
  }
}

function openTabUris(): Set<string> {
  const out = new Set<string>();
  for (const g of vscode.window.tabGroups.all) {
    for (const t of g.tabs) {
      const input = t.input;
      if (input instanceof vscode.TabInputText || input instanceof vscode.TabInputNotebook) out.add(input.uri.toString());
    }
  }
  return out;
}

/**
 * The version a cluster's replies prove: only master-era metas (our 2.6) send `hp_*` host:port
 * fields (idl/meta_admin.thrift node_info). Without them it is 2.5 or older, which the wire cannot
 * tell apart, so nothing is claimed and the file or the setting decides.
 */
function wireVersion(hostPorts: readonly (string | undefined)[]): { version?: '2.6' } {
  return hostPorts.some((h) => h) ? { version: '2.6' } : {};
}
