import type {DaemonRule} from '../config/watchdog-config.js';
import type {CapturedRun} from './captured-run.js';

/**
 * The text of a run's report: for each daemon that was restarted (or should have been),
 * `Restarting NAME` and the time, as the classic cron watchdog printed them, then what its
 * start script did and said, its recent restarts and the diagnostics taken before.
 */
export interface RestartRecord {
  daemon: DaemonRule;
  /** When the restart began (unix ms). */
  time: number;
  /** The argv that was run, when it was. */
  command?: string[];
  /** What happened before this restart (a hung start script killed). */
  note?: string;
  /** Why the script was not run (missing, unsafe). */
  refused?: string;
  run?: CapturedRun;
  diagnostics: Array<{command: string[]; run: CapturedRun}>;
  /** Restarts of this daemon including this one, in the last hour and day. */
  lastHour: number;
  lastDay: number;
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

/** Local time as `2026-11-22 03:10:00 +0100`. */
export function formatTime(ms: number): string {
  const date = new Date(ms);
  const offset = -date.getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())} ${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`
  );
}

export function describeEnding(run: CapturedRun, timeoutMs: number): string {
  switch (run.ending.kind) {
    case 'exited':
      return `exited ${run.ending.code}`;
    case 'killed':
      return `killed by ${run.ending.signal}`;
    case 'running':
      return `still running after ${Math.round(timeoutMs / 100) / 10} s (pid ${run.pid}); output collected until then`;
    case 'failed':
      return `could not be started: ${run.ending.error.code ?? run.ending.error.message}`;
  }
}

function indented(text: string, truncated: boolean): string {
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  const lines = body === '' ? ['(no output)'] : body.split('\n');
  if (truncated) lines.push('[output truncated]');
  return lines.map((line) => `    ${line}\n`).join('');
}

function times(count: number): string {
  return count === 1 ? 'once' : `${count} times`;
}

export function formatRecord(record: RestartRecord, timeoutMs: number): string {
  let text = `Restarting ${record.daemon.name}\n${formatTime(record.time)}\n`;
  if (record.note !== undefined) text += `  ${record.note}\n`;
  if (record.refused !== undefined) {
    text += `  not restarted: ${record.refused}\n`;
  } else if (record.run && record.command) {
    text += `  script: ${record.command.join(' ')}\n`;
    text += `  status: ${describeEnding(record.run, timeoutMs)}\n`;
    text += `  output:\n${indented(record.run.output, record.run.truncated)}`;
  }
  if (record.lastHour > 1 || record.lastDay > 1) {
    text += `  restarted ${times(record.lastHour)} in the last hour, ${times(record.lastDay)} in the last day\n`;
  }
  for (const diagnostic of record.diagnostics) {
    text += `  diagnostic: ${diagnostic.command.join(' ')} (${describeEnding(diagnostic.run, timeoutMs)})\n`;
    text += indented(diagnostic.run.output, diagnostic.run.truncated);
  }
  return text;
}

export function formatReport(records: readonly RestartRecord[], timeoutMs: number): string {
  return records.map((record) => formatRecord(record, timeoutMs)).join('\n');
}

/** Whether the record's start script ran (it may still be running); a refused or unstartable one did not restart the daemon. */
export function wasRestarted(record: RestartRecord): boolean {
  return record.refused === undefined && record.run !== undefined && record.run.ending.kind !== 'failed';
}

function nameList(names: readonly string[]): string {
  return names.length > 5 ? `${names.slice(0, 5).join(', ')} and ${names.length - 5} more` : names.join(', ');
}

/** `keepup on HOST: restarted a, b; could not restart c: no start script` — only what happened. */
export function formatSubject(records: readonly RestartRecord[], host: string): string {
  const restarted = records.filter(wasRestarted).map((record) => record.daemon.name);
  const failed = records.filter((record) => !wasRestarted(record));
  const parts: string[] = [];
  if (restarted.length > 0) parts.push(`restarted ${nameList(restarted)}`);
  if (failed.length === 1) parts.push(`could not restart ${failed[0]!.daemon.name}: ${failureReason(failed[0]!)}`);
  else if (failed.length > 1) parts.push(`could not restart ${nameList(failed.map((record) => record.daemon.name))}`);
  return `keepup on ${host}: ${parts.join('; ')}`;
}

/** Why a start script did not run, in a few words for a subject line. */
function failureReason(record: RestartRecord): string {
  if (record.refused !== undefined)
    return /^unable to find start script/.test(record.refused) ? 'no start script' : /^unable to find startDir/.test(record.refused) ? 'no startDir' : 'start script refused';
  if (record.run?.ending.kind === 'failed') return `start script failed: ${record.run.ending.error.code ?? record.run.ending.error.message}`;
  return 'unknown';
}
