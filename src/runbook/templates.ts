/**
 * New runbooks: scale-out, scale-in and node migration, pre-filled with the cluster and the nodes
 * selected in the explorer. The prose carries the reasoning of the Pegasus scale-in/out procedure
 * so the page explains each step to whoever reads it later (on GitHub or in the editor).
 */

export type TemplateKind = 'scale-out' | 'scale-in' | 'migrate';

export interface TemplateParams {
  readonly cluster?: string;
  /** scale-out: nodes joining; scale-in: nodes leaving; migrate: nodes leaving (same as `from`). */
  readonly nodes?: readonly string[];
  /** migrate only. */
  readonly from?: readonly string[];
  readonly to?: readonly string[];
  readonly production?: boolean;
}

export const TEMPLATE_TITLES: Record<TemplateKind, string> = {
  'scale-out': 'New Scale-Out Runbook',
  'scale-in': 'New Scale-In Runbook',
  migrate: 'New Node Migration Runbook',
};

const PLACEHOLDER_CLUSTER = 'my-cluster';

function list(nodes: readonly string[] | undefined, placeholder: string): string {
  return nodes && nodes.length ? nodes.join(',') : placeholder;
}

function bullets(nodes: readonly string[] | undefined, placeholder: string): string {
  return nodes && nodes.length ? nodes.map((n) => `- \`${n}\``).join('\n') : `- \`${placeholder}\` _(replace with the real host:port)_`;
}

/** A cluster name as a YAML scalar (quoted when it would not read back as the same string). */
function yamlString(s: string): string {
  return /^[A-Za-z0-9_./-]+$/.test(s) && !/^(true|false|null|~|\d+(\.\d+)?)$/.test(s) ? s : JSON.stringify(s);
}

function frontMatter(cluster: string, timeout: string, production: boolean): string {
  return [
    '---',
    `cluster: ${yamlString(cluster)}`,
    ...(production ? ['production: true'] : []),
    'defaults:',
    `  timeout: ${timeout}`,
    '---',
  ].join('\n');
}

function code(command: string, options?: Record<string, unknown>): string {
  return ['```pegasus' + (options ? ' ' + JSON.stringify(options) : ''), command, '```'].join('\n');
}

const LOOK = `## 1. Look at the cluster first

Every node should be ALIVE and every partition fully healthy before anything moves. A scale
operation on a cluster that is already repairing itself copies data twice and hides new problems.`;

const FREEZE = `The meta server marks a replica server that goes away as UNALIVE but keeps counting it until the
meta restarts. If the share of ALIVE nodes drops below \`node_live_percentage_threshold_for_update\`
(or fewer than \`min_live_node_count_for_unfreeze\` stay alive) the meta **freezes**: no
reconfiguration can happen any more, and the operation stalls half way with replicas missing.
\`freeze-check\` computes this for every node removed one after another. When a step would freeze
the meta, the engine lowers \`meta.live_percentage\` just far enough right before that step and
never restores it while dead nodes are still counted: the meta restart at the end does that.`;

const RESTART = `## Restart the meta servers

Restarting the meta servers (one at a time, waiting for a leader each time) resets every setting
changed at run time and makes \`nodes -d\` stop listing the removed nodes. If
\`node_live_percentage_threshold_for_update\` was lowered in \`config.ini\` for this work, put it
back there before the restart.`;

function scaleIn(cluster: string, leaving: readonly string[] | undefined, production: boolean): string {
  const nodes = list(leaving, 'HOST:PORT');
  return (
    [
      frontMatter(cluster, '2h', production),
      `# Scale in ${cluster}: remove ${leaving?.length ? `${leaving.length} node${leaving.length > 1 ? 's' : ''}` : 'nodes'}`,
      `Nodes leaving the cluster:\n\n${bullets(leaving, 'HOST:PORT')}`,
      `Shrinking a Pegasus cluster has three goals: no downtime, as little loss of availability as
possible, and no unnecessary copying of data. Run the cells from top to bottom; run-all stops at
the first cell that fails. Every change is written to the journal next to this file, and every
setting the engine touches is restored from it at the end (to its value before, not a default).`,
      LOOK,
      code('nodes -d'),
      code('ls -d'),
      `## 2. Will the meta server freeze?\n\n${FREEZE}`,
      code(`freeze-check --remove ${nodes}`),
      `## 3. Plan and pre-flight

The plan shows which replicas move where, how many bytes, how long at the configured copy rate,
and the freeze margin after every step; \`--rehearse\` also runs the whole operation on a simulated
twin of the cluster (same nodes, tables, placement and threshold) in a few seconds. Pre-flight refuses to start, with the reason and the fix,
when a partition is unhealthy, a table would have more replicas than nodes left, a black list or a
lowered assign delay is still in place from an earlier run, or the meta is frozen or below
\`steady\`.`,
      code(`plan scale-in --nodes ${nodes} --rehearse`),
      code(`preflight scale-in --nodes ${nodes}`),
      `## 4. Remove the nodes, one at a time

Removing several nodes at once would risk availability and data safety, so they go one after
another. Before the first one:

- the meta level is set to \`steady\`, so the load balancer does not move replicas around while
  nodes are leaving;
- **all** leaving nodes go on the secondary black list
  (\`meta.lb.assign_secondary_black_list\`): a secondary re-created for the first node must not be
  placed on a node that leaves later, or it would be copied twice;
- \`meta.lb.assign_delay_ms\` is lowered so that a missing secondary is re-created right away
  instead of after the default delay.

Then, for each node: its primaries are moved away first (no partition is ever without a primary),
its secondaries are re-created on the remaining nodes, the process is stopped, and the step waits
until every partition is fully healthy again before the next node. Only then is the node's data
cleaned up (when the cluster's node control has a \`cleanup\` command).`,
      code(`scale-in --nodes ${nodes}`, { name: 'scale-in', confirm: true, timeout: '4h' }),
      `## 5. Check health`,
      code('wait-healthy --timeout 30m'),
      RESTART,
      code('restart-meta', { name: 'restart-meta', confirm: true }),
      `If any setting was kept changed (for example a lowered live percentage that had to wait for the
restart), this gives it back now:`,
      code('restore-settings'),
      code('nodes -d'),
    ].join('\n\n') + '\n'
  );
}

