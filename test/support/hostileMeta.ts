/**
 * A hostile meta server: the fixture cluster's leader (it answers leader discovery honestly) whose
 * reply to one RPC is an attack on the client's framing and decoding. Each attack is bytes a
 * malicious or broken meta could send on the THFT wire; tests drive the real MetaClient at them.
 */
import { encodeResponse, RPC, TType, writeResponseFrame, type NodeInfo, type ThriftWriter } from '../../src/pegasus';
import { startFixtureCluster, type FixtureCluster, type Reply } from './fixtureCluster';

export type Attack =
  /** A total_length far over the 64 MiB cap, then a trickle of body. */
  | 'oversized'
  /** Half of a valid reply, then the connection closes. */
  | 'truncated'
  /** A list header claiming 50 million nodes with almost no bytes behind it. */
  | 'amplified'
  /** An unknown field of 10,000 nested structs (a recursive skip would overflow the stack). */
  | 'nested'
  /** A valid reply dripped one byte every 100 ms. */
  | 'slow'
  /** A TCP reset instead of a reply. */
  | 'reset'
  /** A valid reply under another call's sequence id. */
  | 'wrong-seqid'
  /** An RPC error name full of terminal escapes (title, clear screen, OSC 52 clipboard). */
  | 'escape-error'
  /** A valid reply whose node addresses carry terminal escapes. */
  | 'escape-strings';

export const ATTACKS: readonly Attack[] = [
  'oversized',
  'truncated',
  'amplified',
  'nested',
  'slow',
  'reset',
  'wrong-seqid',
  'escape-error',
  'escape-strings',
];

/** Control sequences an attacker would print: window title, clear screen, clipboard write, C1 CSI. */
export const ESCAPES = '\x1b]0;owned\x07\x1b[2J\x1b]52;c;ZWNobyBoaQ==\x07\x9b31m';

const goodNodes: NodeInfo[] = [
  { status: 1, address: '127.0.0.1:34801' },
  { status: 1, address: '127.0.0.1:34802' },
];

function listNodesReply(seqid: number, body: (w: ThriftWriter) => void): Buffer {
  return writeResponseFrame(RPC.listNodes.ackName, seqid, 'ERR_OK', (w) => {
    w.field(TType.STRUCT, 0);
    w.field(TType.STRUCT, 1);
    w.errorCode('ERR_OK');
    body(w);
    w.stop();
  });
}

function validNodes(seqid: number, nodes: readonly NodeInfo[] = goodNodes): Buffer {
  return encodeResponse(RPC.listNodes, { err: 'ERR_OK', infos: [...nodes] }, { seqid, version: '2.6' });
}

export function attackBytes(attack: Attack, seqid: number): Reply {
  switch (attack) {
    case 'oversized': {
      const b = Buffer.alloc(64);
      b.writeInt32BE(0x7fff_fff0, 0);
      return { kind: 'raw', bytes: b };
    }
    case 'truncated': {
      const whole = validNodes(seqid);
      return { kind: 'raw', bytes: whole.subarray(0, Math.floor(whole.length / 2)), thenClose: true };
    }
    case 'amplified':
      return {
        kind: 'raw',
        bytes: listNodesReply(seqid, (w) => {
          w.field(TType.LIST, 2);
          w.list(TType.STRUCT, 50_000_000);
          w.bytes(Buffer.alloc(16));
        }),
      };
    case 'nested':
      return {
        kind: 'raw',
        bytes: listNodesReply(seqid, (w) => {
          w.field(TType.STRUCT, 99);
          for (let i = 0; i < 10_000; i++) w.field(TType.STRUCT, 1);
          for (let i = 0; i < 10_001; i++) w.stop();
        }),
      };
    case 'slow':
      return { kind: 'drip', bytes: validNodes(seqid), everyMs: 100 };
    case 'reset':
      return { kind: 'reset' };
    case 'wrong-seqid':
      return { kind: 'raw', bytes: validNodes(seqid + 7) };
    case 'escape-error':
      return { kind: 'raw', bytes: writeResponseFrame(RPC.listNodes.ackName, seqid, `ERR_${ESCAPES}${'X'.repeat(100_000)}`) };
    case 'escape-strings':
      return {
        kind: 'resp',
        resp: {
          err: 'ERR_OK',
          infos: [...goodNodes, { status: 1, address: '127.0.0.1:34803', hpAddress: `evil${ESCAPES}.example:34803` }],
        },
      };
  }
}

/** A one-meta fixture cluster whose replies to `RPC_CM_LIST_NODES` are `attack` (leader discovery stays honest). */
export async function startHostileMeta(attack: Attack): Promise<FixtureCluster> {
  const c = await startFixtureCluster(1, '2.6', 0);
  c.state.override = (req) => (req.name === RPC.listNodes.name ? attackBytes(attack, req.seqid) : { kind: 'default' });
  return c;
}
