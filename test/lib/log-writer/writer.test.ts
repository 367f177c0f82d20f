import test from 'ava';
import {existsSync, readFileSync, readdirSync, statSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {parseScript} from '../../../src/lib/log-writer/script.js';
import {LogWriter} from '../../../src/lib/log-writer/writer.js';
import * as tai64n from '../../../src/lib/tai64n/codec.js';
import {openTestWriter, recordingReporter} from '../../helpers/log-writer.js';
import {tmpDir} from '../../helpers/tmp.js';

const mode = (path: string) => statSync(path).mode & 0o777;
const read = (path: string) => readFileSync(path, 'latin1');

test('selection is applied left to right and each action sees the selection at its position', async (t) => {
  const cwd = tmpDir(t);
  const {writer, stderr} = await openTestWriter(cwd, ['-*', '+* fatal: *', './fatal', '+*', '-*debug*', 'e', '=last', './all']);
  await writer.feed(Buffer.from('x: fatal: disk\nplain line\nsome debug text\n'));
  await writer.feed(Buffer.from('last one'));
  await writer.end();
  t.is(read(join(cwd, 'fatal/current')), 'x: fatal: disk\n');
  t.is(read(join(cwd, 'all/current')), 'x: fatal: disk\nplain line\nlast one\n');
  t.deepEqual(stderr, ['x: fatal: disk\n', 'plain line\n', 'last one\n']);
  t.is(read(join(cwd, 'last')), 'last one' + '\n'.repeat(993));
  t.is(mode(join(cwd, 'all/current')), 0o744, 'clean shutdown mark');
  t.is(mode(join(cwd, 'all')), 0o700);
  t.is(mode(join(cwd, 'all/lock')), 0o600);
  t.is(mode(join(cwd, 'last')), 0o600);
});

test('long lines: the first 1000 bytes decide and feed e and =, the directory gets the whole line', async (t) => {
  const cwd = tmpDir(t);
  const {writer, stderr} = await openTestWriter(cwd, ['e', '=st', './log']);
  const long = 'a'.repeat(999) + 'b' + 'c'.repeat(500);
  await writer.feed(Buffer.from(long.slice(0, 700)));
  await writer.feed(Buffer.from(long.slice(700) + '\nshort\n'));
  writeFileSync(join(cwd, 'st'), 'z'.repeat(1500));
  await writer.feed(Buffer.from('x'.repeat(1000) + '\n'));
  await writer.end();
  t.is(read(join(cwd, 'log/current')), long + '\nshort\n' + 'x'.repeat(1000) + '\n');
  t.deepEqual(stderr, ['a'.repeat(200) + '...\n', 'short\n', 'x'.repeat(200) + '...\n']);
  t.is(read(join(cwd, 'st')), 'x'.repeat(1000) + '\n' + 'z'.repeat(499), '1001 bytes written, the tail kept');
});

test('t labels each line with the time of the read (of READ_SIZE bytes) that brought its first byte, counted in the 1000 bytes', async (t) => {
  const cwd = tmpDir(t);
  const {writer} = await openTestWriter(cwd, ['t', '=st', './log']);
  await writer.feed(Buffer.from('one\n\n'));
  // 1100 bytes: two reads of daemontools' 1024-byte buffer; the line starting in the second gets its time.
  const long = 'x'.repeat(1050);
  await writer.feed(Buffer.from(`${long}\ntwo\nthree\n`));
  await writer.end();
  const label = (n: number) => tai64n.format(tai64n.fromUnixMs(1_700_000_000_000 + n * 1000));
  t.is(read(join(cwd, 'log/current')), `${label(1)} one\n${label(1)} \n${label(2)} ${long}\n${label(3)} two\n${label(3)} three\n`);
  t.is(read(join(cwd, 'st')), `${label(3)} three` + '\n'.repeat(970));
});

test('rotation by size at daemontools points, pruned to n-1 old files, finished files 0744', async (t) => {
  const cwd = tmpDir(t);
  const {writer} = await openTestWriter(cwd, ['s4096', 'n3', './log']);
  const line = 'x'.repeat(50) + '\n';
  await writer.feed(Buffer.from(line.repeat(300)));
  await writer.end();
  const names = readdirSync(join(cwd, 'log')).sort();
  const finished = names.filter((name) => name.startsWith('@'));
  t.is(finished.length, 2);
  for (const name of finished) {
    t.regex(name, /^@[0-9a-f]{24}\.s$/);
    t.is(statSync(join(cwd, 'log', name)).size, 2550);
    t.is(mode(join(cwd, 'log', name)), 0o744);
  }
  t.deepEqual(
    names.filter((name) => !name.startsWith('@')),
    ['current', 'lock', 'state'],
  );
  t.is(statSync(join(cwd, 'log/current')).size, 0);
});

test('rotate() (SIGALRM) rotates non-empty logs only and keeps a partial line for the new current', async (t) => {
  const cwd = tmpDir(t);
  const {writer} = await openTestWriter(cwd, ['-*', './empty', '+*', './log']);
  await writer.feed(Buffer.from('whole\npart'));
  await writer.rotate();
  await writer.rotate();
  await writer.feed(Buffer.from('ial\n'));
  await writer.end();
  const finished = readdirSync(join(cwd, 'log')).filter((name) => name.startsWith('@'));
  t.is(finished.length, 1);
  t.is(read(join(cwd, 'log', finished[0]!)), 'whole\n');
  t.is(read(join(cwd, 'log/current')), 'partial\n');
  t.deepEqual(readdirSync(join(cwd, 'empty')).sort(), ['current', 'lock', 'state']);
});

test('a crash leaves current 0644; the next start finishes it as .u and starts fresh', async (t) => {
  const cwd = tmpDir(t);
  const first = await openTestWriter(cwd, ['./log']);
  await first.writer.feed(Buffer.from('before the crash\n'));
  await first.writer.rotate();
  await first.writer.feed(Buffer.from('unfinished\n'));
  first.writer.abandon();
  t.is(mode(join(cwd, 'log/current')), 0o644);
  const second = await openTestWriter(cwd, ['./log']);
  await second.writer.end();
  const names = readdirSync(join(cwd, 'log')).sort();
  const unsafe = names.filter((name) => name.endsWith('.u'));
  t.is(unsafe.length, 1);
  t.is(read(join(cwd, 'log', unsafe[0]!)), 'unfinished\n');
  t.is(mode(join(cwd, 'log', unsafe[0]!)), 0o644);
  t.is(names.filter((name) => name.endsWith('.s')).length, 1);
  t.is(statSync(join(cwd, 'log/current')).size, 0);
});

test('a clean restart appends to current and keeps counting its size', async (t) => {
  const cwd = tmpDir(t);
  const first = await openTestWriter(cwd, ['s4096', './log']);
  await first.writer.feed(Buffer.from('y'.repeat(2000) + '\n'));
  await first.writer.end();
  const second = await openTestWriter(cwd, ['s4096', './log']);
  t.is(mode(join(cwd, 'log/current')), 0o644, 'running again');
  await second.writer.feed(Buffer.from('z'.repeat(200) + '\n'));
  await second.writer.end();
  const finished = readdirSync(join(cwd, 'log')).filter((name) => name.startsWith('@'));
  t.is(finished.length, 1, 'the appended line pushed current past size - 2000');
  t.is(read(join(cwd, 'log', finished[0]!)), 'y'.repeat(2000) + '\n' + 'z'.repeat(200) + '\n');
});

test('recovery after a crash during processing: complete processed becomes .s, else previous becomes .u', async (t) => {
  const cwd = tmpDir(t);
  const done = join(cwd, 'done');
  const undone = join(cwd, 'undone');
  for (const dir of [done, undone]) {
    await (await openTestWriter(cwd, [dir])).writer.end();
    writeFileSync(join(dir, 'previous'), 'old\n', {mode: 0o744});
    writeFileSync(join(dir, 'newstate'), 'half');
    writeFileSync(join(dir, 'state'), 'kept?');
  }
  writeFileSync(join(done, 'processed'), 'OLD\n', {mode: 0o744});
  writeFileSync(join(undone, 'processed'), 'OL', {mode: 0o644});
  const {chmodSync} = await import('node:fs');
  for (const dir of [done, undone]) chmodSync(join(dir, 'current'), 0o644);
  const writer = await openTestWriter(cwd, [done, undone]);
  await writer.writer.end();
  const listing = (dir: string) =>
    readdirSync(dir)
      .sort()
      .map((name) => (name.startsWith('@') ? name.slice(25) : name));
  t.deepEqual(listing(done), ['.s', '.u', 'current', 'lock', 'state']);
  t.deepEqual(listing(undone), ['.u', '.u', 'current', 'lock', 'state']);
  const contents = (dir: string) =>
    readdirSync(dir)
      .filter((name) => name.startsWith('@'))
      .sort()
      .map((name) => read(join(dir, name)));
  t.true(contents(done).includes('OLD\n'));
  t.true(contents(undone).includes('old\n'));
  t.is(read(join(done, 'state')), '', 'processor state is lost after a crash');
  t.false(existsSync(join(undone, 'processed')));
});

test('the processor gets previous, processed, state and newstate on fds 0, 1, 4, 5 in the log directory', async (t) => {
  const cwd = tmpDir(t);
  const processor = 'tr a-z A-Z; echo "state was [$(cat <&4)] in ${PWD##*/}"; echo 2 >&5';
  const {writer} = await openTestWriter(cwd, [`!${processor}`, './log']);
  await writer.feed(Buffer.from('first\n'));
  await writer.rotate();
  await writer.feed(Buffer.from('second\n'));
  await writer.rotate();
  await writer.end();
  const finished = readdirSync(join(cwd, 'log'))
    .filter((name) => name.startsWith('@'))
    .sort();
  t.deepEqual(
    finished.map((name) => read(join(cwd, 'log', name))),
    ['FIRST\nstate was [] in log\n', 'SECOND\nstate was [2] in log\n'],
  );
  t.is(read(join(cwd, 'log/state')), '2\n');
  t.deepEqual(
    readdirSync(join(cwd, 'log'))
      .filter((name) => !name.startsWith('@'))
      .sort(),
    ['current', 'lock', 'state'],
  );
});

test('a failing processor is warned about, paused on and re-run on the same input', async (t) => {
  const cwd = tmpDir(t);
  const marker = join(cwd, 'tried');
  const processor = `if [ -e '${marker}' ]; then cat; else : > '${marker}'; cat >/dev/null; exit 3; fi`;
  const {writer, warnings, pauses} = await openTestWriter(cwd, [`!${processor}`, './log']);
  await writer.feed(Buffer.from('kept\n'));
  await writer.rotate();
  await writer.end();
  t.deepEqual(warnings, ['processor failed in ./log, pausing']);
  t.is(pauses.count, 1);
  const finished = readdirSync(join(cwd, 'log')).filter((name) => name.startsWith('@'));
  t.deepEqual(
    finished.map((name) => read(join(cwd, 'log', name))),
    ['kept\n'],
  );
});

test('a crashing processor: crashed warning, then the failure path, then a re-run', async (t) => {
  const cwd = tmpDir(t);
  const marker = join(cwd, 'tried');
  const processor = `if [ -e '${marker}' ]; then cat; else : > '${marker}'; kill -9 $$; fi`;
  const {writer, warnings, pauses} = await openTestWriter(cwd, [`!${processor}`, './log']);
  await writer.feed(Buffer.from('kept\n'));
  await writer.rotate();
  await writer.end();
  t.deepEqual(warnings, ['processor crashed in ./log, pausing: SIGKILL', 'processor failed in ./log, pausing']);
  t.is(pauses.count, 2);
});

test('a processor whose files cannot be opened: unable to run, failed, retried once they can', async (t) => {
  const cwd = tmpDir(t);
  const {rmSync} = await import('node:fs');
  const {writer, warnings} = await openTestWriter(cwd, ['!cat', './log'], {
    sleep: async () => writeFileSync(join(cwd, 'log/state'), ''),
  });
  await writer.feed(Buffer.from('kept\n'));
  rmSync(join(cwd, 'log/state'));
  await writer.rotate();
  await writer.end();
  t.deepEqual(warnings, ['unable to run cat: file does not exist', 'processor failed in ./log, pausing']);
  const finished = readdirSync(join(cwd, 'log')).filter((name) => name.startsWith('@'));
  t.deepEqual(
    finished.map((name) => read(join(cwd, 'log', name))),
    ['kept\n'],
  );
});

test('startup failures throw daemontools messages and leave nothing locked', async (t) => {
  const cwd = tmpDir(t);
  const reporter = recordingReporter();
  await t.throwsAsync(LogWriter.open(parseScript(['./ok', './missing/sub']), {cwd, reporter}), {
    message: 'unable to open directory ./missing/sub: file does not exist',
  });
  await t.throwsAsync(LogWriter.open(parseScript(['=nodir/file', './ok']), {cwd, reporter}), {
    message: 'unable to create nodir/file: file does not exist',
  });
  writeFileSync(join(cwd, 'plain'), '');
  await t.throwsAsync(LogWriter.open(parseScript(['./plain']), {cwd, reporter}), {
    message: 'unable to open directory ./plain: not a directory',
  });
  const held = await LogWriter.open(parseScript(['./ok']), {cwd, reporter});
  await t.throwsAsync(LogWriter.open(parseScript(['./other', './ok']), {cwd, reporter}), {
    message: 'unable to lock directory ./ok: temporary failure',
  });
  await held.end();
  const again = await LogWriter.open(parseScript(['./other', './ok']), {cwd, reporter});
  await again.end();
  t.deepEqual(reporter.warnings, []);
});

test('a failing = file (on a full device) is warned about and retried while the input waits', async (t) => {
  const cwd = tmpDir(t);
  const {symlinkSync} = await import('node:fs');
  symlinkSync('/dev/full', join(cwd, 'full'));
  let pauses = 0;
  let pausedTwice: () => void = () => {};
  const twice = new Promise<void>((resolve) => (pausedTwice = resolve));
  const {writer, warnings} = await openTestWriter(cwd, ['=full', './log'], {
    sleep: async () => {
      if (++pauses === 2) pausedTwice();
      await new Promise((resolve) => setTimeout(resolve, 5));
    },
  });
  let settled = false;
  const feeding = writer.feed(Buffer.from('status line\n')).finally(() => (settled = true));
  await twice;
  t.false(settled, 'the feed stays pending while the = file cannot be written');
  t.deepEqual(warnings.slice(0, 2), ['unable to write full, pausing: out of disk space', 'unable to write full, pausing: out of disk space']);
  t.is(read(join(cwd, 'log/current')), '', 'later actions wait for the failing one');
  writer.abandon();
  await feeding.catch(() => {});
});
