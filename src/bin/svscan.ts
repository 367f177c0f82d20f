// svscan [-k] [DIR]: supervises every service directory of DIR in this one process.
// SIGTERM/SIGINT take every service down (loggers last) and exit 0, as runit and s6 do; with -k
// they leave every service running, as daemontools does, for the next svscan to adopt.
// SIGHUP and SIGALRM rescan at once.
import {SysError, UsageError} from '../lib/cli/errors.js';
import {fatalLine, stderrReporter, writeStderr} from '../lib/cli/messages.js';
import {runMain} from '../lib/cli/run-main.js';
import {serviceCapacity} from '../lib/scanner/capacity.js';
import {readOpenFileLimit, serviceLimitsFromStartup} from '../lib/limits/open-files.js';
import {commonLogScript} from '../lib/scanner/log-run.js';
import {Scanner} from '../lib/scanner/scanner.js';
import type {AccountLogScript} from '../lib/scanner/in-process-log.js';
import {lookupAccount} from '../lib/chainload/account.js';
import {fsPath} from '../lib/sys/byte-names.js';
import {join} from 'node:path';
import {guardInspectorSignal} from '../lib/sys/signals.js';

/**
 * What svscan runs in its own process for `log/run`: multilog's arguments, and for
 * `setuidgid USER multilog …` the account as setuidgid gives it (USER's uid and gid, groups just
 * that gid). Undefined (the script runs as a process, so the real setuidgid says what is wrong)
 * when USER cannot be looked up, or when this process is not root: only root can become USER.
 */
function inProcessLogScript(path: string | Buffer): readonly string[] | AccountLogScript | undefined {
  const script = commonLogScript(path);
  if (!script) return undefined;
  if (script.user === undefined) return script.args;
  if (process.geteuid?.() !== 0) return undefined;
  let account;
  try {
    account = lookupAccount(script.user);
  } catch {
    return undefined;
  }
  if (account === 'unknown') return undefined;
  return {args: script.args, account: {uid: account.uid, gid: account.gid, groups: [account.gid]}};
}

guardInspectorSignal();
void runMain('svscan', async (args) => {
  const keep = args[0] === '-k';
  const dir = keep ? args[1] : args[0];
  if (args[0]?.startsWith('-') && !keep) throw new UsageError('svscan [ -k ] [ dir ]');
  if (dir !== undefined) {
    try {
      process.chdir(dir);
    } catch (error) {
      throw new SysError(`chdir to ${dir}`, error);
    }
  }
  const reporter = stderrReporter('svscan');
  const own = readOpenFileLimit();
  const limits = serviceLimitsFromStartup();
  if (own && serviceCapacity(own) < 100) reporter.warn(`open-file limit ${own.soft} allows only about ${serviceCapacity(own)} services`);
  const scanner = new Scanner({
    dir: '.',
    reporter,
    supervisorReporter: {...stderrReporter('supervise'), childFatal: (message) => writeStderr(fatalLine('supervise', message))},
    spawnSettings: () => ({limits}),
    // A `log/run` that only execs multilog (or `setuidgid USER multilog`) is run in this process, as keepup supervise runs its loggers.
    logScript: (entry) => inProcessLogScript(fsPath(join(entry.name, 'log', 'run'))),
  });
  const stopped = new Promise<void>((resolve) => {
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      void scanner.stop(keep ? 'leave' : 'down').then(resolve);
    };
    process.on('SIGTERM', stop).on('SIGINT', stop);
  });
  const rescan = () => void scanner.scan();
  process.on('SIGHUP', rescan).on('SIGALRM', rescan);
  await scanner.start();
  await stopped;
  return 0;
});
