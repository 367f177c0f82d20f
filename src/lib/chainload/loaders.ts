import {FatalError, SysError, UsageError} from '../cli/errors.js';
import {EXIT_TEMPORARY} from '../cli/exit-codes.js';
import {errnoText} from '../cli/errno-text.js';
import {getopt} from '../cli/getopt.js';
import {usageAfter} from '../cli/run-main.js';
import type {ProcessCalls} from '../sys/native.js';
import {lookupAccount} from './account.js';
import {dropPrivileges} from './credentials.js';
import {applyEnvChanges, readEnvDir} from './envdir.js';
import {withVariable, type Environment, type LimitTriples} from './pathexec.js';
import {SETLOCK_SPEC, acquireLock, setlockFlags} from './setlock.js';
import {SOFTLIMIT_SPEC, limitChanges, limitTriples} from './softlimit.js';

/**
 * What a chain-loader works on: the environment it was given (its own, whose PATH finds its
 * program, as daemontools' pathexec_run does) and the soft limits to set when the final program
 * is exec'd (softlimit's, set after every allocation).
 */
export interface LoaderState {
  env: Environment;
  readonly limits: LimitTriples;
}

/** What a loader decided: run `argv` with `env` (and the state's limits), or exit with `code` (setlock -x). */
export type LoaderOutcome = {argv: string[]; env: Environment} | {code: number};

/** One chain-loader's change to this process: it throws the KeepupErrors its daemontools namesake prints. */
export type Loader = (args: string[], state: LoaderState, calls: ProcessCalls) => LoaderOutcome;

const SOFTLIMIT_USAGE =
  'softlimit [-a allbytes] [-c corebytes] [-d databytes] [-f filebytes] [-l lockbytes] [-m membytes] [-o openfiles] [-p processes] [-r residentbytes] [-s stackbytes] [-t cpusecs] child';
const SETLOCK_USAGE = 'setlock [ -nNxX ] file program [ arg ... ]';

function account(name: string) {
  const found = lookupAccount(name);
  if (found === 'unknown') throw new FatalError(`unknown account ${name}`);
  return found;
}

/** The chain-loaders that only change this process and exec (fghack stays resident: not one of them). */
export const LOADERS = {
  // setuidgid ACCOUNT CHILD...: ACCOUNT's uid and gid (supplementary groups: just that gid), environment untouched.
  setuidgid(args, state) {
    const [name, ...child] = args;
    if (name === undefined || child.length === 0) throw new UsageError('setuidgid account child');
    dropPrivileges(account(name));
    return {argv: child, env: state.env};
  },
  // envuidgid ACCOUNT CHILD...: $UID and $GID set to ACCOUNT's, for programs that drop privileges themselves.
  envuidgid(args, state) {
    const [name, ...child] = args;
    if (name === undefined || child.length === 0) throw new UsageError('envuidgid account child');
    const found = account(name);
    return {argv: child, env: withVariable(withVariable(state.env, 'GID', String(found.gid)), 'UID', String(found.uid))};
  },
  // envdir DIR CHILD...: one variable per file in DIR. A usage error exits 111, as daemontools' envdir (its rts.tests says so).
  envdir(args, state) {
    const [dir, ...child] = args;
    if (dir === undefined || child.length === 0) throw new UsageError('envdir dir child', {exitCode: EXIT_TEMPORARY});
    return {argv: child, env: applyEnvChanges(state.env, readEnvDir(dir))};
  },
  // softlimit [-acdflmoprst N|=]... CHILD...: lower soft limits (above the hard limit: the hard one; `=`: the hard one).
  softlimit(args, state, calls) {
    let parsed;
    try {
      parsed = getopt('softlimit', args, SOFTLIMIT_SPEC);
    } catch (error) {
      usageAfter(error, SOFTLIMIT_USAGE);
    }
    const changes = limitChanges(parsed.options);
    if (changes === undefined || parsed.operands.length === 0) throw new UsageError(SOFTLIMIT_USAGE);
    state.limits.push(...limitTriples(calls, changes));
    return {argv: parsed.operands, env: state.env};
  },
  // setlock [-nNxX] FILE PROGRAM...: an exclusive flock on FILE through an inherited fd, held as long as PROGRAM and its heirs.
  setlock(args, state, calls) {
    let parsed;
    try {
      parsed = getopt('setlock', args, SETLOCK_SPEC);
    } catch (error) {
      usageAfter(error, SETLOCK_USAGE);
    }
    const [file, ...program] = parsed.operands;
    if (file === undefined || program.length === 0) throw new UsageError(SETLOCK_USAGE);
    const flags = setlockFlags(parsed.options);
    let fd;
    try {
      fd = acquireLock(file, flags);
    } catch (error) {
      if (flags.quiet && error instanceof SysError) return {code: 0};
      throw error;
    }
    calls.setCloexec(fd, false);
    return {argv: program, env: state.env};
  },
  // pgrphack CHILD...: a new session and process group (a failure, as for a group leader, is ignored as daemontools does).
  pgrphack(args, state, calls) {
    if (args.length === 0) throw new UsageError('pgrphack child');
    calls.setsid();
    return {argv: args, env: state.env};
  },
} satisfies Record<string, Loader>;

export type LoaderName = keyof typeof LOADERS;

export function isLoaderName(name: string): name is LoaderName {
  return Object.hasOwn(LOADERS, name);
}

/** The fatal error of a failed final exec, worded as the loader that tried it. */
export function execFailure(program: string, failure: {step: 'run' | 'setrlimit'; code: string}): FatalError {
  if (failure.step === 'setrlimit') return new FatalError(`setrlimit failed: ${errnoText(failure.code)}`);
  return new SysError(`run ${program}`, failure);
}
