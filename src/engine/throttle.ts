/**
 * Copy throttles for a run (`--copy-rate-mb N`): the NFS limits of the replica servers, set through
 * their remote commands, journaled per node with the values before, given back on every outcome and
 * set again on a node whose process restarted (runtime flags return to the config value then).
 */
import type { NodeSettingName } from './journal';
import type { Note, Refusal } from './notes';
import { EngineError, type RunCtx } from './types';
import type { OpContext } from './context';
import type { ClusterState } from './ports';

export const THROTTLES: readonly NodeSettingName[] = ['nfs.max_copy_rate_megabytes_per_disk', 'nfs.max_send_rate_megabytes_per_disk'];

/**
 * `nfs_copy_block_bytes` (4 MiB by default): a copy rate must exceed one block per second, or the
 * server refuses it (v2.5.0 and master src/nfs/nfs_client_impl.cpp, the flag's validator and its
 * remote command).
 */
export const NFS_COPY_BLOCK_BYTES = 4 * 1024 * 1024;
export const MIN_COPY_RATE_MB = NFS_COPY_BLOCK_BYTES / (1024 * 1024) + 1;

/** Refusals of a throttle value before anything runs: a whole number above one copy block per second. */
export function throttleRefusals(mb: number | undefined, canSet: boolean): Refusal[] {
  if (mb === undefined) return [];
  if (!Number.isInteger(mb) || mb < MIN_COPY_RATE_MB)
    return [{ code: 'copy-throttle-invalid', value: mb, minMb: MIN_COPY_RATE_MB, blockBytes: NFS_COPY_BLOCK_BYTES }];
  if (!canSet) return [{ code: 'copy-throttle-unsupported' }];
  return [];
}

/**
 * One reply of an NFS remote command: 2.5 prints plain text (`50`, `OK`, `ERR: invalid arguments`),
 * master JSON (`{"error":"ok","nfs.max_copy_rate_megabytes_per_disk":"50"}`, `{"error":"ok"}`).
 */
export function parseThrottleReply(raw: string, name: NodeSettingName): { ok: true; value?: number } | { ok: false; error: string } {
  const text = raw.trim();
  if (text.startsWith('{')) {
    try {
      const j = JSON.parse(text) as Record<string, unknown>;
      if (String(j['error']).toLowerCase() !== 'ok') return { ok: false, error: String(j['error'] ?? text) };
      const v = j[name];
      return v === undefined ? { ok: true } : Number.isFinite(Number(v)) ? { ok: true, value: Number(v) } : { ok: false, error: text };
    } catch {
      return { ok: false, error: text };
    }
  }
  if (/^OK$/i.test(text)) return { ok: true };
  if (/^\d+$/.test(text)) return { ok: true, value: Number(text) };
  return { ok: false, error: text || 'empty answer' };
}

/** The throttles in force on each node that answered (MB/s; 0 = unlimited). Nodes that did not answer are left out; never rejects. */
export async function readThrottles(
  cx: OpContext,
  nodes: readonly string[],
  signal?: AbortSignal,
): Promise<Map<string, Partial<Record<NodeSettingName, number>>>> {
  const out = new Map<string, Partial<Record<NodeSettingName, number>>>();
  const port = cx.deps.cluster;
  if (!port.replicaCommand) return out;
  await Promise.all(
    nodes.map(async (node) => {
      const got: Partial<Record<NodeSettingName, number>> = {};
      for (const name of THROTTLES) {
        try {
          const r = parseThrottleReply(await port.replicaCommand!(node, name, [], signal), name);
          if (r.ok && r.value !== undefined) got[name] = r.value;
        } catch {
          // Unread: the caller decides (an estimate assumes, setting refuses).
        }
      }
      if (Object.keys(got).length) out.set(node, got);
    }),
  );
  return out;
}

async function setOne(
  cx: OpContext,
  node: string,
  name: NodeSettingName,
  value: string,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const r = parseThrottleReply(await cx.deps.cluster.replicaCommand!(node, name, [value], signal), name);
  return r.ok ? undefined : r.error;
}

/**
 * Sets both limits to `mb` on `nodes` (journal first, with the value before), skipping what is
 * already in force. A node with an open entry keeps its first value before: a resumed run, or a
 * node whose restarted process came back with its config value, gets the run's value again.
 */
