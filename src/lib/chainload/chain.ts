import {accessSync, constants, realpathSync, statSync} from 'node:fs';
import {basename, dirname, join} from 'node:path';
import {runMain} from '../cli/run-main.js';
import {isErrno} from '../sys/errno.js';
import {packageRoot} from '../sys/package-root.js';
import type {ProcessCalls} from '../sys/native.js';
import {execFailure, isLoaderName, LOADERS, type LoaderName, type LoaderState} from './loaders.js';
import {chainloadCalls} from './node-startup.js';
import {execCandidates, pathexec, type Environment} from './pathexec.js';

/**
 * Runs chain-loader `first` on `args`, and every keepup chain-loader it leads to, in this one
 * process (issue 16: a chain of N loaders cost N Node start-ups). When a loader's program is
 * one of keepup's own loaders (pathexec_run would execute one of this package's loader
 * bundles, see ownLoader), that loader is applied here instead, with the environment the exec
 * would have given it and its own name in its messages and exit code; the final program is
 * exec'd once, with every softlimit of the chain set in that exec. Anything else is exec'd
 * exactly as a single loader does, so daemontools' own loaders, scripts and wrappers on PATH
 * run as processes as before.
 */
export async function runChain(first: LoaderName, args: string[] = process.argv.slice(2)): Promise<void> {
  let calls: ProcessCalls | undefined;
  let state: LoaderState | undefined;
  let stage: {name: LoaderName; args: string[]} | undefined = {name: first, args};
  while (stage !== undefined) {
    const {name, args: stageArgs} = stage;
    stage = undefined;
    await runMain(
      name,
      () => {
        calls ??= chainloadCalls();
        state ??= {env: calls.environ(), limits: []};
        const outcome = LOADERS[name](stageArgs, state, calls);
        if ('code' in outcome) return outcome.code;
        const next = ownLoader(outcome.argv[0]!, state.env);
        if (next !== undefined) {
          stage = {name: next, args: outcome.argv.slice(1)};
          state.env = outcome.env;
          return 0;
        }
        throw execFailure(outcome.argv[0]!, pathexec(calls, outcome.argv, outcome.env, state.limits, state.env));
      },
      stageArgs,
    );
  }
}

let bundles: {bin: string; commands: string} | null | undefined;

/**
 * The keepup loader pathexec_run would execute for FILE searched with `env`'s PATH, or
 * undefined. Recognised exactly and conservatively: every earlier candidate does not exist
 * (execve would go on past it with ENOENT), and this one is executable and, symlinks resolved,
 * is this package's dist/bin/NAME.js or dist/commands/NAME (the build's two forms of each
 * command) for a loader NAME. In any other case the exec itself decides, as before.
 */
export function ownLoader(file: string, env: Environment): LoaderName | undefined {
  bundles ??= ownBundleDirectories();
  if (bundles === null) return undefined;
  for (const path of execCandidates(file, env)) {
    let real: string;
    try {
      statSync(path);
      real = realpathSync(path);
    } catch (error) {
      if (isErrno(error, 'ENOENT')) continue;
      return undefined;
    }
    const dir = dirname(real);
    const name = dir === bundles.bin ? basename(real).replace(/\.js$/, '') : dir === bundles.commands ? basename(real) : undefined;
    if (name === undefined || !isLoaderName(name) || (dir === bundles.bin && !real.endsWith('.js'))) return undefined;
    try {
      accessSync(real, constants.X_OK);
    } catch {
      return undefined;
    }
    return statSync(real).isFile() ? name : undefined;
  }
  return undefined;
}

/** Where the build puts this package's commands (see scripts/build.mjs), symlinks resolved; null when not built. */
function ownBundleDirectories(): {bin: string; commands: string} | null {
  try {
    const root = packageRoot();
    return {bin: realpathSync(join(root, 'dist', 'bin')), commands: realpathSync(join(root, 'dist', 'commands'))};
  } catch {
    return null;
  }
}
