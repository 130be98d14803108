/**
 * Config language server core on a 10,000-line config.ini: full parse + diagnostics + code
 * lenses, against the floor of splitting the same text into lines. Aim: < 50 ms and within 5x.
 */
import { analyzeConfig } from '../src/config/analysis';
import { parseConfig } from '../src/config/parser';
import { DEFAULT_SETTINGS } from '../src/config/settings';
import { measure, report } from './harness';

export function makeConfig(lines: number): string {
  const out: string[] = [
    '# pegasus-ops: nodes=100',
    '[apps.meta]',
    '  type = meta',
    '  pools = THREAD_POOL_DEFAULT,THREAD_POOL_META_SERVER,THREAD_POOL_META_STATE,THREAD_POOL_FD,THREAD_POOL_DLOCK',
    '[meta_server]',
    '  server_list = %{meta.server.list}',
    '  cluster_root = /pegasus/%{cluster.name}',
    '  node_live_percentage_threshold_for_update = 50   # freeze guard',
    '  min_live_node_count_for_unfreeze = 3',
    '  meta_function_level_on_start = steady',
    '  replica_assign_delay_ms_for_dropouts = 600000',
    '  max_succssive_unstable_restart = 5',
    '  replica_asign_delay_ms_for_dropouts = 1', // a typo: exercises did-you-mean
    '[replication]',
    '  fd_lease_seconds = 20',
    '  fd_grace_seconds = 22',
    '  cold_backup_root = bucket^#1 ; escaped hash',
    '',
  ];
  let i = 0;
  while (out.length < lines) {
    out.push(
      `[task.RPC_BENCH_${i}]`,
      '  rpc_request_throttling_mode = TM_DELAY',
      '  rpc_request_delays_milliseconds = 1000, 1000, 1000, 1000, 1000, 10000',
      '  ;is_profile = true',
      '  is_profile = true',
      '',
    );
    i++;
  }
  return out.slice(0, lines).join('\n');
}

export async function run(): Promise<void> {
  const text = makeConfig(10_000);
  const ctx = { settings: DEFAULT_SETTINGS, clusters: [], runbookPlans: [{ uri: 'u', removals: 3, line: 0, label: 'bench' }] };
  const a = analyzeConfig(text, ctx);
  console.log(
    `  ${text.split('\n').length} lines, ${(text.length / 1024).toFixed(0)} KiB: ${a.findings.length} findings, ${a.lenses.length} lenses`,
  );
  const opts = { minMs: 1500, minRuns: 30 };
  const floor = measure('floor: split into lines', () => text.split('\n').length, opts);
  const parse = measure('parse only', () => parseConfig(text).entries.length, opts);
  const full = measure('parse + diagnostics + code lenses', () => analyzeConfig(text, ctx).lenses.length, opts);
  report([floor, parse, full], (m) => (m === full ? (m.medianMs < 50 ? '(goal < 50 ms: met)' : '(goal < 50 ms: MISSED)') : ''));
}
