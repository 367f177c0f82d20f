// svscanboot [DIR]: what init runs at boot (Debian's variant; DIR defaults to /etc/service).
// Tells leftover supervisors to stop (svc -dx), then runs `svscan DIR 2>&1 | readproctitle
// service errors: ....` with stdin, stdout and stderr on /dev/null, and waits. SIGTERM is
// passed on to svscan, which takes the services down (daemontools' sh would just die).
import {spawn} from 'node:child_process';
import {once} from 'node:events';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {runMain} from '../lib/cli/run-main.js';
import {stopLeftovers} from '../lib/boot/leftovers.js';
import {guardInspectorSignal} from '../lib/sys/signals.js';

const here = dirname(fileURLToPath(import.meta.url));
// keepup's commands by their names first (dist/commands, made by the build: run scripts find
// keepup's svc, setuidgid, … there), then node's own directory (the launchers run `node`), then the usual.
const PATH = `${join(dirname(here), 'commands')}:${dirname(process.execPath)}:/usr/local/bin:/usr/local/sbin:/bin:/sbin:/usr/bin:/usr/sbin`;

guardInspectorSignal();
void runMain('svscanboot', async (args) => {
  const dir = args[0] ?? '/etc/service';
  stopLeftovers(dir);
  const env = {PATH};
  const title = spawn(process.execPath, [join(here, 'readproctitle.js'), 'service', 'errors:', '.'.repeat(400)], {
    env,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  // Through its launcher, so the services get the open-files limit svscanboot was given.
  const scan = spawn(join(here, 'svscan.js'), [dir], {env, stdio: ['ignore', title.stdin, title.stdin]});
  title.stdin.destroy();
  const forward = (signal: NodeJS.Signals) => () => scan.kill(signal);
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGALRM'] as const) process.on(signal, forward(signal));
  const [[code], [titleCode]] = (await Promise.all([once(scan, 'exit'), once(title, 'exit')])) as [[number | null], [number | null]];
  return titleCode ?? code ?? 111;
});
