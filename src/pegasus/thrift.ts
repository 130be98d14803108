/**
 * A compact Thrift binary-protocol reader/writer of our own.
 *
 * Why not the `thrift` npm package: rDSN declares error_code, rpc_address, gpid, host_port (and
 * task_code, blob) as empty structs in its IDL, so field headers say type 12 (STRUCT), but the
 * payload is a string, an i64, or string+i16+i8 without field headers. The generated/generic code
 * of the `thrift` package would read field headers inside those payloads (and its skip() would
 * desynchronise on them), so every struct holding them needs hand-written field-by-field code
 * anyway. That leaves the package only the primitive reads/writes, which are a few lines here, and
 * lets every failure be a typed PegasusError with a byte offset instead of a generic exception.
 *
 * All integers are big-endian. Readers never read past `end`; every failure throws PegasusError
 * (kind 'wire', ERR_INVALID_DATA).
 */
import { CLIENT_ERRORS, DecodeLimitError, PegasusError, wireError } from './errors';

export const TType = {
  STOP: 0,
  BOOL: 2,
  BYTE: 3,
  DOUBLE: 4,
  I16: 6,
  I32: 8,
  I64: 10,
  STRING: 11,
  STRUCT: 12,
  MAP: 13,
  SET: 14,
  LIST: 15,
} as const;

const TWO_32 = 4294967296;

/**
 * Elements (list, set and map entries, skipped ones included) one reader may decode. A reader is
 * made per response, so this is the per-response budget. The largest real reply is query_cfg of a
 * 65,536-partition table: about 13 elements a partition (itself, up to 3 secondaries and 3 drops,
 * each also as host_port) ≈ 850k; 2M leaves room above that while keeping the objects a hostile
 * reply can make in the low hundreds of MB.
 */
export const DEFAULT_DECODE_BUDGET = 2_000_000;

/** How an announced element count is checked: the field it belongs to, its elements' minimum wire size, and the most any real reply holds. */
export interface CountBound {
  field: string;
  minElemBytes: number;
  max: number;
}

/** Smallest encoding of one value of each thrift type (a struct is at least its STOP byte). */
function minBytesOf(type: number): number {
  switch (type) {
    case TType.I16:
      return 2;
    case TType.I32:
    case TType.STRING:
      return 4;
    case TType.I64:
    case TType.DOUBLE:
      return 8;
    case TType.MAP:
      return 6;
    case TType.SET:
    case TType.LIST:
      return 5;
    default:
      return 1;
  }
}
const MAX_SKIP_DEPTH = 64;
// Direct-mapped cache of rpc_address texts: slot = hash of (ip, port); a slot holds the last
// address that hashed there, verified by comparing ip and port (no Map, no boxed 48-bit keys).
const ADDRESS_SLOTS = 4096;
const slotIp = new Uint32Array(ADDRESS_SLOTS);
const slotPort = new Int32Array(ADDRESS_SLOTS).fill(-1);
const slotText: string[] = new Array<string>(ADDRESS_SLOTS).fill('');

export class ThriftWriter {
  buf: Buffer;
  pos = 0;

