// envdir against Debian's daemontools: the value rules, error paths and exit codes.
// Deliberate difference, asserted here: a dangling symlink removes the variable (daemontools
// reuses the previous file's value).
import test from 'ava';
import {mkdirSync, symlinkSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {runBoth, transcript} from '../helpers/differential.js';
import {tmpDir} from '../helpers/tmp.js';

function envDir(t: Parameters<typeof tmpDir>[0], files: Record<string, string | Buffer>): string {
  const dir = join(tmpDir(t), 'env');
  mkdirSync(dir);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

const sortedLines = (text: string) => text.split('\n').sort().join('\n');

test('values: first line, trailing blanks cut, NUL to newline, empty file unsets, dot files skipped', async (t) => {
  const dir = envDir(t, {A: 'first line  \t \nsecond', B: 'x\0y\0z', C: '', D: '\n', H: ' lead\t\n', '.G': 'hidden', L: Buffer.from([0x63, 0xe9, 0xff])});
  const env = {PATH: '/usr/bin:/bin', C: 'preset', KEEP: 'kept'};
  const {ours, theirs} = await runBoth('envdir', [dir, 'env'], {env});
  t.is(ours.code, 0);
  t.is(sortedLines(ours.stdout), sortedLines(theirs.stdout));
  t.regex(ours.stdout, /^A=first line$/m);
  t.regex(ours.stdout, /^B=x\ny\nz$/m);
  t.notRegex(ours.stdout, /^C=/m);
  t.regex(ours.stdout, /^D=$/m);
  t.regex(ours.stdout, /^H= lead$/m);
  t.notRegex(ours.stdout, /^\.G=/m);
  t.regex(ours.stdout, /^KEEP=kept$/m);
});

test('bytes that are not UTF-8 pass through unchanged', async (t) => {
  const dir = envDir(t, {L: Buffer.from([0x63, 0xe9, 0xff, 0x0a])});
  const {ours, theirs} = await runBoth('envdir', [dir, 'sh', '-c', 'printf %s "$L" | od -An -tx1'], {env: {PATH: '/usr/bin:/bin'}});
  t.is(ours.stdout.trim(), '63 e9 ff');
  t.deepEqual(transcript(ours), transcript(theirs));
});

test("the program is searched on envdir's own PATH, and gets the env dir's", async (t) => {
  const dir = envDir(t, {PATH: '/nonexistent-kp6'});
  const {ours, theirs} = await runBoth('envdir', [dir, 'sh', '-c', 'echo "$PATH"'], {env: {PATH: '/usr/bin:/bin'}});
  t.is(ours.stdout, '/nonexistent-kp6\n');
  t.deepEqual(transcript(ours), transcript(theirs));
});

const ERROR_CASES: Array<[string, (dir: string) => string[]]> = [
  ['missing directory', (dir) => [join(dir, 'missing'), 'true']],
  ['not a directory', (dir) => [join(dir, 'plain'), 'true']],
  ['a subdirectory entry', (dir) => [join(dir, 'withsub'), 'true']],
  ['a symlink loop entry', (dir) => [join(dir, 'withloop'), 'true']],
  ['missing program', (dir) => [join(dir, 'good'), 'no-such-program-kp6']],
  ['program not executable', (dir) => [join(dir, 'good'), join(dir, 'plain')]],
];

for (const [what, args] of ERROR_CASES) {
  test(`${what}: same message and exit code as daemontools`, async (t) => {
    const dir = tmpDir(t);
    writeFileSync(join(dir, 'plain'), 'x');
    mkdirSync(join(dir, 'good'));
    writeFileSync(join(dir, 'good', 'X'), '1');
    mkdirSync(join(dir, 'withsub', 'SUB'), {recursive: true});
    mkdirSync(join(dir, 'withloop'));
    symlinkSync('LOOP', join(dir, 'withloop', 'LOOP'));
    const {ours, theirs} = await runBoth('envdir', args(dir));
    t.is(ours.code, 111);
    t.deepEqual(transcript(ours), transcript(theirs));
  });
}

for (const args of [[], ['onlydir']]) {
  test(`usage (${args.length} arguments): the same line and exit 111 as daemontools`, async (t) => {
    const {ours, theirs} = await runBoth('envdir', args);
    t.is(ours.stderr, 'envdir: usage: envdir dir child\n');
    t.is(ours.code, 111);
    t.deepEqual(transcript(ours), transcript(theirs));
  });
}

// daemontools reuses the previous entry's value there (in readdir order, so the result varies).
test('a dangling symlink removes the variable', async (t) => {
  const dir = envDir(t, {A: 'alpha'});
  symlinkSync('nowhere', join(dir, 'B'));
  const {ours} = await runBoth('envdir', [dir, 'env'], {env: {PATH: '/usr/bin:/bin', B: 'preset'}});
  t.is(ours.code, 0);
  t.is(sortedLines(ours.stdout), sortedLines('A=alpha\nPATH=/usr/bin:/bin\n'));
});
