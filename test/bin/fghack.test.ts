// fghack against Debian's daemontools: usage and run errors, waiting for background
// processes that hold the pipe, exit codes, "child crashed", and the descriptors the program gets.
import test from 'ava';
import {closeSync, openSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {daemontools, runBoth, transcript} from '../helpers/differential.js';
import {bin} from '../helpers/paths.js';
import {isAlive, run} from '../helpers/processes.js';
import {tmpDir} from '../helpers/tmp.js';

for (const args of [[], ['/nonexistent/prog'], ['no-such-program-kp6'], ['/etc/passwd'], ['/tmp']]) {
  test(`fghack ${args.join(' ')}: same output and exit code as daemontools`, async (t) => {
    const {ours, theirs} = await runBoth('fghack', args);
    t.deepEqual(transcript(ours), transcript(theirs));
  });
}

test("waits for a background process holding the pipe, then exits with the program's code", async (t) => {
  const script = 'echo bg-start; (sleep 0.3; echo bg-done) & echo fg-exit; exit 7';
  const {ours, theirs} = await runBoth('fghack', ['sh', '-c', script]);
  t.deepEqual(transcript(ours), {code: 7, stdout: 'bg-start\nfg-exit\nbg-done\n', stderr: ''});
  t.deepEqual(transcript(ours), transcript(theirs));
});

test('a background process that closes the extra fds does not hold fghack', async (t) => {
  const script = '(for fd in $(seq 3 40); do eval "exec $fd>&-"; done; exec sleep 1000) >/dev/null 2>&1 & echo $!';
  const {ours, theirs} = await runBoth('fghack', ['bash', '-c', script], {timeoutMs: 20_000});
  const pids = [ours, theirs].map((result) => Number(result.stdout.trim()));
  t.teardown(() => pids.filter((pid) => pid > 0).forEach((pid) => isAlive(pid) && process.kill(pid, 'SIGKILL')));
  t.true(
    pids.every((pid) => pid > 0 && isAlive(pid)),
    'the background sleeps still run',
  );
  t.is(ours.code, 0);
  t.deepEqual({...transcript(ours), stdout: 'x'}, {...transcript(theirs), stdout: 'x'});
});

test('a program killed by a signal: child crashed, exit 111', async (t) => {
  const {ours, theirs} = await runBoth('fghack', ['sh', '-c', 'kill -9 $$']);
  t.deepEqual(transcript(ours), {code: 111, stdout: '', stderr: 'fghack: fatal: child crashed\n'});
  t.deepEqual(transcript(ours), transcript(theirs));
});

test('the program gets 31 write ends of the pipe around the descriptors it inherited', async (t) => {
  const file = join(tmpDir(t), 'inherited');
  writeFileSync(file, '');
  const fd = openSync(file, 'r');
  try {
    const {ours, theirs} = await runBoth('fghack', ['ls', '-l', '/proc/self/fd'], {stdio: ['ignore', 'pipe', 'pipe', 'ignore', 'ignore', 'ignore', 'ignore', 'ignore', fd]});
    // "NUMBER -> TARGET", without ls's own directory fd and with pipe inodes normalised.
    const fds = (text: string) =>
      text
        .split('\n')
        .map((line) => /(\d+) -> (.*)$/.exec(line))
        .filter((match) => match !== null && !match[2]!.startsWith('/proc/'))
        .map((match) => `${match![1]} ${match![2]!.replace(/^(pipe|socket):\[\d+\]$/, '$1')}`)
        .sort((a, b) => parseInt(a) - parseInt(b));
    t.deepEqual(fds(ours.stdout), fds(theirs.stdout));
    t.true(fds(ours.stdout).includes(`8 ${file}`));
    t.is(fds(ours.stdout).filter((line) => line.endsWith(' pipe') && parseInt(line) >= 3 && parseInt(line) < 100).length, 31);
  } finally {
    closeSync(fd);
  }
});

test("the program gets the caller's open-files soft limit, as under daemontools' fghack", async (t) => {
  const script = 'ulimit -Sn 321; exec "$@"';
  const report = ['sh', '-c', 'ulimit -Sn; ulimit -Hn'];
  const ours = await run('/bin/sh', ['-c', script, 'sh', bin('fghack'), ...report]);
  const theirs = await run('/bin/sh', ['-c', script, 'sh', daemontools('fghack'), ...report]);
  t.regex(theirs.stdout, /^321\n/);
  t.deepEqual(transcript(ours), transcript(theirs));
});