  constructor(initial = 256) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  byte(v: number): void {
    this.ensure(1);
    this.buf.writeInt8(v, this.pos);
    this.pos += 1;
  }
  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
  }
  bool(v: boolean): void {
    this.u8(v ? 1 : 0);
  }
  i16(v: number): void {
    this.ensure(2);
    this.buf.writeInt16BE(v, this.pos);
    this.pos += 2;
  }
  u16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16BE(v, this.pos);
    this.pos += 2;
  }
  i32(v: number): void {
    this.ensure(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
  }
  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.pos);
    this.pos += 4;
  }
  /** i64 from a safe integer (or a bigint for values beyond 2^53). */
  i64(v: number | bigint): void {
    this.ensure(8);
    this.buf.writeBigInt64BE(typeof v === 'bigint' ? v : BigInt(v), this.pos);
    this.pos += 8;
  }
  u64(v: bigint): void {
    this.ensure(8);
    this.buf.writeBigUInt64BE(v, this.pos);
    this.pos += 8;
  }
  double(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
  }
  string(s: string): void {
    const len = Buffer.byteLength(s, 'utf8');
    this.ensure(4 + len);
    this.buf.writeInt32BE(len, this.pos);
    this.buf.write(s, this.pos + 4, len, 'utf8');
    this.pos += 4 + len;
  }
  binary(b: Uint8Array): void {
    this.ensure(4 + b.length);
    this.buf.writeInt32BE(b.length, this.pos);
    this.buf.set(b, this.pos + 4);
    this.pos += 4 + b.length;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
  field(type: number, id: number): void {
    this.ensure(3);
    this.buf[this.pos] = type;
    this.buf.writeInt16BE(id, this.pos + 1);
    this.pos += 3;
  }
  stop(): void {
    this.u8(0);
  }
  list(elemType: number, count: number): void {
    this.u8(elemType);
    this.i32(count);
  }
  map(keyType: number, valueType: number, count: number): void {
    this.u8(keyType);
    this.u8(valueType);
    this.i32(count);
  }
  /** Patches a u32 written earlier (lengths known only at the end). */
  patchU32(at: number, v: number): void {
    this.buf.writeUInt32BE(v >>> 0, at);
  }

  // ---- rDSN placeholder payloads (the field header, written by the caller, says 12) ----

  /** dsn.error_code: the error name as a thrift string. */
  errorCode(name: string): void {
    this.string(name);
  }
  /** dsn.rpc_address: packed IPv4 i64 `[a b c d][port][0x0001]`; '' is the invalid address (8 zero bytes). */
  rpcAddress(addr: string): void {
    this.ensure(8);
    if (addr === '') {
      this.buf.fill(0, this.pos, this.pos + 8);
      this.pos += 8;
      return;
    }
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3}):(\d{1,5})$/.exec(addr);
    const parts = m ? [m[1], m[2], m[3], m[4]].map(Number) : [];
    const port = m ? Number(m[5]) : -1;
    if (!m || parts.some((p) => p > 255) || port > 65535) {
      throw new PegasusError(CLIENT_ERRORS.invalidParameters, `rpc_address needs an IPv4 "a.b.c.d:port", got ${JSON.stringify(addr)}`, {
        kind: 'usage',
        hint: 'give the node as ip:port (Pegasus ≤2.5 addresses are IPv4 only)',
      });
    }
    for (let i = 0; i < 4; i++) this.buf[this.pos + i] = parts[i]!;
    this.buf.writeUInt16BE(port, this.pos + 4);
    this.buf[this.pos + 6] = 0;
    this.buf[this.pos + 7] = 1;
    this.pos += 8;
  }
  /** dsn.gpid: i64 whose wire bytes are `[partition_index][app_id]` (little-endian union). */
  gpid(appId: number, partitionIndex: number): void {
    this.i32(partitionIndex);
    this.i32(appId);
  }
  /** dsn.host_port: string host, i16 port, i8 type (1 valid, 0 invalid); '' is invalid. */
  hostPort(hp: string): void {
    if (hp === '') {
      this.string('');
      this.u16(0);
      this.u8(0);
      return;
    }
    const i = hp.lastIndexOf(':');
    const port = i > 0 ? Number(hp.slice(i + 1)) : NaN;
    if (!(i > 0) || !Number.isInteger(port) || port < 0 || port > 65535) {
      throw new PegasusError(CLIENT_ERRORS.invalidParameters, `host_port needs "host:port", got ${JSON.stringify(hp)}`, { kind: 'usage' });
    }
    this.string(hp.slice(0, i));
    this.u16(port);
    this.u8(1);
  }

  /** The bytes written so far (a view; copy if the writer is reused). */
  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

export class ThriftReader {
  readonly buf: Buffer;
  pos: number;
  readonly end: number;
  /** Id of the last field header read by fieldBegin(). */
  fieldId = 0;
  /** Elements this reader may still decode (see DEFAULT_DECODE_BUDGET). */
  budget: number;

