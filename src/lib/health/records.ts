import {existsSync, readFileSync, renameSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {HEALTH_RECORD_FILE, NOTIFICATION_FD_FILE, READY_RECORD_FILE} from '../service-dir/layout.js';
import {parseHealthRecord, type HealthRecord} from './verdict.js';

/** When a service said it was ready: the pid it said it for, and the time (Unix ms). */
export interface ReadyRecord {
  readonly pid: number;
  readonly time: number;
}

function writeAtomically(path: string, text: string): void {
  writeFileSync(`${path}.new`, text, {mode: 0o644});
  renameSync(`${path}.new`, path);
}

/** Writes `supervise/health` of the service directory `dir`. */
export function writeHealthRecord(dir: string, record: HealthRecord): void {
  writeAtomically(join(dir, HEALTH_RECORD_FILE), `${JSON.stringify(record)}\n`);
}

export function readHealthRecord(dir: string): HealthRecord | undefined {
  try {
    return parseHealthRecord(readFileSync(join(dir, HEALTH_RECORD_FILE), 'utf8'));
  } catch {
    return undefined;
  }
}

/** `supervise/ready`'s text: pid 0 says "started, not ready yet". */
export function formatReadyRecord(record: ReadyRecord): string {
  return `${JSON.stringify({pid: record.pid, time: record.time})}\n`;
}

/** Writes `supervise/ready`: the child `pid` is ready. */
export function writeReadyRecord(dir: string, record: ReadyRecord): void {
  writeAtomically(join(dir, READY_RECORD_FILE), formatReadyRecord(record));
}

/** The readiness record, or undefined when there is none (or it is not one). */
export function readReadyRecord(dir: string): ReadyRecord | undefined {
  try {
    const value = JSON.parse(readFileSync(join(dir, READY_RECORD_FILE), 'utf8')) as Partial<ReadyRecord> | null;
    return value && typeof value.pid === 'number' && typeof value.time === 'number' ? {pid: value.pid, time: value.time} : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether service `dir` has said it is ready for child `pid` (0: no child, never ready):
 * undefined when it has no readiness protocol, neither s6's `notification-fd` file nor keepup's
 * `supervise/ready` record, so "up" is all there is to know. keepup's supervisor resets the
 * record before the status names a new pid, so a record naming another pid means "not yet".
 */
export function readinessOf(dir: string, pid: number): boolean | undefined {
  const record = readReadyRecord(dir);
  if (record === undefined && !existsSync(join(dir, READY_RECORD_FILE)) && readNotificationFd(dir) === undefined) return undefined;
  return pid !== 0 && record?.pid === pid;
}

/** `notification-fd`'s number: a decimal from 3 to 65535 (0–2 are stdio, refused as s6 does); undefined for anything else. */
export function parseNotificationFd(text: string): number | undefined {
  const match = /^\s*([0-9]{1,5})\s*$/.exec(text);
  const fd = match ? Number(match[1]) : NaN;
  return fd >= 3 && fd <= 65535 ? fd : undefined;
}

function readNotificationFd(dir: string): number | undefined {
  try {
    return parseNotificationFd(readFileSync(join(dir, NOTIFICATION_FD_FILE), 'latin1').slice(0, 64));
  } catch {
    return undefined;
  }
}
