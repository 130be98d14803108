/**
 * `ClusterPort` over the real meta client (src/pegasus, through the shell's `MetaClientLike`):
 * the cluster model from `fetchSnapshot`, settings through remote commands in either dialect, the
 * level through control_meta, proposals as the shell's `balance`/`propose` build them.
 */
import { isIpPort } from '../cluster/address';
import { fetchSnapshot, parseBlackList } from '../cluster/fetch';
import type { MetaClientLike } from '../cluster/client';
import type { NodeModel } from '../cluster/snapshot';
import {
  BalancerRequestType,
  ConfigType,
  MetaFunctionLevel,
  isMetaLevel,
  metaLevelName,
  parseMetaLevel,
  type ProposalAction,
} from '../pegasus/types';
import { readMinLiveNodeCount } from '../cluster/metaHttp';
import { readReplicaData, replicaDialectOf, type ReplicaData } from '../cluster/replicaData';
import type { ClusterPort, ClusterState, MinLiveReading, Proposal, SettingName, TableView } from './ports';

/**
 * `min_live_node_count_for_unfreeze` from the meta leader's HTTP `/config` (same port as RPC,
 * Pegasus 2.2+). Never throws: the reading says why it failed so the engine can state its assumption.
 */
export async function readLeaderMinLive(leader: string, signal?: AbortSignal, timeoutMs = 3000): Promise<MinLiveReading> {
  const url = `http://${leader}/config?name=min_live_node_count_for_unfreeze`;
  if (!/^[^\s/:]+:\d{1,5}$/.test(leader)) return { reason: `no meta leader address to ask (got ${JSON.stringify(leader)})` };
  if (signal?.aborted) return { reason: 'cancelled before it was read' };
  const v = await readMinLiveNodeCount(leader, { ...(signal ? { signal } : {}), timeoutMs });
  if (v !== undefined) return { value: v, source: `read from the meta leader ${leader} (GET ${url})` };
  return {
    reason: `GET ${url} gave no usable answer within ${timeoutMs / 1000} s (a meta before Pegasus 2.2 has no /config page; otherwise its HTTP port is unreachable from here)`,
  };
}

/** What the leader-change notification of the real MetaClient looks like (optional on fakes). */
interface LeaderAware {
  onLeaderChange?(listener: (c: { previous?: string | undefined; current: string; restarted?: boolean }) => void): () => void;
  /** Background leader checks (fail-over, and a restart of the same leader); returns the stop function. */
  watchLeader?(opts: { intervalMs?: number; signal?: AbortSignal }): () => void;
  readonly leader?: string | undefined;
}

export interface MetaPortOptions {
  /** Per-call timeout (ms). */
  readonly timeoutMs?: number;
  /** Per replica server, for reading its data (default the reader's 3 s). */
  readonly replicaTimeoutMs?: number;
}

export class SettingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SettingError';
  }
}

