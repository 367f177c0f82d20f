import type {LimitName, Limits, LimitValue, ServiceSpec} from '../config/watchdog-config.js';
import type {Account} from '../chainload/account.js';
import type {EnvChange, EnvDirOptions} from '../chainload/envdir.js';
import {RLIM_INFINITY, type ResourceLimit, type ResourceName, type SpawnSettings} from '../supervisor/child.js';
import {openFilesLimit, type OpenFileLimit} from '../limits/open-files.js';
import {trustedUids} from '../security/ownership.js';

/**
 * How the supervisor starts a generated service: the daemon's `user`, `env`, `envdir` and
 * `limits` become spawn settings, worked out again at every start (an env dir is read afresh, as
 * `envdir` in a run script would). All of it is applied in the forked child itself (setrlimit,
 * then setgroups/setgid/setuid, then execve of `./run`): no helper process runs, so the
 * service's environment is never the environment of a root process when it runs as a `user`.
 */

/** The setrlimit resource of each limit. */
export const LIMIT_RESOURCES: Readonly<Record<LimitName, ResourceName>> = {
  openFiles: 'RLIMIT_NOFILE',
  processes: 'RLIMIT_NPROC',
  memory: 'RLIMIT_AS',
  data: 'RLIMIT_DATA',
  stack: 'RLIMIT_STACK',
  core: 'RLIMIT_CORE',
  cpu: 'RLIMIT_CPU',
  fileSize: 'RLIMIT_FSIZE',
};

/**
 * The limits of a service: each configured limit sets soft and hard alike (as systemd's LimitX=
 * does); open files default to `nofile`, the scanner's reset of Node's raised limit.
 */
export function serviceLimits(limits: Limits, nofile: OpenFileLimit | undefined): ResourceLimit[] {
  const value = (limit: LimitValue) => (limit === 'unlimited' ? RLIM_INFINITY : BigInt(limit));
  const out: ResourceLimit[] = [];
  if (limits.openFiles === undefined && nofile) out.push(openFilesLimit(nofile));
  for (const [name, resource] of Object.entries(LIMIT_RESOURCES) as Array<[LimitName, ResourceName]>) {
    const limit = limits[name];
    if (limit !== undefined) out.push({resource, soft: value(limit), hard: value(limit)});
  }
  return out;
}

export interface SpawnContext {
  /** The scanner's open-file reset for every service. */
  readonly nofile: OpenFileLimit | undefined;
  readonly lookupAccount: (name: string) => Account | 'unknown';
  /**
   * An env dir's variables, set or removed (value undefined), in order, by daemontools' rules
   * (chainload/envdir); called with the trust options (whose directory and files to accept,
   * nothing that could block).
   */
  readonly readEnvDir: (dir: string, options?: EnvDirOptions) => readonly EnvChange[];
  /** Whose env dirs to trust. Default: root, and this process's uid. */
  readonly uids?: readonly number[];
  /** The environment services start from. */
  readonly env: NodeJS.ProcessEnv;
}

/** Settings for one start of a service; throws an Error whose message says what is wrong. */
export function serviceSpawnSettings(spec: ServiceSpec | undefined, context: SpawnContext): SpawnSettings {
  const limits = serviceLimits(spec?.limits ?? {}, context.nofile);
  if (!spec) return limits.length > 0 ? {limits} : {};
  let env: NodeJS.ProcessEnv | undefined;
  if (spec.envdir !== undefined) {
    env = {...context.env};
    const uids = context.uids ?? trustedUids(process.getuid?.() ?? 0);
    for (const change of context.readEnvDir(spec.envdir, {trusted: uids})) {
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
    ...(limits.length > 0 ? {limits} : {}),
    ...(env ? {env} : {}),
    ...(Object.keys(spec.env).length > 0 ? {extraEnv: spec.env} : {}),
    ...credentials,
  };
}
