/** The active cluster: the one chosen in this workspace (remembered in workspaceState), else the first. */
import * as vscode from 'vscode';
import { Disposable } from '../disposable';
import type { RegisteredCluster } from './types';

const ACTIVE_KEY = 'pegasus.activeCluster';

export class ActiveCluster extends Disposable {
  private chosen: string | undefined;
  private readonly changed = this.own(new vscode.EventEmitter<RegisteredCluster | undefined>());
  readonly onDidChange = this.changed.event;
  private readonly state: vscode.Memento;
  private readonly clusters: () => readonly RegisteredCluster[];

  constructor(state: vscode.Memento, clusters: () => readonly RegisteredCluster[]) {
    super();
    this.state = state;
    this.clusters = clusters;
    this.chosen = state.get<string>(ACTIVE_KEY);
  }

  get current(): RegisteredCluster | undefined {
    const list = this.clusters();
    return (this.chosen !== undefined ? list.find((c) => c.profile.name === this.chosen) : undefined) ?? list[0];
  }

  /** Whether a cluster was chosen and is still listed (else the first one stands in). */
  get chosenIsListed(): boolean {
    return this.chosen !== undefined && this.clusters().some((c) => c.profile.name === this.chosen);
  }

  async set(name: string): Promise<void> {
    const list = this.clusters();
    if (!list.some((c) => c.profile.name === name))
      throw new Error(`no cluster named "${name}"; the configured ones are: ${list.map((c) => c.profile.name).join(', ') || 'none'}`);
    this.chosen = name;
    await this.state.update(ACTIVE_KEY, name);
    this.changed.fire(this.current);
  }
}
