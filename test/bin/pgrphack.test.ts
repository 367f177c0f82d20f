// pgrphack against Debian's daemontools: usage and run errors, and the new session and group.
import test from 'ava';
import {readFileSync} from 'node:fs';
import {bin} from '../helpers/paths.js';
import {daemontools, runBoth, transcript, viewExecd} from '../helpers/differential.js';

for (const args of [[], ['/nonexistent/prog'], ['no-such-program-kp6'], ['/etc/passwd']]) {
  test(`pgrphack ${args.join(' ')}: same output and exit code as daemontools`, async (t) => {
    const {ours, theirs} = await runBoth('pgrphack', args);
    t.deepEqual(transcript(ours), transcript(theirs));
  });
}

function ids(pid: number): {pgid: number; sid: number} {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
    .replace(/^.*\) /, '')
    .split(' ');
  return {pgid: Number(fields[2]), sid: Number(fields[3])};
}

test('the program leads a new session and process group, as under daemontools', async (t) => {
  for (const command of [bin('pgrphack'), daemontools('pgrphack')]) {
    const view = await viewExecd(t, command, ['sleep', '1000'], '/usr/bin/sleep');
    t.deepEqual(ids(view.pid), {pgid: view.pid, sid: view.pid}, command);
  }
});

test("the exit code is the program's", async (t) => {
  const {ours, theirs} = await runBoth('pgrphack', ['sh', '-c', 'exit 9']);
  t.is(ours.code, 9);
  t.deepEqual(transcript(ours), transcript(theirs));
});
