import {statSync} from 'node:fs';
import {join} from 'node:path';
import {errorText} from '../cli/errno-text.js';
import {probeSupervisor, readStatus} from '../control/client.js';
import {DOWN_FILE} from '../control/paths.js';
import {assertDirectory} from '../sys/directory.js';
import * as tai64n from '../tai64n/codec.js';
import type {StatusRecord} from './codec.js';
import {isErrno} from '../sys/errno.js';

/**
 * svstat's line for one directory, without the leading `DIR: ` (daemontools 0.76 wording):
 * `up (pid 9344) 1 seconds`, `down 7 seconds, normally up, want up`, `supervise not running`,
 * `unable to open supervise/ok: file does not exist`, …
 * `nowMs` is the current unix time in ms (only whole seconds count, as time(NULL)).
 */
export function summarize(dir: string, nowMs: number): string {
  try {
    assertDirectory(dir);
  } catch (error) {
    return `unable to chdir: ${errorText(error)}`;
  }
  let normallyUp: boolean;
  try {
    statSync(join(dir, DOWN_FILE));
    normallyUp = false;
  } catch (error) {
    if (!isErrno(error, 'ENOENT')) return `unable to stat down: ${errorText(error)}`;
    normallyUp = true;
  }
  try {
    const probe = probeSupervisor(dir);
    if (probe === 'not-running') return 'supervise not running';
    if (probe === 'missing') return `unable to open supervise/ok: ${errorText({code: 'ENOENT'})}`;
  } catch (error) {
    return `unable to open supervise/ok: ${errorText(error)}`;
  }
  let record: StatusRecord | 'bad-format';
  try {
    record = readStatus(dir);
  } catch (error) {
    const verb = isErrno(error) && error.syscall === 'read' ? 'read' : 'open';
    return `unable to ${verb} supervise/status: ${errorText(error)}`;
  }
  if (record === 'bad-format') return 'unable to read supervise/status: bad format';
  return formatRecord(record, normallyUp, nowMs);
}

/** The `up (pid P) S seconds[, …]` / `down S seconds[, …]` part. Pure. */
export function formatRecord(record: StatusRecord, normallyUp: boolean, nowMs: number): string {
  const elapsed = BigInt(Math.floor(nowMs / 1000)) - tai64n.toUnixSeconds(record.stamp);
  const seconds = elapsed < 0n ? 0n : elapsed;
  const up = record.pid !== 0;
  let line = up ? `up (pid ${record.pid}) ${seconds} seconds` : `down ${seconds} seconds`;
  if (up && !normallyUp) line += ', normally down';
  if (!up && normallyUp) line += ', normally up';
  if (up && record.paused) line += ', paused';
  if (!up && record.want === 'up') line += ', want up';
  if (up && record.want === 'down') line += ', want down';
  return line;
}
