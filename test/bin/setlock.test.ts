// setlock against Debian's daemontools: usage, open/lock/run errors under -n/-N/-x/-X, and the
// lock held by the program through the inherited fd (seen from outside with flock(1)).
import test from 'ava';
import {once} from 'node:events';
import {readFileSync, statSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {bin} from '../helpers/paths.js';
import {daemontools, runBoth, transcript, viewExecd} from '../helpers/differential.js';
import {run, spawnTracked} from '../helpers/processes.js';
import {waitFor} from '../helpers/wait-for.js';
import {tmpDir} from '../helpers/tmp.js';

for (const args of [[], ['-z', 'f', 'true'], ['onlyfile'], ['-n']]) {
  test(`setlock ${args.join(' ')}: same usage output, exit 100`, async (t) => {
    const {ours, theirs} = await runBoth('setlock', args);
    t.is(ours.code, 100);
    t.deepEqual(transcript(ours), transcript(theirs));
  });
}

const lockedBy = async (file: string) => (await run('flock', ['-n', '-x', file, 'true'])).code !== 0;

async function holdLock(t: Parameters<typeof tmpDir>[0], file: string): Promise<void> {
  spawnTracked(t, 'flock', ['-o', '-x', file, 'sleep', '1000'], {detached: true});
  await waitFor(() => lockedBy(file), 'flock(1) to hold the lock');
}

const BUSY_CASES: Array<[string[], number]> = [
  [['-n'], 111],
  [['-nx'], 0],
  [['-nxX'], 111],
  [['-x', '-n', '-X'], 111],
  [['-n', '-N', '-n', '-x'], 0],
];

for (const [flags, code] of BUSY_CASES) {
  test(`setlock ${flags.join(' ')} on a held lock: exit ${code}, same output as daemontools`, async (t) => {
    const file = join(tmpDir(t), 'lock');
    await holdLock(t, file);
    const {ours, theirs} = await runBoth('setlock', [...flags, file, 'echo', 'ran']);
    t.is(ours.code, code);
    t.deepEqual(transcript(ours), transcript(theirs));
  });
}

for (const [what, flags] of [
  ['-X', []],
  ['-x', ['-x']],
] as Array<[string, string[]]>) {
  test(`setlock ${what}: unopenable file and missing program, same as daemontools`, async (t) => {
    const dir = tmpDir(t);
    for (const args of [
      [join(dir, 'missing', 'lock'), 'true'],
      [join(dir, 'lock'), join(dir, 'no-program')],
    ]) {
      const {ours, theirs} = await runBoth('setlock', [...flags, ...args]);
      t.deepEqual(transcript(ours), transcript(theirs), args.join(' '));
    }
  });
}

test('the file is created 0600 and never truncated', async (t) => {
  const dir = tmpDir(t);
  const created = join(dir, 'new');
  const existing = join(dir, 'old');
  writeFileSync(existing, 'keep me');
  t.is((await run(bin('setlock'), [created, 'true'])).code, 0);
  t.is((await run(bin('setlock'), [existing, 'true'])).code, 0);
  t.is(statSync(created).mode & 0o777, 0o600);
  t.is(readFileSync(existing, 'utf8'), 'keep me');
});

test('the program holds the lock through the inherited fd, also across another chain-loader', async (t) => {
  const dir = tmpDir(t);
  for (const [name, tool] of [
    ['ours', bin],
    ['theirs', daemontools],
  ] as const) {
    const file = join(dir, name);
    const view = await viewExecd(t, tool('setlock'), [file, tool('setuidgid'), 'nobody', 'sleep', '1000'], '/usr/bin/sleep');
    t.true(await lockedBy(file), `${name}: the lock is held`);
    t.true(
      Object.values(view.fds).some((target) => target.startsWith(file)),
      `${name}: the program has the lock file open`,
    );
    t.true(readFileSync('/proc/locks', 'utf8').includes('FLOCK  ADVISORY  WRITE'));
    t.is((await run(tool('setlock'), ['-n', file, 'true'])).code, 111, `${name}: a second setlock -n is refused`);
  }
});

test('setlock waits for the lock by default and runs the program once it is free', async (t) => {
  const file = join(tmpDir(t), 'lock');
  const holder = spawnTracked(t, 'flock', ['-o', '-x', file, 'sleep', '1000'], {detached: true});
  await waitFor(() => lockedBy(file), 'flock(1) to hold the lock');
  const waiting = spawnTracked(t, bin('setlock'), [file, 'echo', 'got it'], {stdio: ['ignore', 'pipe', 'pipe']});
  let stdout = '';
  waiting.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  const exited = once(waiting, 'exit');
  // setlock is blocked in its lock call: its flock(1) helper is waiting on the same file.
  await waitFor(async () => (await run('pgrep', ['-P', String(waiting.pid), '-x', 'flock'])).code === 0, 'setlock to wait for the lock');
  t.is(waiting.exitCode, null);
  t.is(stdout, '');
  process.kill(-holder.pid!, 'SIGKILL');
  const [code] = (await exited) as [number | null];
  t.is(code, 0);
  await waitFor(() => stdout === 'got it\n', 'the program to run');
});
