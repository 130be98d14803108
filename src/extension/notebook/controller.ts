/**
 * The runbook NotebookController: a thin adapter from VS Code cell executions to the pure queue
 * (src/runbook/queue) and cell runner (src/runbook/execute). Cells queue and run one at a time per
 * notebook; run-all stops at the first failure unless a cell has continueOnError; the cell's
 * cancellation token aborts the socket calls and the engine; progress streams into the cell
 * (throttled); results are markdown + JSON + a picture; every run is appended to the run log.
 */
import * as vscode from 'vscode';
import type { RegisteredCluster } from '../clusters';
import { getClusterRegistry, notifyClusterChanged } from '../clusters';
import type { CommandRegistry } from '../../commands';
import { parseScript } from '../../commands/parser';
import type { ConfirmRequest, ProgressEvent } from '../../commands/types';
import { confirmDetail } from '../../commands/confirm';
import type { StepServices } from '../../commands/steps';
import { summarizeState } from '../../engine/engine';
import { stateWords } from '../../commands/steps/words';
import { simulatorTwin } from '../../simulator/twin';
import { metaClusterPort } from '../../engine/metaPort';
import { parseCellOptions, timeoutMs, type CellOptions } from '../../runbook/cellOptions';
import { isProgressUpdate, runCell, throttle, type CellOutput } from '../../runbook/execute';
import { RunQueue, type QueueTask } from '../../runbook/queue';
import { currentUser } from '../../cluster/operator';
import { RunLog, runLogPath, type CellEntry } from '../../runbook/runLog';
import { RUNBOOK_MIME, visualSchema } from '../../runbook/visual';
import { Disposable } from '../disposable';
import type { Logger } from '../log';
import { cellMeta, notebookMeta, NOTEBOOK_TYPE } from './serializer';

export const CONTROLLER_ID = 'pegasus-runbook-controller';

/** Per-notebook state: its queue, its run log session, "don't ask again" for this run-all. */
interface Session {
  readonly queue: RunQueue;
  readonly log: RunLog | undefined;
  skipConfirmUntil: number;
}

export interface RunRequestOptions {
  /** Continue the journal's unfinished operation (resume). */
  readonly resume?: boolean;
  /** Set on the first cell of a resumed session. */
  readonly resumes?: string;
}

export function toVsOutput(o: CellOutput): vscode.NotebookCellOutput {
  const items = o.items.map((i) => {
    if (i.mime === 'text/markdown') return vscode.NotebookCellOutputItem.text(i.data as string, 'text/markdown');
    if (i.mime === 'text/plain') return vscode.NotebookCellOutputItem.text(i.data as string);
    return vscode.NotebookCellOutputItem.json(i.data, i.mime);
  });
  return new vscode.NotebookCellOutput(items, { kind: o.kind });
}

export class RunbookController extends Disposable {
  readonly controller: vscode.NotebookController;
  private readonly sessions = new Map<string, Session>();
  private readonly pendingRunOptions = new Map<string, RunRequestOptions>();

  constructor(
    private readonly log: Logger | undefined,
    private readonly commands: CommandRegistry,
  ) {
    super();
    this.controller = vscode.notebooks.createNotebookController(CONTROLLER_ID, NOTEBOOK_TYPE, 'Pegasus Runbook');
    this.controller.supportedLanguages = ['pegasus'];
    this.controller.supportsExecutionOrder = true;
    this.controller.description = "Runs pegasus cells against the runbook's cluster";
    // Tokens, not an interrupt handler: with an interrupt handler VS Code would not cancel per-cell tokens.
    this.controller.executeHandler = (cells, notebook) => this.execute(cells, notebook);
    // The only controller for runbooks: preferred, so Run needs no kernel picking.
    const prefer = (nb: vscode.NotebookDocument) => {
      if (nb.notebookType === NOTEBOOK_TYPE) this.controller.updateNotebookAffinity(nb, vscode.NotebookControllerAffinity.Preferred);
    };
    vscode.workspace.notebookDocuments.forEach(prefer);
    this.ownAll(
      this.controller,
      vscode.workspace.onDidOpenNotebookDocument(prefer),
      vscode.workspace.onDidCloseNotebookDocument((nb) => {
        const s = this.sessions.get(nb.uri.toString());
        // Closing the notebook cancels what is queued; a running step still restores its settings.
        s?.queue.cancelAll();
        this.sessions.delete(nb.uri.toString());
      }),
    );
  }

  override dispose(): void {
    for (const s of this.sessions.values()) s.queue.cancelAll();
    super.dispose();
  }

