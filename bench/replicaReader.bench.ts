/**
 * The replica-server reader against 1,000 replica servers on loopback (2.6 `/metrics`, 300 replicas
 * and 2 disks each), side by side with its floor: the same HTTP requests, same concurrency, bodies
 * read and dropped without parsing.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readReplicaData, DEFAULT_READER_CONCURRENCY } from '../src/cluster/replicaData';
import { httpGet } from '../src/cluster/replicaHttp';
import { replicaDataQuery } from '../src/pegasus/replicaMetrics';
import { measureAsync, report } from './harness';

const NODES = 1000;
const REPLICAS_PER_NODE = 300;

function body(node: number, port: number): string {
  const entities: unknown[] = [];
  for (let r = 0; r < REPLICAS_PER_NODE; r++) {
    const t = 1 + (r % 100);
    const p = (node * 7 + r) % 1024;
    entities.push({
      type: 'replica',
      id: `replica@${t}.${p}`,
      attributes: { table_id: String(t), partition_id: String(p) },
      metrics: [
        { name: 'rdb_total_sst_size_mb', value: 100 + ((node + r) % 900) },
        { name: 'rdb_total_sst_files', value: 10 + (r % 40) },
        { name: 'learn_count', value: r % 3 },
        { name: 'learn_copy_files', value: r % 5 },
        { name: 'learn_copy_file_bytes', value: r * 1048576 },
        { name: 'learn_copy_buffer_bytes', value: r * 1024 },
      ],
    });
  }
  for (const tag of ['ssd1', 'ssd2']) {
    entities.push({
      type: 'disk',
      id: `disk@${tag}`,
      attributes: { tag, data_dir: `/home/work/${tag}/pegasus` },
      metrics: [
        { name: 'disk_capacity_total_mb', value: 1_000_000 },
        { name: 'disk_capacity_avail_mb', value: 400_000 + node },
      ],
    });
  }
  return JSON.stringify({ cluster: 'bench', role: 'replica', host: '127.0.0.1', port, timestamp_ns: 1, entities });
}

export async function run(): Promise<void> {
  const servers: Server[] = [];
  const addresses: string[] = [];
  for (let i = 0; i < NODES; i++) {
    let text = '';
    const s = createServer((_req, res) => res.end(text));
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as AddressInfo).port;
    text = body(i, port);
    servers.push(s);
    addresses.push(`127.0.0.1:${port}`);
  }
  const path = `/metrics?${replicaDataQuery()}`;
  try {
    const floor = await measureAsync(
      `floor: ${NODES} GETs, ${DEFAULT_READER_CONCURRENCY} at a time, bodies dropped`,
      async () => {
        let next = 0;
        const worker = async () => {
          while (next < addresses.length) await httpGet(addresses[next++]!, path, { timeoutMs: 10_000, maxBytes: 64 << 20 });
        };
        await Promise.all(Array.from({ length: DEFAULT_READER_CONCURRENCY }, worker));
      },
      { minRuns: 3, minMs: 2000 },
    );
    const parsedOnly = await measureAsync(
      'the same GETs + JSON.parse only (no validation, no figures)',
      async () => {
        let next = 0;
        const worker = async () => {
          while (next < addresses.length)
            JSON.parse((await httpGet(addresses[next++]!, path, { timeoutMs: 10_000, maxBytes: 64 << 20 })).body);
        };
        await Promise.all(Array.from({ length: DEFAULT_READER_CONCURRENCY }, worker));
      },
      { minRuns: 3, minMs: 2000 },
    );
    let replicas = 0;
    const reader = await measureAsync(
      `readReplicaData: ${NODES} nodes × ${REPLICAS_PER_NODE} replicas + 2 disks, parsed`,
      async () => {
        const d = await readReplicaData(addresses, { dialect: '2.6', timeoutMs: 10_000 });
        if (d.unknown.length) throw new Error(`unknown: ${d.unknown[0]!.code}`);
        replicas = d.replicas.length;
      },
      { minRuns: 3, minMs: 2000 },
    );
    report([floor, parsedOnly, reader], (m) => (m === reader ? `${replicas.toLocaleString('en-US')} replica sizes` : ''));
  } finally {
    for (const s of servers) s.close();
  }
}
