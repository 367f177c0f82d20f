/**
 * What the /bin/sh launcher of some commands hands over (see scripts/build.mjs) besides the
 * open-files limit (limits/open-files.ts owns that one): the caller's PWD (empty when it had
 * none), saved before /bin/sh exported its own. Commands that start other programs restore it
 * so those programs see what the caller gave, as with daemontools.
 */
export const PWD_VARIABLE = 'KEEPUP_PWD';

/**
 * Takes the launcher's PWD out of `env`; when `launched` (the command did start through the
 * launcher) it becomes PWD again, removed when the caller had none.
 */
export function restoreCallerPwd(env: NodeJS.ProcessEnv, launched: boolean): void {
  if (launched) {
    const pwd = env[PWD_VARIABLE];
    if (pwd === undefined || pwd === '') delete env.PWD;
    else env.PWD = pwd;
  }
  delete env[PWD_VARIABLE];
}
