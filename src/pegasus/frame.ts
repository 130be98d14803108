/**
 * THFT framing (upstream src/runtime/rpc/thrift_message_parser.cpp): request frames with header v0 (48 bytes) or v1 (16 bytes + thrift meta),
 * response frames (`total_length` counting itself, RPC-level error name, message), thrift
 * TMessageBegin in strict and non-strict form, and a streaming `FrameReader` that cuts a byte
 * stream into whole frames with a size cap. Every failure is a PegasusError.
 */
import { CLIENT_ERRORS, PegasusError, wireError } from './errors';
import { readRequestMetaV1, writeRequestMetaV1 } from './structs';
import { ThriftReader, ThriftWriter } from './thrift';

export const THFT = Buffer.from('THFT', 'latin1');
export const HEADER_V0_LENGTH = 48;
export const HEADER_V1_FIXED = 16;
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024;

export const MessageType = { CALL: 1, REPLY: 2, EXCEPTION: 3, ONEWAY: 4 } as const;

/** What a request header carries (v0 fixed fields, or v1 meta). */
export interface RequestHeader {
  version: 0 | 1;
  appId: number;
  partitionIndex: number;
  clientTimeoutMs: number;
  threadHash: number;
  partitionHash: bigint;
  /** v1 only. */
  isBackupRequest?: boolean;
}
export type RequestHeaderInit = Partial<RequestHeader>;

function threadHashOf(appId: number, partitionIndex: number): number {
  return (Math.imul(appId, 7919) + partitionIndex) | 0;
}

/** Which parser the first 4 bytes of a connection select. */
export function detectProtocol(first4: Buffer): 'thrift' | 'http' | 'unknown' {
  const s = first4.subarray(0, 4).toString('latin1');
  if (s === 'THFT') return 'thrift';
  if (s === 'GET ' || s === 'POST') return 'http';
  return 'unknown';
}

// ---------- request frames ----------

/**
 * Writes a full request frame: header, then TMessageBegin(CALL, name, seqid) and the args wrapper
 * (field 1, STRUCT) whose content `writeArgs` writes (the request struct including its STOP).
 */
export function writeRequestFrame(name: string, seqid: number, writeArgs: (w: ThriftWriter) => void, init: RequestHeaderInit = {}): Buffer {
  const version = init.version ?? 0;
  const appId = init.appId ?? 0;
  const partitionIndex = init.partitionIndex ?? 0;
  const timeout = init.clientTimeoutMs ?? 0;
  const w = new ThriftWriter(128);
  let lenAt: number;
  if (version === 0) {
    w.bytes(THFT);
    w.u32(0);
    w.u32(HEADER_V0_LENGTH);
    w.u32(0); // hdr_crc32: never checked
    lenAt = w.pos;
    w.u32(0); // body_length, patched below
    w.u32(0); // body_crc32: never checked
    w.i32(appId);
    w.i32(partitionIndex);
    w.i32(timeout);
    w.i32(init.threadHash ?? threadHashOf(appId, partitionIndex));
    w.u64(init.partitionHash ?? 0n);
  } else {
    w.bytes(THFT);
    w.u32(1);
    const metaAt = w.pos;
    w.u32(0);
    lenAt = w.pos;
    w.u32(0);
    const m0 = w.pos;
    // Java writes all five fields; so do we.
    writeRequestMetaV1(w, {
      appId,
      partitionIndex,
      clientTimeout: timeout,
      partitionHash: init.partitionHash ?? 0n,
      isBackupRequest: init.isBackupRequest ?? false,
    });
    w.patchU32(metaAt, w.pos - m0);
  }
  const bodyStart = w.pos;
  writeMessageBegin(w, name, MessageType.CALL, seqid);
  w.field(12, 1);
  writeArgs(w);
  w.stop();
  w.patchU32(lenAt, w.pos - bodyStart);
  return Buffer.from(w.finish());
}

export interface RequestFrame {
  header: RequestHeader;
  messageType: number;
  name: string;
  seqid: number;
  /** The whole frame, and where the args struct starts / the body ends. */
  frame: Buffer;
  argsOffset: number;
  bodyEnd: number;
}