function scaleOut(cluster: string, joining: readonly string[] | undefined, production: boolean): string {
  const nodes = list(joining, 'HOST:PORT');
  return (
    [
      frontMatter(cluster, '2h', production),
      `# Scale out ${cluster}: add ${joining?.length ? `${joining.length} node${joining.length > 1 ? 's' : ''}` : 'nodes'}`,
      `Nodes joining the cluster:\n\n${bullets(joining, 'HOST:PORT')}`,
      `Growing a cluster is simple: start the replica server process on each new machine; it contacts
the meta server by itself and joins the node list. While the meta level is \`steady\` the load
balancer does nothing, so \`nodes -d\` shows the new nodes ALIVE but serving no replica. Setting the
level to \`lively\` lets the meta move replicas onto them; once the cluster is balanced the level
goes back to \`steady\`. This runbook does exactly that, and decides "balanced" from the partition
configuration itself rather than from a counter read once.`,
      LOOK,
      code('nodes -d'),
      code('ls -d'),
      `## 2. Plan and pre-flight

The plan shows how many replicas and primaries should move to the new nodes, how many bytes that
copies and how long it takes at the configured copy rate.`,
      code(`plan scale-out --nodes ${nodes}`),
      code(`preflight scale-out --nodes ${nodes}`),
      `## 3. Add the nodes and rebalance

The engine starts the new replica servers through the cluster's node control (or, with manual
node control, waits for you to start them), waits until the meta lists every one of them ALIVE,
sets the meta level to \`lively\` (moving primaries first, so new nodes are not overloaded), waits
until replica and primary counts are even within one per table, and sets the level back to
\`steady\`.`,
      code(`scale-out --nodes ${nodes}`, { name: 'scale-out', confirm: true, timeout: '4h' }),
      `## 4. Check the result`,
      code('wait-healthy --timeout 30m'),
      code('restore-settings'),
      code('nodes -d'),
    ].join('\n\n') + '\n'
  );
}

function migrate(cluster: string, from: readonly string[] | undefined, to: readonly string[] | undefined, production: boolean): string {
  const f = list(from, 'OLD_HOST:PORT');
  const t = list(to, 'NEW_HOST:PORT');
  return (
    [
      frontMatter(cluster, '4h', production),
      `# Migrate nodes of ${cluster}`,
      `Nodes leaving:\n\n${bullets(from, 'OLD_HOST:PORT')}\n\nNodes taking their place:\n\n${bullets(to, 'NEW_HOST:PORT')}`,
      `Moving a cluster to new machines is a scale-out followed by a scale-in. Done naively it copies
data twice: the balancer first spreads replicas onto the new nodes, then the old nodes' replicas
move again. To copy each replica once:

1. **scale out without rebalancing**: the new nodes join but receive nothing yet;
2. **scale in the old nodes** with the full scale-in procedure (black list, lowered assign delay,
   one node at a time), so their replicas are re-created, largely on the new empty nodes;
3. **rebalance** at the end, to even out what is left.

Pay particular attention to \`node_live_percentage_threshold_for_update\` in step 2: the removed
nodes stay counted as dead until the meta restarts.`,
      LOOK,
      code('nodes -d'),
      code('ls -d'),
      `## 2. Will the meta server freeze?\n\n${FREEZE}`,
      code(`freeze-check --remove ${f}`),
      `## 3. Plan and pre-flight`,
      code(`plan migrate --from ${f} --to ${t} --rehearse`),
      code(`preflight migrate --from ${f} --to ${t}`),
      `## 4. Migrate

Scale-out without rebalance, scale-in of the old nodes one at a time, then a rebalance, with every
setting journaled and restored.`,
      code(`migrate --from ${f} --to ${t}`, { name: 'migrate', confirm: true, timeout: '6h' }),
      `## 5. Check health`,
      code('wait-healthy --timeout 30m'),
      RESTART,
      code('restart-meta', { name: 'restart-meta', confirm: true }),
      code('restore-settings'),
      code('nodes -d'),
    ].join('\n\n') + '\n'
  );
}

/** The markdown of a new runbook. */
export function runbookTemplate(kind: TemplateKind, p: TemplateParams = {}): string {
  const cluster = p.cluster?.trim() || PLACEHOLDER_CLUSTER;
  switch (kind) {
    case 'scale-in':
      return scaleIn(cluster, p.nodes, p.production === true);
    case 'scale-out':
      return scaleOut(cluster, p.nodes, p.production === true);
    case 'migrate':
      return migrate(cluster, p.from ?? p.nodes, p.to, p.production === true);
  }
}

/** A file name for a new runbook: `scale-in-staging-2026-11-26.runbook.md`. */
export function templateFileName(kind: TemplateKind, cluster: string | undefined, now: Date = new Date()): string {
  const safe = (cluster ?? PLACEHOLDER_CLUSTER).replace(/[^A-Za-z0-9_.-]+/g, '-');
  return `${kind}-${safe}-${now.toISOString().slice(0, 10)}.runbook.md`;
}
