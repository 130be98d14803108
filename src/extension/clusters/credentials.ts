/**
 * Cluster credentials in VS Code's SecretStorage, never in settings. SecretStorage cannot list its
 * keys, so the key names (not the values) are indexed in globalState to forget them later.
 */
import type * as vscode from 'vscode';

const SECRET_INDEX_KEY = 'pegasus.secretKeys';

export class ClusterCredentials {
  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly index: vscode.Memento,
  ) {}

  private secretKey(cluster: string, key: string): string {
    return `pegasus.cluster/${cluster}/${key}`;
  }

  async get(cluster: string, key: string): Promise<string | undefined> {
    return this.secrets.get(this.secretKey(cluster, key));
  }

  async store(cluster: string, key: string, value: string): Promise<void> {
    await this.secrets.store(this.secretKey(cluster, key), value);
    const index = this.index.get<Record<string, string[]>>(SECRET_INDEX_KEY) ?? {};
    index[cluster] = [...new Set([...(index[cluster] ?? []), key])];
    await this.index.update(SECRET_INDEX_KEY, index);
  }

  async keys(cluster: string): Promise<readonly string[]> {
    return this.index.get<Record<string, string[]>>(SECRET_INDEX_KEY)?.[cluster] ?? [];
  }

  /** Deletes every credential of the cluster; returns how many there were. */
  async forget(cluster: string): Promise<number> {
    const index = this.index.get<Record<string, string[]>>(SECRET_INDEX_KEY) ?? {};
    const keys = index[cluster] ?? [];
    for (const k of keys) await this.secrets.delete(this.secretKey(cluster, k));
    delete index[cluster];
    await this.index.update(SECRET_INDEX_KEY, index);
    return keys.length;
  }
}