/** Parses a whole request frame (as cut by FrameReader('request')) up to the args struct. */
export function decodeRequestFrame(frame: Buffer): RequestFrame {
  const r = new ThriftReader(frame);
  r.need(8, 'THFT header');
  if (frame.compare(THFT, 0, 4, 0, 4) !== 0) r.fail('not a THFT frame (bad signature)');
  const version = frame.readUInt32BE(4);
  let header: RequestHeader;
  let bodyEnd: number;
  if (version === 0) {
    r.need(HEADER_V0_LENGTH, 'v0 header');
    const hdrLen = frame.readUInt32BE(8);
    if (hdrLen !== HEADER_V0_LENGTH) r.fail(`v0 hdr_length ${hdrLen} is not 48`);
    const bodyLen = frame.readUInt32BE(16);
    header = {
      version: 0,
      appId: frame.readInt32BE(24),
      partitionIndex: frame.readInt32BE(28),
      clientTimeoutMs: frame.readInt32BE(32),
      threadHash: frame.readInt32BE(36),
      partitionHash: frame.readBigUInt64BE(40),
    };
    r.pos = HEADER_V0_LENGTH;
    bodyEnd = HEADER_V0_LENGTH + bodyLen;
  } else if (version === 1) {
    r.need(HEADER_V1_FIXED, 'v1 header');
    const metaLen = frame.readUInt32BE(8);
    const bodyLen = frame.readUInt32BE(12);
    if (HEADER_V1_FIXED + metaLen > frame.length) r.fail(`v1 meta_length ${metaLen} beyond the frame`);
    const mr = new ThriftReader(frame, HEADER_V1_FIXED, HEADER_V1_FIXED + metaLen);
    const meta = readRequestMetaV1(mr);
    const appId = meta.appId ?? 0;
    const partitionIndex = meta.partitionIndex ?? 0;
    header = {
      version: 1,
      appId,
      partitionIndex,
      clientTimeoutMs: meta.clientTimeout ?? 0,
      threadHash: threadHashOf(appId, partitionIndex),
      partitionHash: meta.partitionHash === undefined ? 0n : BigInt.asUintN(64, meta.partitionHash),
    };
    if (meta.isBackupRequest !== undefined) header.isBackupRequest = meta.isBackupRequest;
    r.pos = HEADER_V1_FIXED + metaLen;
    bodyEnd = r.pos + bodyLen;
  } else {
    return r.fail(`unsupported THFT header version ${version}`);
  }
  if (bodyEnd > frame.length) r.fail(`body_length runs past the frame end (${bodyEnd} > ${frame.length})`);
  const br = new ThriftReader(frame, r.pos, bodyEnd);
  const { type, name, seqid } = readMessageBegin(br);
  if (type !== MessageType.CALL && type !== MessageType.ONEWAY) br.fail(`request message type ${type} is not CALL or ONEWAY`);
  // The server reads one field header (ignoring its id and type), then the request struct.
  const t = br.fieldBegin();
  if (t === 0) br.fail('args wrapper holds no request struct');
  return { header, messageType: type, name, seqid, frame, argsOffset: br.pos, bodyEnd };
}

// ---------- TMessageBegin ----------

export function writeMessageBegin(w: ThriftWriter, name: string, type: number, seqid: number): void {
  w.u32((0x80010000 | type) >>> 0);
  w.string(name);
  w.i32(seqid);
}

/** Strict (`80 01 00 tt`, name, seqid) or old non-strict (name, i8 type, seqid) form. */
export function readMessageBegin(r: ThriftReader): { type: number; name: string; seqid: number } {
  const v = r.i32();
  if (v < 0) {
    if ((v & 0xffff0000) !== (0x80010000 | 0)) r.fail(`bad thrift message version 0x${(v >>> 0).toString(16)}`);
    const type = v & 0xff;
    const name = r.string();
    return { type, name, seqid: r.i32() };
  }
  if (v > r.remaining) r.fail(`message name length ${v} out of range`);
  const name = r.buf.toString('utf8', r.pos, r.pos + v);
  r.pos += v;
  const type = r.u8();
  return { type, name, seqid: r.i32() };
}

// ---------- response frames ----------

/**
 * Writes a response frame. `writeResult` writes the result wrapper's content (field 0 and value);
 * pass undefined to send no body, as servers do for ERR_HANDLER_NOT_FOUND.
 */
export function writeResponseFrame(ackName: string, seqid: number, errorName: string, writeResult?: (w: ThriftWriter) => void): Buffer {
  const w = new ThriftWriter(128);
  w.u32(0);
  w.string(errorName);
  writeMessageBegin(w, ackName, MessageType.REPLY, seqid);
  if (writeResult) {
    writeResult(w);
    w.stop();
  }
  w.patchU32(0, w.pos);
  return Buffer.from(w.finish());
}

export interface ResponseFrame {
  /** RPC-level error name; ERR_OK whenever a handler replied. */
  errorName: string;
  name: string;
  seqid: number;
  frame: Buffer;
  /** Where the result struct starts (== frame.length when there is no body). */
  bodyOffset: number;
}

