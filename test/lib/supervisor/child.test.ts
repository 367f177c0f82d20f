import test, {type ExecutionContext} from 'ava';
import {spawn, spawnSync} from 'node:child_process';
import {once} from 'node:events';
import {chmodSync, closeSync, existsSync, openSync, readdirSync, readFileSync, readlinkSync, readSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {ChildStartError, notificationPipe, spawnRun, type ChildEnding, type SpawnedChild, type SpawnSettings} from '../../../src/lib/supervisor/child.js';
import {readProcStat} from '../../../src/lib/proc/stat.js';
import {loadProcessCalls} from '../../../src/lib/sys/native.js';
import {isAlive} from '../../helpers/processes.js';
import {tmpDir} from '../../helpers/tmp.js';
import {PATIENT, waitFor} from '../../helpers/wait-for.js';

interface Outcome {
  child: SpawnedChild;
  ended: Promise<ChildEnding | ChildStartError>;
}

/** A service directory whose `run` is `script`; the child is killed at test end. */
function service(t: ExecutionContext, script: string, mode = 0o755): string {
  const dir = tmpDir(t);
  writeFileSync(join(dir, 'run'), `#!/bin/sh\n${script}\n`);
  chmodSync(join(dir, 'run'), mode);
  return dir;
}

function start(t: ExecutionContext, cwd: string | number, settings: SpawnSettings = {}): Outcome {
  let settle!: (value: ChildEnding | ChildStartError) => void;
  const ended = new Promise<ChildEnding | ChildStartError>((resolve) => (settle = resolve));
  const child = spawnRun(cwd, settings, settle, settle);
  if (child instanceof Error) throw child;
  t.teardown(async () => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // gone
    }
    child.release();
  });
  return {child, ended};
}

const state = (pid: number) => readProcStat(pid)?.state;

test('the child waits before execve until go(): nothing of run happens before', async (t) => {
  const dir = service(t, 'echo ran > ran\nexec sleep 1000');
  const {child} = start(t, dir);
  // It is our fork, blocked on its socket: still node, and run has not started.
  await waitFor(() => state(child.pid) === 'S', 'the child to block', PATIENT);
  t.is(readFileSync(`/proc/${child.pid}/cmdline`, 'latin1').split('\0')[0], process.argv0);
  t.false(existsSync(join(dir, 'ran')));
  child.go();
  await waitFor(() => existsSync(join(dir, 'ran')), 'run to run', PATIENT);
  await waitFor(() => readFileSync(`/proc/${child.pid}/cmdline`, 'latin1').startsWith('sleep'), 'run to exec sleep', PATIENT);
});

test('a supervisor killed before go(): the child exits without running anything', async (t) => {
  const dir = service(t, 'echo ran > ran\nexec sleep 1000');
  const childModule = new URL('../../../src/lib/supervisor/child.js', import.meta.url).href;
  const program = `import {spawnRun} from ${JSON.stringify(childModule)};
const child = spawnRun(${JSON.stringify(dir)}, {}, () => {}, () => {});
process.stdout.write(child.pid + '\\n');
setInterval(() => {}, 1000);`;
  const parent = spawn(process.execPath, ['--input-type=module', '-e', program], {stdio: ['ignore', 'pipe', 'inherit']});
  t.teardown(() => parent.kill('SIGKILL'));
  let out = '';
  parent.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const pid = await waitFor(() => (out.endsWith('\n') ? Number(out) : 0), 'the child pid', PATIENT);
  await waitFor(() => state(pid) === 'S', 'the child to block', PATIENT);
  parent.kill('SIGKILL');
  await once(parent, 'exit');
  await waitFor(() => !isAlive(pid) || state(pid) === 'Z', 'the orphan to exit', PATIENT);
  t.false(existsSync(join(dir, 'ran')), 'run never ran');
});

