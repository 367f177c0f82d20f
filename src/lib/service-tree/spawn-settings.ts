import type {LimitName, Limits, LimitValue, ServiceSpec} from '../config/watchdog-config.js';
import type {Account} from '../chainload/account.js';
import type {EnvChange} from '../chainload/envdir.js';
import type {OpenFileLimit} from '../sys/open-file-limit.js';
import type {SpawnSettings} from '../supervisor/child.js';

/**
 * How the supervisor starts a generated service: the daemon's `user`, `env`, `envdir` and
 * `limits` become spawn settings, worked out again at every start (an env dir is read afresh, as
 * `envdir` in a run script would). Nothing stays resident: credentials through setpriv, limits
 * through one `prlimit … --` that execs `./run`.
 */

/** prlimit's option for each limit. */
export const PRLIMIT_OPTIONS: Readonly<Record<LimitName, string>> = {
  openFiles: 'nofile',
  processes: 'nproc',
  memory: 'as',
  data: 'data',
  stack: 'stack',
  core: 'core',
  cpu: 'cpu',
  fileSize: 'fsize',
};

/**
 * The one prlimit prefix for a service: each configured limit sets soft and hard alike (as
 * systemd's LimitX= does); open files default to `nofile`, the scanner's reset of Node's raised
 * limit. Empty when there is nothing to set.
 */
export function limitsPrefix(limits: Limits, nofile: OpenFileLimit | undefined): string[] {
  const text = (value: LimitValue | number) => (value === 'unlimited' || value === Infinity ? 'unlimited' : String(value));
  const options: string[] = [];
  if (limits.openFiles === undefined && nofile) options.push(`--nofile=${text(nofile.soft)}:${text(nofile.hard)}`);
  for (const [name, option] of Object.entries(PRLIMIT_OPTIONS) as Array<[LimitName, string]>) {
    const value = limits[name];
    if (value !== undefined) options.push(`--${option}=${text(value)}:${text(value)}`);
  }
  return options.length > 0 ? ['prlimit', ...options, '--'] : [];
}

export interface SpawnContext {
  /** The scanner's open-file reset for every service. */
  readonly nofile: OpenFileLimit | undefined;
  readonly lookupAccount: (name: string) => Account | 'unknown';
  /** An env dir's variables, set or removed (value undefined), in order, by daemontools' rules (chainload/envdir). */
  readonly readEnvDir: (dir: string) => readonly EnvChange[];
  /** The environment services start from. */
  readonly env: NodeJS.ProcessEnv;
}

/** Settings for one start of a service; throws an Error whose message says what is wrong. */
export function serviceSpawnSettings(spec: ServiceSpec | undefined, context: SpawnContext): SpawnSettings {
  const prefix = limitsPrefix(spec?.limits ?? {}, context.nofile);
  if (!spec) return prefix.length > 0 ? {prefix} : {};
  let env: NodeJS.ProcessEnv | undefined;
  if (spec.envdir !== undefined) {
    env = {...context.env};
    for (const change of context.readEnvDir(spec.envdir)) {
      if (change.value === undefined) delete env[change.name];
      else env[change.name] = change.value.toString('utf8');
    }
  }
  let credentials: Pick<SpawnSettings, 'uid' | 'gid' | 'groups'> = {};
  if (spec.user !== undefined) {
    const account = context.lookupAccount(spec.user);
    if (account === 'unknown') throw new Error(`unknown account ${spec.user}`);
    // As setuidgid: the account's uid and gid, and its gid as the only supplementary group.
    credentials = {uid: account.uid, gid: account.gid, groups: [account.gid]};
  }
  return {
    ...(prefix.length > 0 ? {prefix} : {}),
    ...(env ? {env} : {}),
    ...(Object.keys(spec.env).length > 0 ? {extraEnv: spec.env} : {}),
    ...credentials,
  };
}
