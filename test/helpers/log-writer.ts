import type {Reporter} from '../../src/lib/cli/messages.js';
import {parseScript} from '../../src/lib/log-writer/script.js';
import {LogWriter, type LogWriterOptions} from '../../src/lib/log-writer/writer.js';
import {systemTime} from '../../src/lib/time/time.js';

/** A reporter that keeps the warnings for assertions. */
export function recordingReporter(): Reporter & {warnings: string[]} {
  const warnings: string[] = [];
  return {warnings, warn: (message) => warnings.push(message)};
}

/** A clock that advances one second per reading, from a fixed start. */
export function steppingClock(startMs = 1_700_000_000_000) {
  let now = startMs;
  return {now: () => (now += 1000)};
}

/**
 * Opens a LogWriter on `args` in `cwd` with recorded warnings and `e` output, a stepping clock
 * and pauses that only count (unless `sleep` is given).
 */
export async function openTestWriter(cwd: string, args: string[], options: Partial<LogWriterOptions> & {sleep?: (ms: number) => Promise<void>} = {}) {
  const {sleep, ...rest} = options;
  const reporter = recordingReporter();
  const stderr: string[] = [];
  const pauses = {count: 0};
  const writer = await LogWriter.open(parseScript(args), {
    cwd,
    reporter,
    time: {
      ...systemTime,
      now: steppingClock().now,
      sleep:
        sleep ??
        (async () => {
          pauses.count++;
        }),
    },
    stderr: (line) => stderr.push(line.toString('latin1')),
    processorStderr: 'ignore',
    ...rest,
  });
  return {writer, warnings: reporter.warnings, stderr, pauses};
}