test('exit code and signal are reported; children of child_process do not steal the wait (libuv waits only for its own)', async (t) => {
  const dir = service(t, 'read line\nexit 7');
  const {child, ended} = start(t, dir, {stdio: ['ignore', 'ignore', 'ignore']});
  child.go();
  for (let i = 0; i < 20; i++) spawnSync('true');
  const other = spawn('sh', ['-c', 'exit 3']);
  await once(other, 'exit');
  // stdin is /dev/null: read gets end of file, then exit 7
  t.deepEqual(await ended, {code: 7, signal: null});
  const killed = start(t, service(t, 'exec sleep 1000'));
  killed.child.go();
  await waitFor(() => readFileSync(`/proc/${killed.child.pid}/cmdline`, 'latin1').startsWith('sleep'), 'sleep', PATIENT);
  process.kill(killed.child.pid, 'SIGTERM');
  t.deepEqual(await killed.ended, {code: null, signal: 'SIGTERM'});
  t.false(isAlive(killed.child.pid), 'reaped: no zombie');
});

test('the child: own session, stdio as given, cwd from a directory fd, limits and credentials, default signals', async (t) => {
  const out = tmpDir(t);
  chmodSync(out, 0o777);
  const dir = service(
    t,
    [
      `exec > ${out}/report 2>&1`,
      'id -u; id -g; id -G',
      // Read by the shell itself: a forked grep could see the mask dash blocks around its fork.
      'while read -r key value; do case $key in SigIgn:|SigBlk:) printf "%s\\t%s\\n" "$key" "$value";; esac; done < /proc/$$/status',
      'grep "Max open files" /proc/$$/limits',
      'ps -o sid= -p $$; echo $$',
      'pwd',
    ].join('\n'),
  );
  chmodSync(dir, 0o755);
  const fd = openSync(dir, 'r');
  t.teardown(() => closeSync(fd));
  const {child, ended} = start(t, fd, {
    uid: 65534,
    gid: 65534,
    groups: [65534, 4],
    limits: [{resource: 'RLIMIT_NOFILE', soft: 100n, hard: 200n}],
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  child.go();
  t.deepEqual(await ended, {code: 0, signal: null});
  const lines = readFileSync(join(out, 'report'), 'latin1').split('\n');
  t.deepEqual(lines.slice(0, 3), ['65534', '65534', '65534 4']);
  t.is(lines[3], 'SigBlk:\t0000000000000000');
  t.is(lines[4], 'SigIgn:\t0000000000000000');
  t.regex(lines[5]!, /^Max open files\s+100\s+200\s/);
  t.is(lines[6]!.trim(), lines[7]!, 'session leader');
  t.is(lines[8], dir);
});

test("without env the child gets this process's environment as process.env holds it at the spawn: a value set, one changed, one deleted", async (t) => {
  const out = tmpDir(t);
  const dir = service(t, `env > ${out}/env`);
  const names = ['KEEPUP_CHILD_SET', 'KEEPUP_CHILD_CHANGED', 'KEEPUP_CHILD_DELETED'];
  t.teardown(() => {
    for (const name of names) delete process.env[name];
  });
  process.env.KEEPUP_CHILD_CHANGED = 'before';
  process.env.KEEPUP_CHILD_DELETED = 'here';
  const first = start(t, dir);
  first.child.go();
  t.deepEqual(await first.ended, {code: 0, signal: null});
  const seen = () =>
    readFileSync(join(out, 'env'), 'latin1')
      .split('\n')
      .filter((line) => line.startsWith('KEEPUP_CHILD_'))
      .sort();
  t.deepEqual(seen(), ['KEEPUP_CHILD_CHANGED=before', 'KEEPUP_CHILD_DELETED=here']);
  process.env.KEEPUP_CHILD_SET = 'new value with spaces';
  process.env.KEEPUP_CHILD_CHANGED = 'after';
  delete process.env.KEEPUP_CHILD_DELETED;
  const second = start(t, dir);
  second.child.go();
  t.deepEqual(await second.ended, {code: 0, signal: null});
  t.deepEqual(seen(), ['KEEPUP_CHILD_CHANGED=after', 'KEEPUP_CHILD_SET=new value with spaces']);
  const expected = Object.entries(process.env)
    .map(([name, value]) => `${name}=${value}`)
    // The shell sets these itself.
    .filter((line) => !line.includes('\n') && !/^(PWD|OLDPWD|SHLVL|_)=/.test(line))
    .sort();
  const all = readFileSync(join(out, 'env'), 'latin1').split('\n');
  for (const line of expected) t.true(all.includes(line), `${line.split('=')[0]} reaches the child`);
});

test('failures in the child come back as their step and errno: execve (missing, not executable), setrlimit', async (t) => {
  const missing = start(t, tmpDir(t));
  missing.child.go();
  t.like(await missing.ended, {stage: 'execve', code: 'ENOENT'});
  const plain = start(t, service(t, 'exit 0', 0o644));
  plain.child.go();
  t.like(await plain.ended, {stage: 'execve', code: 'EACCES'});
  const limit = start(t, service(t, 'exit 0'), {limits: [{resource: 'RLIMIT_NOFILE', soft: 20n, hard: 10n}]});
  limit.child.go();
  const error = await limit.ended;
  t.true(error instanceof ChildStartError);
  t.like(error, {stage: 'setrlimit', code: 'EINVAL'});
});

test('no descriptor of the supervisor reaches run: the held child has stdio and its socket, run only stdio', async (t) => {
  const dir = service(t, 'exec sleep 1000');
  const extra = openSync(dir, 'r');
  t.teardown(() => closeSync(extra));
  const {child} = start(t, dir);
  const fds = () =>
    readdirSync(`/proc/${child.pid}/fd`)
      .map(Number)
      .sort((a, b) => a - b);
  await waitFor(() => state(child.pid) === 'S', 'the child to block', PATIENT);
  t.deepEqual(fds(), [0, 1, 2, 3]);
  child.go();
  // The kernel shows the new command line a moment before it closes the close-on-exec socket.
  await waitFor(() => readFileSync(`/proc/${child.pid}/cmdline`, 'latin1').startsWith('sleep') && fds().join() === '0,1,2', 'sleep with stdio only', PATIENT);
});

test('the child shares no copy of the supervisor: what it execs (environment, argv) stays intact however long it waits and whatever the supervisor allocates meanwhile; 200 spawns leave no stack mapped', async (t) => {
  const dir = service(t, 'printf "%s" "$BIG" > env\nexec sleep 1000');
  const big = 'x'.repeat(100_000) + 'end';
  // The addon's child stack: 256 KB, of which the lowest page is a PROT_NONE guard, so it shows
  // in /proc/self/maps as an anonymous ---p page right below a 252 KB rw-p mapping. Counting
  // that shape, not all mappings, keeps V8's own (Node 24 adds some during the loop) out of it.
  const maps = () => {
    const lines = readFileSync('/proc/self/maps', 'latin1').split('\n');
    const region = (line: string | undefined) => {
      const match = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ 0\s*$/.exec(line ?? '');
      return match ? {start: BigInt('0x' + match[1]), end: BigInt('0x' + match[2]), mode: match[3]} : undefined;
    };
    let stacks = 0;
    for (let i = 0; i + 1 < lines.length; i++) {
      const guard = region(lines[i]);
      const body = region(lines[i + 1]);
      if (guard && body && guard.mode === '---p' && guard.end - guard.start === 4096n && body.start === guard.end && body.mode === 'rw-p' && body.end - body.start === 258048n) stacks++;
    }
    return stacks;
  };
  const before = maps();
  for (let i = 0; i < 200; i++) {
    const {child, ended} = start(t, dir, {env: {PATH: '/usr/bin:/bin'}});
    child.go();
    await waitFor(() => readFileSync(`/proc/${child.pid}/comm`, 'latin1') === 'sleep\n', 'run to exec sleep', PATIENT);
    process.kill(child.pid, 'SIGKILL');
    await ended;
  }
  rmSync(join(dir, 'env'));
  // The children's stacks (one each while held) are gone once they exec'd.
  t.true(maps() <= before + 1, `${maps()} child stacks mapped against ${before} before`);
  const {child} = start(t, dir, {env: {PATH: '/usr/bin:/bin', BIG: big}});
  const junk: string[] = [];
  for (let i = 0; i < 2000; i++) junk.push('y'.repeat(1000) + i);
  await new Promise((resolve) => setTimeout(resolve, 200));
  child.go();
  await waitFor(() => existsSync(join(dir, 'env')) && readFileSync(join(dir, 'env'), 'latin1').endsWith('end'), 'run to write its environment', PATIENT);
  t.is(readFileSync(join(dir, 'env'), 'latin1'), big);
  t.true(junk.length > 0);
});

test('the addon places extra descriptors at the child fds asked for ([child fd, parent fd]), above stdio, and nothing else', async (t) => {
  const dir = service(t, 'echo notified >&5\nexec sleep 1000');
  const calls = loadProcessCalls();
  const pipe = calls.pipe();
  if (typeof pipe === 'number') throw new Error(`pipe: ${pipe}`);
  const [readEnd, writeEnd] = pipe;
  t.teardown(() => closeSync(readEnd));
  const result = calls.spawn('./run', ['./run'], ['PATH=/usr/bin:/bin'], dir, [-2, -2, -2], [], -1, -1, null, () => {}, [[5, writeEnd]]);
  closeSync(writeEnd);
  if (typeof result === 'number') throw new Error(`spawn: ${result}`);
  const [pid, handle] = result;
  t.teardown(() => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone
    }
    calls.detach(handle);
  });
  calls.release(handle);
  const buffer = Buffer.alloc(64);
  const n = await waitFor(
    () => {
      try {
        return readSync(readEnd, buffer);
      } catch {
        return 0;
      }
    },
    'the line on fd 5',
    PATIENT,
  );
  t.is(buffer.subarray(0, n).toString(), 'notified\n');
  await waitFor(() => readFileSync(`/proc/${pid}/comm`, 'latin1') === 'sleep\n', 'run to exec sleep', PATIENT);
  t.deepEqual(
    readdirSync(`/proc/${pid}/fd`)
      .map(Number)
      .sort((a, b) => a - b),
    [0, 1, 2, 5],
    'the release socket (at 6 before the exec) is gone',
  );
  t.throws(() => calls.spawn('./run', ['./run'], [], dir, [-2, -2, -2], [], -1, -1, null, () => {}, [[2, writeEnd]]), {instanceOf: TypeError});
});