  session(nb: vscode.NotebookDocument): Session {
    const key = nb.uri.toString();
    let s = this.sessions.get(key);
    if (!s) {
      s = { queue: new RunQueue(), log: nb.uri.scheme === 'file' ? new RunLog(runLogPath(nb.uri.fsPath)) : undefined, skipConfirmUntil: 0 };
      this.sessions.set(key, s);
    }
    return s;
  }

  /** Runs cells with extra options (resume); used by the resume prompt. */
  async run(cells: readonly vscode.NotebookCell[], nb: vscode.NotebookDocument, opts: RunRequestOptions): Promise<void> {
    this.pendingRunOptions.set(nb.uri.toString(), opts);
    await vscode.commands.executeCommand('notebook.cell.execute', {
      ranges: cells.map((c) => ({ start: c.index, end: c.index + 1 })),
      document: nb.uri,
    });
  }

  private resolveCluster(nb: vscode.NotebookDocument): { cluster?: RegisteredCluster; problem?: string } {
    const registry = getClusterRegistry();
    const named = notebookMeta(nb)?.frontMatter.cluster;
    if (!registry)
      return { problem: 'the cluster registry is not available (the Pegasus explorer failed to start; see Pegasus: Show Log)' };
    if (named) {
      const c = registry.get(named);
      if (c) return { cluster: c };
      const known =
        registry
          .list()
          .map((x) => `"${x.profile.name}"`)
          .join(', ') || 'none';
      return {
        problem:
          `the runbook's front matter names cluster "${named}", which is not configured (known: ${known}). ` +
          (named === 'simulated' || named.startsWith('simulated-')
            ? 'Start it with [Pegasus: Start Simulated Cluster](command:pegasus.startSimulatedCluster).'
            : 'Add it to the `pegasus.clusters` setting, or change `cluster:` in the front matter.'),
      };
    }
    const active = registry.active;
    if (!active)
      return {
        problem:
          'no cluster: add `cluster: NAME` to the runbook front matter and configure it in `pegasus.clusters`, or [start the simulated cluster](command:pegasus.startSimulatedCluster).',
      };
    return { cluster: active };
  }

  private async confirm(req: ConfirmRequest, session: Session, batchEnd: number): Promise<boolean> {
    const production = req.production;
    const setting = vscode.workspace.getConfiguration('pegasus').get<boolean>('runbooks.confirmChanges', true);
    if (!production && (!setting || Date.now() < session.skipConfirmUntil)) return true;
    const runAllLabel = "Run, and Don't Ask Again in This Run";
    const buttons = production ? ['Run'] : ['Run', runAllLabel];
    const pick = await vscode.window.showWarningMessage(
      `${production ? 'PRODUCTION cluster' : 'Cluster'} "${req.cluster}": ${req.command}`,
      {
        modal: true,
        detail: confirmDetail(req),
      },
      ...buttons,
    );
    if (pick === runAllLabel) session.skipConfirmUntil = batchEnd;
    return pick === 'Run' || pick === runAllLabel;
  }

  private async execute(cells: readonly vscode.NotebookCell[], nb: vscode.NotebookDocument): Promise<void> {
    const session = this.session(nb);
    const opts = this.pendingRunOptions.get(nb.uri.toString()) ?? {};
    this.pendingRunOptions.delete(nb.uri.toString());
    const runAll = cells.length > 1;
    const meta = notebookMeta(nb);
    const defaults = meta?.frontMatter.defaults ?? {};
    // "Don't ask again" holds for this request only: a window far in the future, reset when it ends.
    let batchEnd = Number.MAX_SAFE_INTEGER;
    const tasks: QueueTask[] = [];
    for (const cell of cells) {
      const options: CellOptions = { ...defaults, ...(cellMeta(cell).options ?? {}) };
      if (runAll && options.excludeFromRunAll) continue;
      const execution = this.controller.createNotebookCellExecution(cell);
      const id = `${cell.index}:${Math.random().toString(36).slice(2)}`;
      const sub = execution.token.onCancellationRequested(() => {
        this.log?.info(`runbook ${nb.uri.fsPath} cell ${cell.index + 1}: cancel requested`);
        session.queue.cancel(id);
      });
      const t = timeoutMs(options);
      const first = tasks.length === 0;
      tasks.push({
        id,
        ...(options.continueOnError ? { continueOnError: true } : {}),
        ...(t !== undefined ? { timeoutMs: t } : {}),
        run: async ({ signal, order }) => {
          try {
            return await this.runOne(
              cell,
              nb,
              execution,
              options,
              signal,
              order,
              session,
              () => batchEnd,
              first ? opts : { ...(opts.resume ? { resume: true } : {}) },
            );
          } finally {
            sub.dispose();
          }
        },
        skipped: () => {
          sub.dispose();
          execution.end(undefined);
        },
      });
    }
    if (!vscode.workspace.isTrusted) {
      for (const task of tasks) task.skipped?.({ kind: 'cancelled' });
      void vscode.window
        .showWarningMessage(
          'Pegasus runbooks cannot run cells in an untrusted workspace: a cell changes a real cluster. Trust the workspace to run it.',
          'Manage Workspace Trust',
        )
        .then((p) => {
          if (p) void vscode.commands.executeCommand('workbench.trust.manage');
        });
      return;
    }
    await session.queue.enqueue(tasks);
    batchEnd = 0;
    if (session.skipConfirmUntil === Number.MAX_SAFE_INTEGER) session.skipConfirmUntil = 0;
  }

