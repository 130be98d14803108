/**
 * A minimal stand-in for the `vscode` module, enough for src/extension/clusters.ts and the explorer tree to run under
 * node:test. `installVscodeStub()` must run before the module under test is imported (dynamically).
 */
import Module from 'node:module';

type Listener<T> = (e: T) => void;

export class EventEmitter<T> {
  private listeners = new Set<Listener<T>>();
  event = (l: Listener<T>) => {
    this.listeners.add(l);
    return { dispose: () => this.listeners.delete(l) };
  };
  fire(e: T): void {
    for (const l of [...this.listeners]) l(e);
  }
  dispose(): void {
    this.listeners.clear();
  }
}

export class Memento {
  private m = new Map<string, unknown>();
  get<T>(k: string, d?: T): T | undefined {
    return (this.m.has(k) ? this.m.get(k) : d) as T | undefined;
  }
  async update(k: string, v: unknown): Promise<void> {
    this.m.set(k, v);
  }
}

export class Secrets {
  readonly store_ = new Map<string, string>();
  async get(k: string) {
    return this.store_.get(k);
  }
  async store(k: string, v: string) {
    this.store_.set(k, v);
  }
  async delete(k: string) {
    this.store_.delete(k);
  }
}

export const stub = {
  settings: { clusters: undefined as unknown },
  warnings: [] as string[],
  contexts: new Map<string, unknown>(),
  configChanged: new EventEmitter<{ affectsConfiguration(s: string): boolean }>(),
  setClusters(v: unknown): void {
    this.settings.clusters = v;
    this.configChanged.fire({ affectsConfiguration: (s: string) => s === 'pegasus.clusters' || s === 'pegasus' });
  },
};

// Enough of the tree API for src/extension/explorer/tree.ts to load and build items.
export class TreeItem {
  id?: string;
  description?: string;
  constructor(
    readonly label: string,
    readonly collapsibleState?: number,
  ) {}
}
class ThemeIcon {
  constructor(
    readonly id: string,
    readonly color?: unknown,
  ) {}
}
class ThemeColor {
  constructor(readonly id: string) {}
}
class MarkdownString {
  isTrusted = false;
  constructor(
    readonly value: string,
    readonly supportThemeIcons?: boolean,
  ) {}
}

const vscode = {
  EventEmitter,
  TreeItem,
  TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
  ThemeIcon,
  ThemeColor,
  MarkdownString,
  ConfigurationTarget: { Global: 1, Workspace: 2, WorkspaceFolder: 3 },
  workspace: {
    getConfiguration: (section: string) => ({
      get: (key: string) => (section === 'pegasus' && key === 'clusters' ? stub.settings.clusters : undefined),
    }),
    onDidChangeConfiguration: stub.configChanged.event,
  },
  window: {
    showWarningMessage: async (msg: string) => {
      stub.warnings.push(msg);
      return undefined;
    },
  },
  commands: {
    executeCommand: async (cmd: string, key?: string, value?: unknown) => {
      if (cmd === 'setContext' && key) stub.contexts.set(key, value);
      return undefined;
    },
  },
};

let installed = false;
export function installVscodeStub(): void {
  if (installed) return;
  installed = true;
  const M = Module as unknown as { _load: (req: string, ...rest: unknown[]) => unknown };
  const orig = M._load;
  M._load = function (req: string, ...rest: unknown[]) {
    if (req === 'vscode') return vscode;
    return orig.call(this, req, ...rest);
  };
}

export function fakeContext() {
  return {
    workspaceState: new Memento(),
    globalState: new Memento(),
    secrets: new Secrets(),
    subscriptions: [] as { dispose(): unknown }[],
    asAbsolutePath: (p: string) => p,
  };
}
