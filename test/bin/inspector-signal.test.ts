// SIGUSR1 never opens Node's inspector (a root debugger on 127.0.0.1:9229) in any installed
// command. Each command is caught in the middle of its own code, waiting (in its event loop or in
// write(2)) on a write to a full pipe (or reading stdin), then sent SIGUSR1, then let go: it must end exactly
// as it does without the signal, and never listen on 9229 nor say "Debugger listening".
// Not tested: a SIGUSR1 that arrives during Node's own start-up, before any of our code runs
// (the window cannot be closed from JavaScript; see the README).
import test from 'ava';
import {spawn, type ChildProcess} from 'node:child_process';
import {once} from 'node:events';
import {closeSync, constants, mkdirSync, openSync, readFileSync, writeSync} from 'node:fs';
import {Socket} from 'node:net';
import {join} from 'node:path';
import {mkfifoSync} from '../../src/lib/sys/mkfifo.js';
import {bin, ROOT} from '../helpers/paths.js';
import {INSPECTOR_PORT, listensOn, mainThread, waitsFor} from '../helpers/inspector.js';
import {run} from '../helpers/processes.js';
import {tmpDir} from '../helpers/tmp.js';
import {PATIENT, waitFor} from '../helpers/wait-for.js';

interface Case {
  args: (dir: string) => string[];
  stdin?: string;
  /**
   * How the command is caught and let go: waiting in its event loop to write to a full pipe
   * (default) or to read stdin (then given `stdin`), blocked in read(2) on stdin, or resident.
   */
  hold?: 'write' | 'stdin' | 'read' | 'resident';
}

const commands = Object.keys((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {bin: Record<string, string>}).bin);
const CASES: Record<string, Case> = {
  multilog: {args: () => ['e'], stdin: 'a line for stderr\n'},
  tai64n: {args: () => [], stdin: 'a line\n', hold: 'stdin'},
  tai64nlocal: {args: () => [], stdin: 'a line\n', hold: 'stdin'},
  svc: {args: (dir) => ['-u', join(dir, 'absent')]},
  svstat: {args: (dir) => [join(dir, 'absent')]},
  svscan: {args: (dir) => [join(dir, 'absent')]},
  readproctitle: {args: () => ['title', '.'.repeat(64)], hold: 'read'},
  svscanboot: {args: (dir) => [join(dir, 'services')], hold: 'resident'},
};

test('every installed command has a case (no command is left out)', (t) => {
  t.true(commands.length >= 20);
  for (const name of Object.keys(CASES)) t.true(commands.includes(name), name);
});

/** A FIFO already full, with a blocking writer for the child's stdout and stderr, and our reader. */
function fullPipe(dir: string): {reader: number; writer: number} {
  const path = join(dir, 'out');
  mkfifoSync([path]);
  const reader = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  const writer = openSync(path, constants.O_WRONLY);
  const filler = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
  try {
    for (;;) writeSync(filler, Buffer.alloc(4096, 0x2e));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
  }
  closeSync(filler);
  return {reader, writer};
}

/**
 * True when `pid` waits to write fd 1 or 2: in epoll (EPOLLOUT registered, Node's stream) or in
 * write(2) itself (the short-lived commands write their output with write(2), see writeStdio).
 * Either way our code is running.
 */
function waitsToWrite(pid: number): boolean {
  return waitsFor(pid, ['1', '2'], 0x4) || blockedWriting(pid);
}

/** True when the main thread of `pid` sleeps in a write(2) to a full pipe on fd 1 or 2. */
function blockedWriting(pid: number): boolean {
  if (!/pipe_write$/.test(mainThread(pid).wchan)) return false;
  const fd = readFileSync(`/proc/${pid}/syscall`, 'utf8').split(' ')[1];
  return fd === '0x1' || fd === '0x2';
}

function children(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
}

for (const name of commands) {
  test(`${name}: SIGUSR1 opens no debugger, and the command ends as it does without it`, async (t) => {
    const spec = CASES[name] ?? {args: () => []};
    const hold = spec.hold ?? 'write';
    const dir = tmpDir(t, 'keepup-usr1-');
    mkdirSync(join(dir, 'services'));
    const args = spec.args(dir);
    const env = {...process.env, PATH: `${join(ROOT, 'dist', 'bin')}:${process.env.PATH ?? ''}`};
    const baseline = hold === 'write' || hold === 'stdin' ? await run(bin(name), args, {input: spec.stdin ?? '', env, cwd: dir}) : undefined;

    const {reader, writer} = fullPipe(dir);
    const child: ChildProcess = spawn(bin(name), args, {stdio: ['pipe', writer, writer], env, cwd: dir});
    closeSync(writer);
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    t.teardown(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    const pid = child.pid!;
    if (hold === 'write') child.stdin!.end(spec.stdin ?? '');
    if (hold === 'read') child.stdin!.write('first\n');
    const sleeping = () => /^\d+ \(.*\) S /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    const shows = (text: string) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
    const ready = () =>
      hold === 'write'
        ? waitsToWrite(pid)
        : hold === 'stdin'
          ? waitsFor(pid, ['0'], 0x1) && sleeping()
          : hold === 'read'
            ? shows('first') && sleeping()
            : children(pid).length >= 2 && mainThread(pid).wchan === 'do_epoll_wait';
    await waitFor(ready, `${name} to be waiting in its own code`, PATIENT);

    const before = mainThread(pid).switches;
    process.kill(pid, 'SIGUSR1');
    await waitFor(
      () => {
        const now = mainThread(pid);
        return !now.usr1Pending && now.switches > before && ready();
      },
      `${name} to take SIGUSR1 and wait again`,
      PATIENT,
    );
    if (hold === 'read') {
      // Its JavaScript runs again (that is when Node would start the inspector).
      child.stdin!.write('second\n');
      await waitFor(() => shows('second') && sleeping(), 'the next line shown', PATIENT);
    }
    t.false(listensOn(pid, INSPECTOR_PORT), `${name} listens on ${INSPECTOR_PORT}`);
    t.is(child.exitCode, null, `${name} survived SIGUSR1`);

    const output: Buffer[] = [];
    const socket = new Socket({fd: reader, readable: true, writable: false});
    socket.on('data', (chunk: Buffer) => output.push(chunk));
    const drained = once(socket, 'end');
    if (hold === 'read') child.stdin!.end();
    if (hold === 'stdin') child.stdin!.end(spec.stdin);
    if (hold === 'resident') child.kill('SIGTERM');
    const [code, signal] = await exited;
    await drained;
    const text = Buffer.concat(output).toString('utf8').replace(/^\.+/, '');
    t.notRegex(text, /Debugger listening|Starting inspector/);
    t.is(signal, null);
    if (baseline) {
      t.is(code, baseline.code);
      t.is(
        text.replace(/@[0-9a-f]{24}|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+/g, 'STAMP'),
        (baseline.stdout + baseline.stderr).replace(/@[0-9a-f]{24}|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+/g, 'STAMP'),
      );
    } else {
      t.is(code, hold === 'read' ? 0 : code);
    }
  });
}
