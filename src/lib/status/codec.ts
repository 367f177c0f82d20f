import * as tai64n from '../tai64n/codec.js';

/**
 * `supervise/status`, daemontools 0.76: 18 bytes. A TAI64N stamp of the last pid change
 * (big-endian, 12 bytes), the pid (little-endian uint32), a paused byte and a want byte.
 * runit appends two bytes and its first 18 stay compatible: unpack ignores extra bytes.
 */
export const STATUS_SIZE = 18;
export const PID_OFFSET = 12;
export const PAUSED_OFFSET = 16;
export const WANT_OFFSET = 17;

/** Byte 17: 'u', 'd', or 0 after `svc -o` (no want). */
export type Want = 'up' | 'down' | 'none';

export interface StatusRecord {
  /** When the pid last changed. */
  readonly stamp: tai64n.Tai64n;
  /** 0 = no child. */
  readonly pid: number;
  readonly paused: boolean;
  readonly want: Want;
}

const WANT_BYTE: Record<Want, number> = {up: 0x75, down: 0x64, none: 0};

export function pack(record: StatusRecord): Buffer {
  const buffer = Buffer.alloc(STATUS_SIZE);
  tai64n.pack(record.stamp, buffer, 0);
  buffer.writeUInt32LE(record.pid >>> 0, PID_OFFSET);
  buffer[PAUSED_OFFSET] = record.pid !== 0 && record.paused ? 1 : 0;
  buffer[WANT_OFFSET] = WANT_BYTE[record.want];
  return buffer;
}

/** undefined when shorter than 18 bytes (svstat's `bad format`). Any nonzero paused byte is paused. */
export function unpack(bytes: Uint8Array): StatusRecord | undefined {
  if (bytes.length < STATUS_SIZE) return undefined;
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const wantByte = view[WANT_OFFSET];
  return {
    stamp: tai64n.unpack(view, 0),
    pid: view.readUInt32LE(PID_OFFSET),
    paused: view[PAUSED_OFFSET] !== 0,
    want: wantByte === 0x75 ? 'up' : wantByte === 0x64 ? 'down' : 'none',
  };
}