  constructor(buf: Buffer, pos = 0, end = buf.length, budget = DEFAULT_DECODE_BUDGET) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
    this.budget = budget;
  }

  /**
   * Checks an announced element count before anything is allocated for it (bytes left for its
   * minimum size, plausible maximum, budget left), then charges it to the budget.
   */
  checkCount(count: number, kind: string, bound: CountBound): void {
    if (count < 0) this.fail(`${kind} size ${count} out of range`);
    if (count > bound.max) throw new DecodeLimitError({ field: bound.field, count, reason: 'maximum', limit: bound.max });
    const fit = Math.floor((this.end - this.pos) / bound.minElemBytes);
    if (count > fit) throw new DecodeLimitError({ field: bound.field, count, reason: 'bytes', limit: fit });
    if (count > this.budget) throw new DecodeLimitError({ field: bound.field, count, reason: 'budget', limit: this.budget });
    this.budget -= count;
  }

  fail(what: string): never {
    throw wireError(`${what} at byte ${this.pos}`);
  }

  need(n: number, what: string): void {
    if (this.pos + n > this.end) this.fail(`truncated ${what} (need ${n} bytes, ${this.end - this.pos} left)`);
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  byte(): number {
    if (this.pos + 1 > this.end) this.need(1, 'byte');
    return this.buf.readInt8(this.pos++);
  }
  u8(): number {
    if (this.pos + 1 > this.end) this.need(1, 'byte');
    return this.buf[this.pos++]!;
  }
  bool(): boolean {
    return this.u8() !== 0;
  }
  i16(): number {
    const p = this.pos;
    if (p + 2 > this.end) this.need(2, 'i16');
    const b = this.buf;
    this.pos = p + 2;
    return (((b[p]! << 8) | b[p + 1]!) << 16) >> 16;
  }
  u16(): number {
    if (this.pos + 2 > this.end) this.need(2, 'i16');
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  i32(): number {
    const p = this.pos;
    if (p + 4 > this.end) this.need(4, 'i32');
    const b = this.buf;
    this.pos = p + 4;
    return (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
  }
  u32(): number {
    if (this.pos + 4 > this.end) this.need(4, 'u32');
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  /** i64 as a JS number (exact up to 2^53, which covers ballots, decrees and timestamps). */
  i64(): number {
    const p = this.pos;
    if (p + 8 > this.end) this.need(8, 'i64');
    const b = this.buf;
    this.pos = p + 8;
    const hi = (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
    const lo = ((b[p + 4]! << 24) | (b[p + 5]! << 16) | (b[p + 6]! << 8) | b[p + 7]!) >>> 0;
    return hi * TWO_32 + lo;
  }
  i64big(): bigint {
    if (this.pos + 8 > this.end) this.need(8, 'i64');
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }
  u64big(): bigint {
    if (this.pos + 8 > this.end) this.need(8, 'u64');
    const v = this.buf.readBigUInt64BE(this.pos);
    this.pos += 8;
    return v;
  }
  double(): number {
    if (this.pos + 8 > this.end) this.need(8, 'double');
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }
  string(): string {
    const len = this.i32();
    if (len < 0 || this.pos + len > this.end) this.fail(`string length ${len} out of range`);
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }
  binary(): Buffer {
    const len = this.i32();
    if (len < 0 || this.pos + len > this.end) this.fail(`binary length ${len} out of range`);
    const b = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return b;
  }
  /** Reads a field header; returns its type (0 = STOP) and sets `fieldId`. */
  fieldBegin(): number {
    const p = this.pos;
    if (p + 1 > this.end) this.need(1, 'field header');
    const b = this.buf;
    const t = b[p]!;
    if (t === 0) {
      this.pos = p + 1;
      return 0;
    }
    if (p + 3 > this.end) this.need(3, 'field header');
    this.fieldId = (((b[p + 1]! << 8) | b[p + 2]!) << 16) >> 16;
    this.pos = p + 3;
    return t;
  }
  /** Reads a list header; returns the element count (validated by checkCount). */
  listBegin(bound: CountBound): { elemType: number; count: number } {
    const elemType = this.u8();
    const count = this.i32();
    this.checkCount(count, 'list', bound);
    return { elemType, count };
  }
  /** List header when the element type is not needed (avoids an allocation on hot paths). */
  listCount(bound: CountBound): number {
    this.u8();
    const count = this.i32();
    this.checkCount(count, 'list', bound);
    return count;
  }
  /** Reads a map header; `bound.minElemBytes` is the size of one key plus one value. */
  mapBegin(bound: CountBound): { keyType: number; valueType: number; count: number } {
    const keyType = this.u8();
    const valueType = this.u8();
    const count = this.i32();
    this.checkCount(count, 'map', bound);
    return { keyType, valueType, count };
  }

  /** Generic skip of an ordinary thrift value. Must not be used on placeholder-typed fields. */
  skip(type: number, depth = 0): void {
    if (depth > MAX_SKIP_DEPTH) this.fail('nesting too deep');
    switch (type) {
      case TType.BOOL:
      case TType.BYTE:
        this.need(1, 'byte');
        this.pos += 1;
        return;
      case TType.I16:
        this.need(2, 'i16');
        this.pos += 2;
        return;
      case TType.I32:
        this.need(4, 'i32');
        this.pos += 4;
        return;
      case TType.I64:
      case TType.DOUBLE:
        this.need(8, 'i64');
        this.pos += 8;
        return;
      case TType.STRING: {
        const len = this.i32();
        if (len < 0 || this.pos + len > this.end) this.fail(`string length ${len} out of range`);
        this.pos += len;
        return;
      }
      case TType.STRUCT:
        for (;;) {
          const t = this.fieldBegin();
          if (t === 0) return;
          this.skip(t, depth + 1);
        }
      case TType.MAP: {
        const keyType = this.u8();
        const valueType = this.u8();
        const count = this.i32();
        // Unknown fields have no plausible maximum, but still cost the budget.
        this.checkCount(count, 'map', {
          field: 'an unknown map field',
          minElemBytes: minBytesOf(keyType) + minBytesOf(valueType),
          max: Infinity,
        });
        for (let i = 0; i < count; i++) {
          this.skip(keyType, depth + 1);
          this.skip(valueType, depth + 1);
        }
        return;
      }
      case TType.SET:
      case TType.LIST: {
        const elemType = this.u8();
        const count = this.i32();
        this.checkCount(count, 'list', { field: 'an unknown list field', minElemBytes: minBytesOf(elemType), max: Infinity });
        for (let i = 0; i < count; i++) this.skip(elemType, depth + 1);
        return;
      }
      default:
        this.fail(`unknown thrift type ${type}`);
    }
  }

  // ---- rDSN placeholder payloads ----

  errorCode(): string {
    return this.string();
  }
  /** dsn.rpc_address → "a.b.c.d:port", or '' for the invalid address / any non-IPv4 type. */
  rpcAddress(): string {
    if (this.pos + 8 > this.end) this.need(8, 'rpc_address');
    const b = this.buf;
    const p = this.pos;
    this.pos += 8;
    if ((b[p + 7]! & 3) !== 1) return '';
    // A cluster has few distinct addresses and responses repeat them (every partition names 3):
    // reuse the text of an (ip, port) seen before.
    const ip = ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
    const port = (b[p + 4]! << 8) | b[p + 5]!;
    const slot = (Math.imul(ip ^ (port << 7), 0x9e3779b1) >>> 20) & (ADDRESS_SLOTS - 1);
    if (slotIp[slot] === ip && slotPort[slot] === port) return slotText[slot]!;
    const s = `${b[p]}.${b[p + 1]}.${b[p + 2]}.${b[p + 3]}:${port}`;
    slotIp[slot] = ip;
    slotPort[slot] = port;
    slotText[slot] = s;
    return s;
  }
  /** dsn.gpid: wire bytes `[partition_index][app_id]`. */
  gpid(): { appId: number; partitionIndex: number } {
    if (this.pos + 8 > this.end) this.need(8, 'gpid');
    const partitionIndex = this.buf.readInt32BE(this.pos);
    const appId = this.buf.readInt32BE(this.pos + 4);
    this.pos += 8;
    return { appId, partitionIndex };
  }
  /** dsn.host_port → "host:port", or '' when the type byte says invalid (port read unsigned). */
  hostPort(): string {
    const len = this.i32();
    const p = this.pos;
    if (len < 0 || p + len + 3 > this.end) this.fail(`host_port host length ${len} out of range`);
    const b = this.buf;
    this.pos = p + len + 3;
    if (b[p + len + 2] === 0) return '';
    const port = (b[p + len]! << 8) | b[p + len + 1]!;
    // No cache here (unlike rpcAddress): hashing the host bytes costs as much as building the string.
    return `${b.toString('utf8', p, p + len)}:${port}`;
  }
}
