// examples/systemd: `systemd-analyze verify` (Debian's systemd) passes on the units as they are
// once installed: ExecStart= naming keepup's commands where the test has them, and the
// Documentation= man pages where man finds them (the generated man/, in section directories).
import test from 'ava';
import {mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {ROOT} from '../helpers/paths.js';
import {run} from '../helpers/processes.js';
import {tmpDir} from '../helpers/tmp.js';

const UNITS = join(ROOT, 'examples', 'systemd');

function installed(t: Parameters<typeof tmpDir>[0]): {dir: string; units: string[]; env: NodeJS.ProcessEnv} {
  const dir = tmpDir(t);
  const units = readdirSync(UNITS).sort();
  for (const unit of units) {
    const text = readFileSync(join(UNITS, unit), 'utf8');
    writeFileSync(join(dir, unit), text.replaceAll('/usr/local/bin/', `${join(ROOT, 'dist', 'commands')}/`));
  }
  const man = join(dir, 'man');
  for (const page of readdirSync(join(ROOT, 'man'))) {
    const section = join(man, `man${page.slice(page.lastIndexOf('.') + 1)}`);
    mkdirSync(section, {recursive: true});
    symlinkSync(join(ROOT, 'man', page), join(section, page));
  }
  return {dir, units, env: {...process.env, MANPATH: `${man}:/usr/share/man`}};
}

const verify = (dir: string, units: string[], env: NodeJS.ProcessEnv) => run('systemd-analyze', ['verify', ...units.map((unit) => join(dir, unit))], {env, timeoutMs: 60_000});

test('the units and the timer verify', async (t) => {
  const {dir, units, env} = installed(t);
  t.deepEqual(units, ['keepup-check.service', 'keepup-check.timer', 'keepup-supervise.service', 'svscanboot.service']);
  const result = await verify(dir, units, env);
  t.deepEqual([result.code, result.stderr], [0, '']);
});

test('verify reports a broken unit (a bad Type=) on stderr, which the test above requires empty', async (t) => {
  const {dir, env} = installed(t);
  const unit = join(dir, 'keepup-supervise.service');
  writeFileSync(unit, readFileSync(unit, 'utf8').replace('Type=notify', 'Type=notifyy'));
  const result = await verify(dir, ['keepup-supervise.service'], env);
  t.regex(result.stderr, /Failed to parse service type, ignoring: notifyy/);
});

test('keepup-supervise.service: readiness by sd_notify, SIGTERM to keepup alone, restarted on failure, output to the journal', (t) => {
  const text = readFileSync(join(UNITS, 'keepup-supervise.service'), 'utf8');
  for (const line of ['Type=notify', 'NotifyAccess=main', 'KillMode=mixed', 'Restart=on-failure', 'StandardOutput=journal', 'TimeoutStopSec=10min'])
    t.true(text.split('\n').includes(line), line);
});
