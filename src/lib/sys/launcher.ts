/**
 * What the /bin/sh launcher of some commands hands over (see scripts/build.mjs): the open-files
 * soft limit the command was started with, before Node raised it to the hard limit and forgot
 * the old value, and the caller's PWD (empty when it had none), before /bin/sh exported its own.
 * Commands that start other programs (the chain-loaders, supervise, svscan) use it so those
 * programs get what the caller gave, as with daemontools.
 */
export const NOFILE_VARIABLE = 'KEEPUP_NOFILE';
export const PWD_VARIABLE = 'KEEPUP_PWD';

/**
 * Takes the launcher's variables out of `env` (restoring the caller's PWD) and returns the
 * open-files soft limit the command was started with: a number, 'unlimited', or undefined when
 * it was not started through the launcher (e.g. `node dist/bin/X.js`) or the value is garbage.
 */
export function takeLauncherEnvironment(env: NodeJS.ProcessEnv = process.env): bigint | 'unlimited' | undefined {
  const started = env[NOFILE_VARIABLE];
  if (started !== undefined) {
    const pwd = env[PWD_VARIABLE];
    if (pwd === undefined || pwd === '') delete env.PWD;
    else env.PWD = pwd;
  }
  delete env[NOFILE_VARIABLE];
  delete env[PWD_VARIABLE];
  if (started === 'unlimited') return 'unlimited';
  return started !== undefined && /^[0-9]{1,20}$/.test(started) ? BigInt(started) : undefined;
}
