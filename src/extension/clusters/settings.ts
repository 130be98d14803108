/**
 * The `pegasus.clusters` setting, read and validated (src/extension/explorer/settings.ts) at start and
 * on every change. Bad entries are kept as problems for the explorer and warned about once per change.
 */
import * as vscode from 'vscode';
import type { ClusterProfile } from '../../cluster/profile';
import { Disposable } from '../disposable';
import { parseClusterSettings, type SettingsProblem } from '../explorer/settings';
import type { Logger } from '../log';

export class ClusterSettings extends Disposable {
  private current: readonly ClusterProfile[] = [];
  private currentProblems: readonly SettingsProblem[] = [];
  private lastWarned = '';
  private readonly changed = this.own(new vscode.EventEmitter<void>());
  /** The setting changed (and has been read again). */
  readonly onDidChange = this.changed.event;
  private readonly log: Logger | undefined;

  constructor(log: Logger | undefined) {
    super();
    this.log = log;
    this.read();
    this.own(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration('pegasus.clusters')) return;
        this.read();
        this.changed.fire();
      }),
    );
  }

  /** The valid entries, in settings order. */
  get profiles(): readonly ClusterProfile[] {
    return this.current;
  }

  get problems(): readonly SettingsProblem[] {
    return this.currentProblems;
  }

  private read(): void {
    const parsed = parseClusterSettings(vscode.workspace.getConfiguration('pegasus').get<unknown>('clusters'));
    this.current = parsed.clusters;
    this.currentProblems = parsed.problems;
    const msg = parsed.problems.map((p) => p.message).join('\n');
    if (msg && msg !== this.lastWarned) {
      this.log?.warn(`settings: ${msg}`);
      void vscode.window
        .showWarningMessage(
          `Pegasus: ${parsed.problems.length === 1 ? parsed.problems[0]!.message : `${parsed.problems.length} entries of pegasus.clusters are ignored; see the Clusters view.`}`,
          'Open Settings',
        )
        .then((pick) => {
          if (pick)
            void vscode.commands.executeCommand('workbench.action.openSettingsJson', { revealSetting: { key: 'pegasus.clusters' } });
        });
    }
    this.lastWarned = msg;
  }
}
