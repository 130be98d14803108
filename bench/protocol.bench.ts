/**
 * Decoding speed of the two largest meta responses: query_cfg for a 1,024-partition table and
 * list_nodes for 1,000 nodes (master encoding, hp_* fields included). The floor walks the same
 * bytes' field headers (and steps over each payload) without building any object.
 * The last row times the zod boundary check alone, on the decoded objects.
 */
import {
  decodeResponse,
  decodeResponseFrame,
  encodeResponse,
  RPC,
  ThriftReader,
  type NodeInfo,
  type PartitionConfiguration,
} from '../src/pegasus';
import { measure, report, type Measurement } from './harness';

function partitions(n: number, hp: boolean): PartitionConfiguration[] {
  return Array.from({ length: n }, (_, i) => ({
    pid: { appId: 5, partitionIndex: i },
    ballot: 10 + i,
    maxReplicaCount: 3,
    primary: `10.0.${(i >> 8) & 255}.${i & 255}:34801`,
    secondaries: [`10.1.0.${i & 255}:34801`, `10.2.0.${i & 255}:34801`],
    lastDrops: [],
    lastCommittedDecree: 1_000_000 + i,
    partitionFlags: 0,
    ...(hp
      ? {
          hpPrimary: `replica-${i % 100}.pegasus.example.com:34801`,
          hpSecondaries: [`replica-${(i + 1) % 100}.pegasus.example.com:34801`, `replica-${(i + 2) % 100}.pegasus.example.com:34801`],
          hpLastDrops: [],
        }
      : {}),
  }));
}
function nodes(n: number, hp: boolean): NodeInfo[] {
  return Array.from({ length: n }, (_, i) => ({
    status: i % 10 === 0 ? 2 : 1,
    address: `10.0.${i >> 8}.${i & 255}:34801`,
    ...(hp ? { hpAddress: `replica-${i}.pegasus.example.com:34801` } : {}),
  }));
}

// ---- floor: field-header walk, payloads stepped over by length (placeholders by their real size) ----
function walkStruct(b: Buffer, p: number, placeholder: (id: number, p: number) => number): number {
  for (;;) {
    const t = b[p++]!;
    if (t === 0) return p;
    const id = b.readInt16BE(p);
    p += 2;
    const q = placeholder(id, p);
    if (q >= 0) {
      p = q;
      continue;
    }
    p = walkValue(b, p, t);
  }
}
function walkValue(b: Buffer, p: number, t: number): number {
  switch (t) {
    case 2:
    case 3:
      return p + 1;
    case 6:
      return p + 2;
    case 8:
      return p + 4;
    case 10:
    case 4:
      return p + 8;
    case 11:
      return p + 4 + b.readInt32BE(p);
    default:
      throw new Error(`floor: type ${t}`);
  }
}
const hostPortSize = (b: Buffer, p: number): number => p + 4 + b.readInt32BE(p) + 3;
function walkList(b: Buffer, p: number, elem: (p: number) => number): number {
  const n = b.readInt32BE(p + 1);
  p += 5;
  for (let i = 0; i < n; i++) p = elem(p);
  return p;
}
function walkPartition(b: Buffer, p: number): number {
  return walkStruct(b, p, (id, q) => {
    if (id === 1 || id === 4) return q + 8;
    if (id === 5 || id === 6) return walkList(b, q, (r) => r + 8);
    if (id === 9) return hostPortSize(b, q);
    if (id === 10 || id === 11) return walkList(b, q, (r) => hostPortSize(b, r));
    return -1;
  });
}
function walkNode(b: Buffer, p: number): number {
  return walkStruct(b, p, (id, q) => (id === 2 ? q + 8 : id === 3 ? hostPortSize(b, q) : -1));
}
function walkResponse(b: Buffer, start: number, elem: (b: Buffer, p: number) => number, listId: number): number {
  // result field 0 header, then the response struct
  return walkStruct(b, start + 3, (id, q) =>
    id === 1 ? q + 4 + b.readInt32BE(q) : id === listId ? walkList(b, q, (r) => elem(b, r)) : -1,
  );
}

export async function run(): Promise<void> {
  for (const version of ['2.5', '2.6'] as const) {
    const hp = version === '2.6';
    const cfg = encodeResponse(
      RPC.queryConfig,
      { err: 'ERR_OK', appId: 5, partitionCount: 1024, isStateful: true, partitions: partitions(1024, hp) },
      { seqid: 1, version },
    );
    const list = encodeResponse(RPC.listNodes, { err: 'ERR_OK', infos: nodes(1000, hp) }, { seqid: 1, version });
    for (const [label, frame, rpc, elem, listId] of [
      ['query_cfg, 1,024 partitions', cfg, RPC.queryConfig, walkPartition, 5],
      ['list_nodes, 1,000 nodes', list, RPC.listNodes, walkNode, 2],
    ] as const) {
      const body = decodeResponseFrame(frame).bodyOffset;
      const mbps = (m: Measurement): string => `${(frame.length / 1e6 / (m.medianMs / 1e3)).toFixed(0)} MB/s`;
      console.log(
        `${label}, ${version} encoding${hp ? ' (with hp_* host_port strings)' : ''}: ${(frame.length / 1024).toFixed(0)} KiB frame`,
      );
      const floor = measure('floor: walk field headers', () => walkResponse(frame, body, elem, listId));
      const raw = measure('decode to objects (no zod)', () =>
        (rpc.readResponse as (r: ThriftReader) => unknown)(new ThriftReader(frame, body + 3)),
      );
      const full = measure('decodeResponse (frame + objects + zod)', () =>
        (decodeResponse as (r: unknown, f: Buffer) => unknown)(rpc, frame),
      );
      // The boundary check alone, on already decoded objects (what decodeResponse adds to the decoder).
      const decoded = (rpc.readResponse as (r: ThriftReader) => unknown)(new ThriftReader(frame, body + 3));
      const zodOnly = measure('  of which zod validation', () =>
        (rpc.responseSchema as { safeParse(v: unknown): unknown }).safeParse(decoded),
      );
      report([floor, raw, full, zodOnly], (m) => (m === zodOnly ? '' : mbps(m)));
    }
  }
}
