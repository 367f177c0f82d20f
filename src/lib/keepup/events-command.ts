import {closeSync, constants, fstatSync, openSync, readSync} from 'node:fs';
import {dirname, join, resolve} from 'node:path';
import {UsageError} from '../cli/errors.js';
import {EXIT_OK} from '../cli/exit-codes.js';
import {parseOptionsAndOperands} from '../cli/long-options.js';
import type {Subcommand} from '../cli/subcommands.js';
import {parseEvent, type KeepupEvent} from '../events/event.js';
import {EVENT_LOG_FILE, EVENT_LOG_ROTATED, readEvents} from '../events/log.js';
import {describeEvent} from '../notify/message.js';
import {trustedUids} from '../security/ownership.js';
import {isErrno} from '../sys/errno.js';
import {loadCheckedConfig} from '../watchdog/load-config.js';
import {configPath, type KeepupContext} from './context.js';

const SYNOPSIS = '[NAME] [--config FILE] [--dir DIR] [--follow] [--json] [--limit N]';
/** How often `--follow` looks for new lines. */
export const FOLLOW_POLL_MS = 500;

/**
 * `keepup events [NAME]`: the event log, oldest first (one line per event, or the JSON lines
 * themselves with `--json`), from the config's stateDir, or from DIR's `events` with `--dir`
 * (a plain svscan tree: `--dir /service/NAME/supervise`). `--follow` then prints new events as
 * they come, until SIGINT or SIGTERM, across a rotation of the log.
 */
export const eventsCommand: Subcommand<KeepupContext> = {
  synopsis: SYNOPSIS,
  summary: 'show the event log (started, exited, restarting, gave-up, recovered, stopped, …), of one daemon or all',
  async run(args, context) {
    const usage = `keepup events ${SYNOPSIS}`;
    const {values, operands} = parseOptionsAndOperands('keepup', args, {config: 'value', dir: 'value', follow: 'flag', json: 'flag', limit: 'value', help: 'flag'}, usage, 1);
    const name = operands[0];
    const limitText = values.get('limit');
    const limit = typeof limitText === 'string' ? Number(limitText) : undefined;
    if (limit !== undefined && !(Number.isSafeInteger(limit) && limit >= 0)) {
      throw new UsageError(usage, {preface: [`keepup: --limit must be a whole number -- ${limitText}\n`]});
    }
    const dirValue = values.get('dir');
    let dir: string;
    if (typeof dirValue === 'string') dir = resolve(context.cwd, dirValue);
    else {
      const uids = trustedUids(context.uid);
      dir = loadCheckedConfig(configPath(values, context.cwd), {uid: context.uid, uids, env: context.env}).config.stateDir;
    }
    const json = values.has('json');
    const show = (event: KeepupEvent) => context.out(json ? `${JSON.stringify(event)}\n` : `${event.service} ${describeEvent(event)}\n`);
    const filter = {...(name !== undefined ? {service: name} : {}), ...(limit !== undefined ? {limit} : {})};
    for (const event of readEvents(dir, filter)) show(event);
    if (!values.has('follow')) return EXIT_OK;
    await follow(join(dir, EVENT_LOG_FILE), context, (event) => {
      if (name === undefined || event.service === name) show(event);
    });
    return EXIT_OK;
  },
};

/** Prints what is appended to `path` from its current end on, until SIGINT or SIGTERM; a rotated log is followed to the new file. */
async function follow(path: string, context: KeepupContext, onEvent: (event: KeepupEvent) => void): Promise<void> {
  let position = fileSize(path);
  let identity = fileIdentity(path);
  let partial = '';
  let stop = () => {};
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  context.signals.once('SIGINT', stop);
  context.signals.once('SIGTERM', stop);
  let done = false;
  void stopped.then(() => (done = true));
  while (!done) {
    const now = fileIdentity(path);
    if (now !== identity) {
      // Rotated (or created): what was appended to the old file since the last look is in the
      // rotated file now; that rest is shown first, then the new file from its start.
      const rotated = join(dirname(path), EVENT_LOG_ROTATED);
      if (identity !== undefined && fileIdentity(rotated) === identity) partial = emitLines(partial + readFrom(rotated, position).text, onEvent);
      if (partial !== '') emitLines(`${partial}\n`, onEvent);
      identity = now;
      position = 0;
      partial = '';
    }
    const {text, end} = readFrom(path, position);
    position = end;
    partial = emitLines(partial + text, onEvent);
    await Promise.race([context.time.sleep(FOLLOW_POLL_MS), stopped]);
  }
  context.signals.off('SIGINT', stop);
  context.signals.off('SIGTERM', stop);
}

/** Shows each whole line of `text` that is an event; returns the unfinished last line. */
function emitLines(text: string, onEvent: (event: KeepupEvent) => void): string {
  const lines = text.split('\n');
  const rest = lines.pop() ?? '';
  for (const line of lines) {
    const event = parseEvent(line);
    if (event) onEvent(event);
  }
  return rest;
}

function fileIdentity(path: string): string | undefined {
  try {
    const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      const stats = fstatSync(fd);
      return `${stats.dev}:${stats.ino}`;
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined;
    throw error;
  }
}

function fileSize(path: string): number {
  try {
    const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      return fstatSync(fd).size;
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return 0;
    throw error;
  }
}

function readFrom(path: string, position: number): {text: string; end: number} {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return {text: '', end: 0};
    throw error;
  }
  try {
    const size = fstatSync(fd).size;
    if (size <= position) return {text: '', end: Math.min(position, size)};
    const buffer = Buffer.alloc(size - position);
    const read = readSync(fd, buffer, 0, buffer.length, position);
    return {text: buffer.subarray(0, read).toString('utf8'), end: position + read};
  } finally {
    closeSync(fd);
  }
}