export function metaClusterPort(client: MetaClientLike & LeaderAware, opts: MetaPortOptions = {}): ClusterPort {
  let nodesByKey = new Map<string, NodeModel>();
  const call = (signal?: AbortSignal): { signal?: AbortSignal; timeoutMs?: number } => ({
    ...(signal ? { signal } : {}),
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
  });

  const ref = (display: string): { ip: string; hostPort?: string } => {
    const n = nodesByKey.get(display);
    if (!n) return isIpPort(display) ? { ip: display } : { ip: '', hostPort: display };
    return { ip: n.ip, ...(n.hostPort ? { hostPort: n.hostPort } : {}) };
  };
  const action = (target: string | undefined, node: string, type: number): ProposalAction => {
    const t = target ? ref(target) : undefined;
    const n = ref(node);
    const a: ProposalAction = { target: t?.ip ?? '', node: n.ip, type };
    if (t?.hostPort) a.hpTarget = t.hostPort;
    if (n.hostPort) a.hpNode = n.hostPort;
    return a;
  };

  const remote = async (
    name: string,
    args: string[],
    signal?: AbortSignal,
  ): Promise<{ ok: boolean; raw: string; value?: string; fields?: Record<string, string> }> => {
    const r = (await client.remoteCommand(name, args, call(signal))) as {
      ok: boolean;
      raw: string;
      value?: string;
      fields?: Record<string, string>;
    };
    return r;
  };

  const port: ClusterPort = {
    async readState(signal) {
      const snap = await fetchSnapshot(client, {
        ...(signal ? { signal } : {}),
        ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
        extras: false,
      });
      const map = new Map<string, NodeModel>();
      const display = new Map<string, string>();
      for (const n of snap.nodes) {
        map.set(n.address, n);
        display.set(n.address, n.address);
        if (n.ip) display.set(n.ip, n.address);
        if (n.hostPort) display.set(n.hostPort, n.address);
      }
      nodesByKey = map;
      const d = (ip: string, hp: string | undefined): string | null => {
        const k = hp || ip;
        if (!k) return null;
        return display.get(k) ?? display.get(ip) ?? k;
      };
      const tables: TableView[] = [];
      for (const t of snap.tables) {
        if (t.status !== 'AVAILABLE' || !t.partitions) continue;
        tables.push({
          appId: t.appId,
          name: t.name,
          maxReplicaCount: t.maxReplicaCount,
          partitions: t.partitions.map((pc, i) => {
            const secs = pc.secondaries.length
              ? pc.secondaries.map((ip, j) => d(ip, pc.hpSecondaries?.[j]))
              : (pc.hpSecondaries ?? []).map((hp) => d('', hp));
            return {
              pidx: pc.pid?.partitionIndex ?? i,
              ballot: pc.ballot,
              primary: d(pc.primary, pc.hpPrimary),
              secondaries: secs.filter((x): x is string => !!x),
            };
          }),
        });
      }
      const lvl = snap.meta.effectiveLevel ?? 'steady';
      return {
        leader: snap.meta.leader ?? client.leader ?? '',
        nodes: snap.nodes.filter((n) => n.status !== 'UNKNOWN').map((n) => ({ address: n.address, alive: n.status === 'ALIVE' })),
        tables,
        effectiveLevel: isMetaLevel(lvl) ? lvl : 'steady',
      } satisfies ClusterState;
    },

    async getSetting(name: SettingName, signal) {
      if (name === 'meta_level') return metaLevelName(await client.controlMeta(MetaFunctionLevel.fl_invalid, call(signal)));
      const r = await remote(name, [], signal);
      if (!r.ok)
        throw new SettingError(
          `reading ${name} from the meta leader failed: ${r.raw.trim() || 'empty answer'}; check the leader knows it (remote_command -t meta-server help)`,
        );
      if (name === 'meta.lb.assign_secondary_black_list') {
        const l = parseBlackList(r.raw);
        if (!l)
          throw new SettingError(
            `could not read meta.lb.assign_secondary_black_list from the answer ${JSON.stringify(r.raw.slice(0, 200))}: expected host:port entries separated by commas`,
          );
        return l.join(',');
      }
      const v = r.fields?.[name] ?? r.value ?? r.raw.trim();
      return String(v).trim();
    },

    async setSetting(name: SettingName, value: string, signal) {
      if (name === 'meta_level') {
        const lv = parseMetaLevel(value);
        if (lv === undefined)
          throw new SettingError(`unknown meta level ${JSON.stringify(value)}: use stopped, blind, freezed, steady or lively`);
        await client.controlMeta(lv, call(signal));
        return;
      }
      const arg = name === 'meta.lb.assign_secondary_black_list' && value.trim() === '' ? 'clear' : value;
      const r = await remote(name, [arg], signal);
      if (!r.ok)
        throw new SettingError(
          `setting ${name} to ${arg} failed: ${r.raw.trim() || 'empty answer'}; check the value is valid for this Pegasus version (remote_command -t meta-server ${name} shows the current one)`,
        );
    },

    async propose(p: Proposal, signal) {
      const C = ConfigType;
      const gpid = { appId: p.appId, partitionIndex: p.pidx };
      let actionList: ProposalAction[];
      let balanceType: number | undefined;
      switch (p.type) {
        case 'move_pri':
          actionList = [action(p.from, p.from, C.CT_DOWNGRADE_TO_SECONDARY), action(p.to, p.to, C.CT_UPGRADE_TO_PRIMARY)];
          balanceType = BalancerRequestType.move_primary;
          break;
        case 'copy_pri':
          actionList = [
            action(p.from, p.to, C.CT_ADD_SECONDARY_FOR_LB),
            action(p.from, p.from, C.CT_DOWNGRADE_TO_SECONDARY),
            action(p.to, p.to, C.CT_UPGRADE_TO_PRIMARY),
          ];
          balanceType = BalancerRequestType.copy_primary;
          break;
        case 'copy_sec':
          // Empty targets: the meta fills in the current primary (the learnee).
          actionList = [action(undefined, p.to, C.CT_ADD_SECONDARY_FOR_LB), action(undefined, p.from, C.CT_DOWNGRADE_TO_INACTIVE)];
          balanceType = BalancerRequestType.copy_secondary;
          break;
        case 'remove':
          actionList = [action(p.to || undefined, p.from, C.CT_DOWNGRADE_TO_INACTIVE)];
          break;
      }
      try {
        await client.proposeBalancer(
          { gpid, actionList, force: false, ...(balanceType !== undefined ? { balanceType } : {}) },
          call(signal),
        );
        return 'accepted';
      } catch (e) {
        // The partition already has proposals queued (ours from an earlier poll, or the cure's).
        if ((e as { code?: unknown }).code === 'ERR_INVALID_PARAMETERS') return 'pending';
        throw e;
      }
    },

    async readReplicaData(nodes, signal) {
      if (nodesByKey.size === 0) await port.readState(signal);
      const dialect = replicaDialectOf([...nodesByKey.values()].map((n) => n.hostPort));
      // Each dialect reaches a node by its own address (host:port for HTTP on master, ip:port for 2.5
      // remote commands); the answer names nodes as the engine does.
      const displayOf = new Map<string, string>();
      const asked = nodes.map((d) => {
        const n = nodesByKey.get(d);
        const a = (dialect === '2.6' ? n?.hostPort || n?.ip : n?.ip || n?.hostPort) || d;
        displayOf.set(a, d);
        return a;
      });
      const r = await readReplicaData(asked, {
        dialect,
        remote: client,
        ...(signal ? { signal } : {}),
        ...(opts.replicaTimeoutMs ? { timeoutMs: opts.replicaTimeoutMs } : {}),
      });
      return renameNodes(r, (a) => displayOf.get(a) ?? a);
    },

    async replicaCommand(node, command, args, signal) {
      if (nodesByKey.size === 0) await port.readState(signal);
      const n = nodesByKey.get(node);
      const r = await client.remoteCommand(command, args, { ...call(signal), address: n?.ip || n?.hostPort || node });
      // A refusal the server prints (`ERR: ...`, `unknown command`) is its answer too; the caller judges it.
      return r.raw;
    },

    readMinLive(leader, signal) {
      return readLeaderMinLive(leader, signal, opts.timeoutMs ?? 3000);
    },

    onLeaderChange(listener) {
      if (!client.onLeaderChange) return () => undefined;
      return client.onLeaderChange((c) => listener(c.current, c.restarted ? { restarted: true } : undefined));
    },

    watchLeader(o) {
      if (!client.watchLeader) return () => undefined;
      // A failed check (an election in progress) is not an engine error: its own calls retry and say so.
      return client.watchLeader({ intervalMs: o.intervalMs, ...(o.signal ? { signal: o.signal } : {}) });
    },
  };
  return port;
}

function renameNodes(r: ReplicaData, name: (address: string) => string): ReplicaData {
  return {
    ...r,
    answered: r.answered.map(name),
    replicas: r.replicas.map((x) => ({ ...x, node: name(x.node) })),
    disks: r.disks.map((x) => ({ ...x, node: name(x.node) })),
    learning: r.learning.map((x) => ({ ...x, node: name(x.node) })),
    unknown: r.unknown.map((x) => ({ ...x, node: name(x.node) })),
  };
}
