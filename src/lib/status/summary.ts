import {statSync} from 'node:fs';
import {join} from 'node:path';
import {errorText} from '../cli/errno-text.js';
import {probeSupervisor} from '../control/client.js';
import {DOWN_FILE} from '../service-dir/layout.js';
import {assertDirectory} from '../sys/directory.js';
import type {StatusRecord, Want} from './codec.js';
import {readStatus} from './file.js';
import {secondsSince} from './stamp.js';
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
  return statusPhrases({pid: record.pid, seconds: secondsSince(record, nowMs), normallyUp, paused: record.paused, want: record.want}).join(', ');
}

/** What svstat's phrases are made of. */
export interface StatusFacts {
  /** 0 = no child (down). */
  readonly pid: number;
  /** In the current state. */
  readonly seconds: bigint | number;
  /** No `down` file. */
  readonly normallyUp: boolean;
  readonly paused: boolean;
  readonly want: Want;
}

/** svstat's phrases, in its order, to be joined by `, `: `up (pid P) S seconds`, `normally down`, `paused`, `want down`, … Pure. */
export function statusPhrases(facts: StatusFacts): string[] {
  const up = facts.pid !== 0;
  const phrases = [stateWords(facts.pid, facts.seconds)];
  if (up && !facts.normallyUp) phrases.push('normally down');
  if (!up && facts.normallyUp) phrases.push('normally up');
  if (up && facts.paused) phrases.push('paused');
  if (!up && facts.want === 'up') phrases.push('want up');
  if (up && facts.want === 'down') phrases.push('want down');
  return phrases;
}

/** svstat's first words: `up (pid P) S seconds`, or `down S seconds` when `pid` is 0. */
export function stateWords(pid: number, seconds: bigint | number): string {
  return pid !== 0 ? `up (pid ${pid}) ${seconds} seconds` : `down ${seconds} seconds`;
}
