/** One MetaClient per cluster, reused while the cluster keeps its name and meta servers. */
import type { ClusterProfile } from '../../cluster/profile';
import { MetaClient } from '../../pegasus/metaClient';
import { Disposable } from '../disposable';

export class MetaClients extends Disposable {
  private readonly clients = new Map<string, MetaClient>();

  /** The clients of these clusters, in their order; clients of clusters no longer listed are closed. */
  retain(profiles: readonly ClusterProfile[]): MetaClient[] {
    const used = new Set<string>();
    const out = profiles.map((profile) => {
      const key = `${profile.name}|${profile.metaServers.join(',')}`;
      let client = this.clients.get(key);
      if (!client) {
        client = new MetaClient({ metaServers: profile.metaServers, timeoutMs: 10_000 });
        this.clients.set(key, client);
      }
      used.add(key);
      return client;
    });
    for (const [key, client] of this.clients) {
      if (!used.has(key)) {
        client.close();
        this.clients.delete(key);
      }
    }
    return out;
  }

  override dispose(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
    super.dispose();
  }
}