test('extra descriptors land at their child fds (3 too), the held socket above them, and only they reach run', async (t) => {
  const dir = service(t, 'exec sleep 1000');
  const pipes = [notificationPipe(), notificationPipe()];
  const ends: number[] = [];
  for (const pipe of pipes) {
    if (pipe instanceof Error) throw pipe;
    ends.push(...pipe);
  }
  t.teardown(() => ends.forEach((fd) => closeSync(fd)));
  const target = (pid: number, fd: number) => readlinkSync(`/proc/${pid}/fd/${fd}`);
  const fds = (pid: number) =>
    readdirSync(`/proc/${pid}/fd`)
      .map(Number)
      .sort((a, b) => a - b);
  for (const mapping of [
    [[3, ends[1]!]],
    [
      [7, ends[3]!],
      [5, ends[1]!],
    ],
  ] as Array<Array<[number, number]>>) {
    const {child} = start(t, dir, {fds: mapping});
    const wanted = mapping.map(([fd]) => fd).sort((a, b) => a - b);
    await waitFor(() => state(child.pid) === 'S', 'the child to block', PATIENT);
    // Held: stdio, the mapped fds, and the release socket right above the highest of them.
    t.deepEqual(fds(child.pid), [0, 1, 2, ...wanted, wanted.at(-1)! + 1]);
    t.regex(target(child.pid, wanted.at(-1)! + 1), /^socket:/);
    child.go();
    await waitFor(
      () => readFileSync(`/proc/${child.pid}/cmdline`, 'latin1').startsWith('sleep') && fds(child.pid).join() === [0, 1, 2, ...wanted].join(),
      'sleep with stdio and the mapped fds',
      PATIENT,
    );
    for (const [fd, parent] of mapping) t.is(target(child.pid, fd), readlinkSync(`/proc/self/fd/${parent}`));
  }
});

test('a child fd below 3 or given twice is refused before anything is forked', (t) => {
  const dir = service(t, 'exit 0');
  t.throws(
    () =>
      spawnRun(
        dir,
        {fds: [[2, 0]]},
        () => {},
        () => {},
      ),
    {message: 'fds: bad child fd 2'},
  );
  t.throws(
    () =>
      spawnRun(
        dir,
        {
          fds: [
            [4, 0],
            [4, 1],
          ],
        },
        () => {},
        () => {},
      ),
    {message: 'fds: bad child fd 4'},
  );
});
