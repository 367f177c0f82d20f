import {userInfo} from 'node:os';

/**
 * The environment start scripts and diagnostics get: what cron gives a job, not keepup's own
 * (README, "What a restart does"). PATH has the sbin directories, since init scripts call
 * start-stop-daemon, ip, sysctl and the like.
 */
export const SCRIPT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface ScriptReason {
  daemon: string;
  /** Why it runs: `not running`, `start script killed after N s`. */
  reason: string;
}

export function scriptEnvironment(why: ScriptReason, account: {username: string; homedir: string} = userInfo()): Record<string, string> {
  return {
    PATH: SCRIPT_PATH,
    HOME: account.homedir,
    LOGNAME: account.username,
    SHELL: '/bin/sh',
    KEEPUP_DAEMON: why.daemon,
    KEEPUP_REASON: why.reason,
  };
}