  private async runOne(
    cell: vscode.NotebookCell,
    nb: vscode.NotebookDocument,
    execution: vscode.NotebookCellExecution,
    options: CellOptions,
    signal: AbortSignal,
    order: number,
    session: Session,
    batchEnd: () => number,
    ro: RunRequestOptions,
  ): Promise<boolean> {
    execution.executionOrder = order;
    execution.start(Date.now());
    await execution.clearOutput();
    const text = cell.document.getText();
    const { cluster, problem } = this.resolveCluster(nb);
    const who = currentUser();
    const entry = (status: CellEntry['status'], extra: Partial<CellEntry> = {}): CellEntry => ({
      runbook: nb.uri.fsPath,
      index: cell.index,
      ...(cellMeta(cell).line !== undefined ? { line: cellMeta(cell).line! } : {}),
      ...(options.name ? { name: options.name } : {}),
      command: text,
      status,
      who,
      cluster: cluster?.profile.name ?? '(none)',
      host: 'vscode',
      order,
      ...(ro.resumes ? { resumes: ro.resumes } : {}),
      ...extra,
    });
    // Options that failed validation are not silently dropped: the cell does not run until fixed.
    const m = cellMeta(cell);
    const bad = m.code && m.options === undefined ? parseCellOptions(m.code.optionsText, { line: m.line ?? 1, column: 1 }).problems : [];
    if (bad.length) {
      await execution.replaceOutput(
        new vscode.NotebookCellOutput([
          vscode.NotebookCellOutputItem.text(
            `**Invalid cell options** (line ${bad[0]!.line}): ${bad.map((p) => p.message).join('; ')}\n\n_Fix:_ correct the JSON after \`\`\`pegasus, or use **Edit Cell Options** in the cell's status bar.`,
            'text/markdown',
          ),
        ]),
      );
      execution.end(false, Date.now());
      return false;
    }
    if (!cluster) {
      await execution.replaceOutput(
        new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.text(`**No cluster to run against**: ${problem}`, 'text/markdown')]),
      );
      execution.end(false, Date.now());
      return false;
    }
    const production = cluster.profile.production === true || notebookMeta(nb)?.frontMatter.production === true;
    session.log?.append(entry('started'));
    this.log?.info(`runbook ${nb.uri.fsPath} cell ${cell.index + 1} on ${cluster.profile.name}: started`);
    const started = Date.now();

    // Live output: a log stream (appended) and a status output (replaced in place), both throttled.
    // The log is appended to while the cell runs; `logText` keeps all of it for the final outputs.
    let logText = `${cluster.profile.name}${production ? ' (production)' : ''}: ${firstCommand(text)}\n`;
    const logOutput = new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.stdout(logText)], { kind: 'log' });
    let statusOutput: vscode.NotebookCellOutput | undefined;
    await execution.appendOutput(logOutput);
    const pendingLines: string[] = [];
    const flushLines = throttle<void>(() => {
      if (pendingLines.length === 0) return;
      const chunk = pendingLines.splice(0).join('');
      logText += chunk;
      void execution.appendOutputItems(vscode.NotebookCellOutputItem.stdout(chunk), logOutput);
    }, 500);
    const status = throttle<ProgressEvent>((e) => {
      const items: vscode.NotebookCellOutputItem[] = [];
      const visual = (e.data as { visual?: unknown } | undefined)?.visual;
      if (visual && visualSchema.safeParse(visual).success) items.push(vscode.NotebookCellOutputItem.json(visual, RUNBOOK_MIME));
      items.push(
        vscode.NotebookCellOutputItem.text(
          `_${e.message}_${e.fraction !== undefined ? ` (${Math.round(e.fraction * 100)}%)` : ''}`,
          'text/markdown',
        ),
      );
      if (!statusOutput) {
        statusOutput = new vscode.NotebookCellOutput(items, { kind: 'status' });
        void execution.appendOutput(statusOutput);
      } else void execution.replaceOutputItems(items, statusOutput);
    }, 250);
    let lastLine = '';

    // The explorer marks the nodes a scale-in or migration drains while the cell runs.
    const leaving = leavingNodes(this.commands, text);
    const registry = getClusterRegistry();
    if (leaving.length) registry?.setLeavingNodes(cluster.profile.name, leaving);
    const steps: StepServices = {
      ...(nb.uri.scheme === 'file' ? { journalPath: runLogPath(nb.uri.fsPath) } : {}),
      who,
      ...(ro.resume ? { resume: true } : {}),
      // plan --rehearse runs on the in-process simulator.
      rehearsalTwin: simulatorTwin(),
    };
    let r: Awaited<ReturnType<typeof runCell>>;
    try {
      r = await runCell(
        text,
        { ...options, production },
        {
          registry: this.commands,
          context: { client: cluster.client, profile: { ...cluster.profile, production }, services: { steps } },
          signal,
          progress: (e) => {
            // Messages go to the log (batched, never dropped); moving numbers only to the status output.
            if (isProgressUpdate(e)) status.push(e);
            else if (e.message && e.message !== lastLine) {
              lastLine = e.message;
              pendingLines.push(`  ${new Date().toLocaleTimeString()} ${e.message}\n`);
              flushLines.push();
            }
          },
          confirm: (req) => this.confirm({ ...req, production: req.production || production }, session, batchEnd()),
          onResult: (res) => {
            if (res.changed) notifyClusterChanged(cluster.profile.name);
          },
          describeState: async (sig) => stateWords(summarizeState(await metaClusterPort(cluster.client).readState(sig))),
        },
      );
    } catch (e) {
      // runCell reports command failures itself; this is a bug, still shown in the cell rather than left hanging.
      const message = e instanceof Error ? (e.stack ?? e.message) : String(e);
      r = {
        status: 'failed',
        results: [],
        outputs: [{ kind: 'error', items: [{ mime: 'text/plain', data: message }] }],
        summary: message.split('\n')[0]!,
        changed: false,
      };
    } finally {
      status.cancel();
      flushLines.flush();
      if (leaving.length) registry?.setLeavingNodes(cluster.profile.name, []);
    }
    const ms = Date.now() - started;
    // Final outputs: the log (when something was logged), then each result or error.
    const outputs: vscode.NotebookCellOutput[] = [];
    if (lastLine) outputs.push(new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.stdout(logText)], { kind: 'log' }));
    outputs.push(...r.outputs.map(toVsOutput));
    await execution.replaceOutput(outputs);
    if (r.changed) notifyClusterChanged(cluster.profile.name);
    session.log?.append(entry(r.status, { durationMs: ms, summary: r.summary, ...(r.error ? { error: r.error.message } : {}) }));
    this.log?.info(`runbook ${nb.uri.fsPath} cell ${cell.index + 1} on ${cluster.profile.name}: ${r.status} in ${ms} ms: ${r.summary}`);
    execution.end(r.status === 'succeeded', Date.now());
    if (r.status === 'cancelled') {
      const err = new Error(r.summary);
      err.name = 'AbortError';
      throw err;
    }
    return r.status === 'succeeded';
  }
}

function firstCommand(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  return lines.length > 1 ? `${lines[0]} (+${lines.length - 1})` : (lines[0] ?? '');
}

/** Nodes a cell will drain (scale-in --nodes, migrate --from, drain-node/stop-node), for the explorer's marks. */
export function leavingNodes(commands: CommandRegistry, text: string): string[] {
  const p = parseScript(commands, text);
  if (!p.ok) return [];
  const out: string[] = [];
  for (const c of p.commands) {
    const v = c.args.values;
    if (c.spec.name === 'scale-in') out.push(...((v.nodes as string[] | undefined) ?? []));
    else if (c.spec.name === 'migrate') out.push(...((v.from as string[] | undefined) ?? []));
    else if (c.spec.name === 'drain-node' || c.spec.name === 'stop-node') out.push(String(v.node));
  }
  return [...new Set(out)];
}