/** Parses a whole response frame (as cut by FrameReader('response')) up to the result struct. */
export function decodeResponseFrame(frame: Buffer): ResponseFrame {
  const r = new ThriftReader(frame);
  const total = r.i32();
  if (total !== frame.length) r.fail(`total_length ${total} does not match the frame size ${frame.length}`);
  const errorName = r.string();
  const { type, name, seqid } = readMessageBegin(r);
  if (type !== MessageType.REPLY) r.fail(`response message type ${type} is not REPLY`);
  return { errorName, name, seqid, frame, bodyOffset: r.pos };
}

// ---------- streaming ----------

export interface FrameReaderOptions {
  /** Largest frame accepted (bytes, headers included); default 64 MiB. */
  maxFrameBytes?: number;
}

/**
 * Cuts a byte stream into whole frames. `push` returns the frames completed by the chunk (possibly
 * none: a half frame stays buffered) and throws PegasusError on a malformed header or a frame over
 * the cap — as soon as the header shows it, without waiting for the body. After an error the reader
 * stays failed (the stream is out of sync; close the connection).
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private failure: PegasusError | undefined;
  readonly maxFrameBytes: number;

  constructor(
    readonly side: 'request' | 'response',
    opts: FrameReaderOptions = {},
  ) {
    this.maxFrameBytes = opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  }

  /** Bytes of an incomplete frame held; non-zero when a peer closes mid-frame. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  push(chunk: Buffer): Buffer[] {
    if (this.failure) throw this.failure;
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const out: Buffer[] = [];
    try {
      for (;;) {
        const size = this.side === 'response' ? this.responseSize() : this.requestSize();
        if (size === undefined || this.buffered < size) break;
        out.push(this.take(size));
      }
    } catch (e) {
      this.failure = e instanceof PegasusError ? e : wireError(String(e));
      this.chunks = [];
      this.buffered = 0;
      throw this.failure;
    }
    return out;
  }

  private tooLarge(size: number): never {
    throw new PegasusError(CLIENT_ERRORS.frameTooLarge, `frame of ${size} bytes exceeds the ${this.maxFrameBytes}-byte cap`, {
      kind: 'wire',
    });
  }

  private responseSize(): number | undefined {
    if (this.buffered < 4) return undefined;
    const head = this.peek(4);
    // "HTTP" read as a length would be 1.2 GB: say what it really is.
    if (head.toString('latin1', 0, 4) === 'HTTP')
      throw wireError(
        'the peer answered in HTTP, not THFT: check that the address is the RPC port of a Pegasus meta server (34601 by default)',
      );
    const total = head.readInt32BE(0);
    if (total < 8) throw wireError(`response total_length ${total} is too small`);
    if (total > this.maxFrameBytes) this.tooLarge(total);
    return total;
  }

  private requestSize(): number | undefined {
    if (this.buffered < 8) return undefined;
    let h = this.peek(8);
    if (h.compare(THFT, 0, 4, 0, 4) !== 0)
      throw wireError(`not a THFT frame (starts with ${JSON.stringify(h.subarray(0, 4).toString('latin1'))})`);
    const version = h.readUInt32BE(4);
    let size: number;
    if (version === 0) {
      if (this.buffered < 20) return undefined;
      h = this.peek(20);
      const hdrLen = h.readUInt32BE(8);
      if (hdrLen !== HEADER_V0_LENGTH) throw wireError(`v0 hdr_length ${hdrLen} is not 48`);
      size = HEADER_V0_LENGTH + h.readUInt32BE(16);
    } else if (version === 1) {
      if (this.buffered < 16) return undefined;
      h = this.peek(16);
      size = HEADER_V1_FIXED + h.readUInt32BE(8) + h.readUInt32BE(12);
    } else {
      throw wireError(`unsupported THFT header version ${version}`);
    }
    if (size > this.maxFrameBytes) this.tooLarge(size);
    return size;
  }

  /** The first n buffered bytes as one Buffer (merging chunks only when needed). */
  private peek(n: number): Buffer {
    if (this.chunks[0]!.length < n) this.chunks = [Buffer.concat(this.chunks, this.buffered)];
    return this.chunks[0]!;
  }

  private take(n: number): Buffer {
    const head = this.peek(n);
    const frame = head.subarray(0, n);
    if (head.length === n) this.chunks.shift();
    else this.chunks[0] = head.subarray(n);
    this.buffered -= n;
    return frame;
  }
}