export async function applyThrottles(cx: OpContext, rc: RunCtx, nodes: readonly string[], mb: number): Promise<void> {
  const now = await readThrottles(cx, nodes, rc.signal);
  const open = new Set(cx.deps.journal.openNodeSettings().map((s) => `${s.node} ${s.name}`));
  for (const node of nodes) {
    for (const name of THROTTLES) {
      const before = now.get(node)?.[name];
      if (before === undefined) throw new EngineError(`could not read ${name} on ${node}: the throttle of this run cannot be set there`);
      if (before === mb) continue;
      const again = open.has(`${node} ${name}`);
      if (!again) cx.deps.journal.append({ t: 'node-setting', node, name, before: String(before), after: String(mb) }, cx.date());
      const err = await setOne(cx, node, name, String(mb), rc.signal);
      if (err !== undefined) throw new EngineError(`setting ${name} to ${mb} on ${node} failed: ${err}`);
      cx.emit({
        kind: 'info',
        note: again
          ? { code: 'throttle-reapplied', node, name, value: mb, found: before }
          : { code: 'throttle-set', node, name, from: before, to: mb },
      });
    }
  }
}

/**
 * Called with each state the run polls: a node alive now that was not alive at the last poll
 * (restarted, or added by the run) gets the throttle; a failure there is a warning, the copy goes on.
 */
export async function watchThrottled(cx: OpContext, rc: RunCtx, s: ClusterState): Promise<void> {
  const mb = cx.options.copyThrottleMb;
  const seen = rc.throttled;
  if (mb === undefined || !seen) return;
  const alive = new Set(s.nodes.filter((n) => n.alive).map((n) => n.address));
  for (const n of [...seen]) if (!alive.has(n)) seen.delete(n);
  for (const node of alive) {
    if (seen.has(node)) continue;
    // Once per appearance: a node that keeps refusing is warned about once, not at every poll.
    seen.add(node);
    try {
      await applyThrottles(cx, rc, [node], mb);
    } catch (e) {
      if (rc.signal.aborted) throw e;
      cx.emit({ kind: 'warning', note: { code: 'throttle-reapply-failed', node, error: e instanceof Error ? e.message : String(e) } });
    }
  }
}

/**
 * Gives back every throttle of the run. A node that does not answer keeps its entry open (restore-settings
 * retries it); a value the server will not take back (2.5 cannot set 0 at run time) is closed as kept, with a note.
 */
export async function restoreThrottles(cx: OpContext, run: string | undefined, signal: AbortSignal): Promise<Note[]> {
  const notes: Note[] = [];
  const open = cx.deps.journal.openNodeSettings(run);
  if (!open.length) return notes;
  // A node the meta does not list alive has no process holding the run's value: it starts with its config.
  const st = await cx.deps.cluster.readState(signal).catch(() => undefined);
  const alive = st && new Set(st.nodes.filter((n) => n.alive).map((n) => n.address));
  for (const s of open) {
    if (alive && !alive.has(s.node)) {
      cx.deps.journal.append({ t: 'node-restored', node: s.node, name: s.name, value: s.original, how: 'unchanged' }, cx.date());
      cx.emit({ kind: 'info', note: { code: 'throttle-gone', node: s.node, name: s.name } });
      continue;
    }
    let err: string | undefined;
    try {
      err = await setOne(cx, s.node, s.name, s.original, signal);
    } catch (e) {
      notes.push({ code: 'throttle-not-restored', node: s.node, name: s.name, value: s.current, original: s.original, error: String(e) });
      continue;
    }
    if (err === undefined) {
      cx.deps.journal.append({ t: 'node-restored', node: s.node, name: s.name, value: s.original, how: 'set' }, cx.date());
      cx.emit({ kind: 'info', note: { code: 'throttle-restored', node: s.node, name: s.name, value: Number(s.original) } });
    } else {
      cx.deps.journal.append({ t: 'node-restored', node: s.node, name: s.name, value: s.current, how: 'kept' }, cx.date());
      notes.push({ code: 'throttle-kept', node: s.node, name: s.name, value: s.current, original: s.original, error: err });
    }
  }
  for (const n of notes) cx.emit({ kind: 'warning', note: n });
  return notes;
}
