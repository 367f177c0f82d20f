// supervise refuses a service that someone else could rewrite: as root it would run their code.
// (Deliberate difference: daemontools starts whatever ./run it finds.)
import test from 'ava';
import {chmodSync, chownSync, existsSync, symlinkSync, unlinkSync, writeFileSync} from 'node:fs';
import {attackerDir, startExchanger} from '../helpers/attacker.js';
import {tmpDir} from '../helpers/tmp.js';
import {join} from 'node:path';
import {readStatus} from '../../src/lib/control/client.js';
import {makeService} from '../helpers/service-dir.js';
import {startSupervise, stderrOf, tool, waitForStatus} from '../helpers/supervisors.js';
import {PATIENT, waitFor} from '../helpers/wait-for.js';

const NOBODY = 65534;

const cases: Array<[string, (dir: string) => void, (dir: string) => void, RegExp]> = [
  ['a group-writable run', (dir) => chmodSync(join(dir, 'run'), 0o775), (dir) => chmodSync(join(dir, 'run'), 0o755), /refusing to start s1\/run: it is group-writable\n/],
  ['a run owned by another user', (dir) => chownSync(join(dir, 'run'), NOBODY, NOBODY), (dir) => chownSync(join(dir, 'run'), 0, 0), /refusing to start s1\/run: it is owned by uid 65534, not by uid 0\n/],
  ['a world-writable service directory', (dir) => chmodSync(dir, 0o757), (dir) => chmodSync(dir, 0o755), /refusing to start s1\/run: s1: it is world-writable\n/],
];

for (const [what, spoil, mend, message] of cases) {
  test(`${what} is refused with one clear line, nothing starts, and the fix takes effect at the next try`, async (t) => {
    if (process.getuid?.() !== 0) t.fail('this test needs root (ownership checks against uid 0)');
    const {parent, dir} = makeService(t);
    spoil(dir);
    const supervise = startSupervise(t, 'ours', parent, 's1');
    await waitFor(() => message.test(stderrOf(supervise)), `the refusal: ${message}`, PATIENT);
    t.regex(stderrOf(supervise), /^supervise: warning: refusing to start /m);
    t.like(readStatus(dir), {pid: 0, want: 'up'});
    const svstat = await tool('real', 'svstat', ['s1'], parent);
    t.regex(svstat.stdout, /^s1: down [0-9]+ seconds, normally up, want up\n$/);
    mend(dir);
    await waitForStatus(dir, (record) => record.pid > 0, 'the service to start once mended');
  });
}

test('a run symlink into a directory nobody owns is refused while nobody swaps its target for their own script', async (t) => {
  const {parent, dir} = makeService(t);
  const elsewhere = tmpDir(t, 'keepup-run-target-');
  const home = attackerDir(elsewhere);
  const marker = `${elsewhere}/ran-as-root`;
  writeFileSync(`${home}/run`, '#!/bin/sh\nexec sleep 1000\n', {mode: 0o755});
  writeFileSync(`${home}/evil`, `#!/bin/sh\ntouch ${marker}\nexec sleep 1000\n`, {mode: 0o755});
  chownSync(`${home}/evil`, NOBODY, NOBODY);
  unlinkSync(join(dir, 'run'));
  symlinkSync(`${home}/run`, join(dir, 'run'));
  startExchanger(t, `${home}/run`, `${home}/evil`);
  const supervise = startSupervise(t, 'ours', parent, 's1');
  // Every try (one a second) is refused, whichever file the link reaches at the time: wait for three.
  const refusals = () => stderrOf(supervise).split('\n').filter(Boolean);
  await waitFor(() => refusals().length >= 3, 'three refusals', PATIENT);
  for (const line of refusals()) {
    t.true([`${home}: it is owned by uid ${NOBODY}, not by uid 0`, 'it is owned by uid 65534, not by uid 0'].some((why) => line === `supervise: warning: refusing to start s1/run: ${why}`), line);
  }
  t.false(existsSync(marker));
  t.like(readStatus(dir), {pid: 0, want: 'up'});
});
