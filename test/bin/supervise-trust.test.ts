// supervise and svscan refuse a service that someone else could rewrite: as root they would run
// that user's code, or write through that user's symlinks. (Deliberate difference: daemontools
// starts whatever ./run it finds and writes wherever supervise/ leads.)
// The attacker is `nobody`, who owns the service directory and plants the symlinks itself.
import test, {type ExecutionContext} from 'ava';
import {once} from 'node:events';
import {chmodSync, chownSync, existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, unlinkSync, writeFileSync} from 'node:fs';
import {asNobody, attackerDir, NOBODY, startExchanger} from '../helpers/attacker.js';
import {join} from 'node:path';
import {readStatus} from '../../src/lib/status/file.js';
import {addService, makeService} from '../helpers/service-dir.js';
import {startSvscan} from '../helpers/svscan.js';
import {startSupervise, stderrOf, tool, waitForStatus} from '../helpers/supervisors.js';
import {tmpDir} from '../helpers/tmp.js';
import {PATIENT, waitFor} from '../helpers/wait-for.js';

function needRoot(t: ExecutionContext): void {
  if (process.getuid?.() !== 0) t.fail('this test needs root (ownership checks against uid 0, nobody as the attacker)');
}

const runCases: Array<[string, (dir: string) => void, (dir: string) => void, RegExp]> = [
  ['a group-writable run', (dir) => chmodSync(join(dir, 'run'), 0o775), (dir) => chmodSync(join(dir, 'run'), 0o755), /refusing to start s1\/run: it is group-writable\n/],
  [
    'a run owned by another user',
    (dir) => chownSync(join(dir, 'run'), NOBODY, NOBODY),
    (dir) => chownSync(join(dir, 'run'), 0, 0),
    /refusing to start s1\/run: it is owned by uid 65534, not by uid 0\n/,
  ],
];

for (const [what, spoil, mend, message] of runCases) {
  test(`${what} is refused with one clear line, nothing starts, and the fix takes effect at the next try`, async (t) => {
    needRoot(t);
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
    t.true(
      [`${home}: it is owned by uid ${NOBODY}, not by uid 0`, 'it is owned by uid 65534, not by uid 0'].some((why) => line === `supervise: warning: refusing to start s1/run: ${why}`),
      line,
    );
  }
  t.false(existsSync(marker));
  t.like(readStatus(dir), {pid: 0, want: 'up'});
});

test('a world-writable service directory is not touched at all: one line, no supervise/, and the fix takes effect at the next try', async (t) => {
  needRoot(t);
  const {parent, dir} = makeService(t);
  chmodSync(dir, 0o757);
  const supervise = startSupervise(t, 'ours', parent, 's1');
  await waitFor(() => stderrOf(supervise).includes('refusing to supervise s1: it is world-writable\n'), 'the refusal', PATIENT);
  t.deepEqual(readdirSync(dir), ['run']);
  const svstat = await tool('real', 'svstat', ['s1'], parent);
  t.is(svstat.stdout, 's1: unable to open supervise/ok: file does not exist\n');
  chmodSync(dir, 0o755);
  await waitForStatus(dir, (record) => record.pid > 0, 'the service to start once mended');
  t.is(stderrOf(supervise), 'supervise: warning: refusing to supervise s1: it is world-writable\n', 'one line for the whole refusal');
});

/**
 * The attacker's service directory: owned by nobody, with `supervise` a symlink (made by
 * nobody) to a root directory that holds a root 0600 `status`; beside it a second
 * one whose own supervise/ (nobody's) has `status`, `status.new` and `lock` symlinks to root
 * 0600 files. Returns a function that tells whether any root file or directory changed.
 */
function attackerFixture(parent: string, root: string): () => Record<string, string> {
  chmodSync(root, 0o755); // nobody must reach its own directories
  const rootDir = join(root, 'root-dir');
  mkdirSync(rootDir, {mode: 0o700});
  writeFileSync(join(rootDir, 'status'), 'root secret\n', {mode: 0o600});
  const secrets = ['a', 'b', 'c'].map((name) => join(rootDir, `secret-${name}`));
  for (const secret of secrets) writeFileSync(secret, `${secret}\n`, {mode: 0o600});
  const viaDir = addService(parent, 'evil');
  chownSync(viaDir, NOBODY, NOBODY);
  chownSync(join(viaDir, 'run'), NOBODY, NOBODY);
  asNobody('ln', '-s', rootDir, join(viaDir, 'supervise'));
  const viaFiles = addService(parent, 'evil2');
  chownSync(viaFiles, NOBODY, NOBODY);
  asNobody('mkdir', join(viaFiles, 'supervise'));
  for (const [file, secret] of [
    ['status', secrets[0]!],
    ['status.new', secrets[1]!],
    ['lock', secrets[2]!],
  ] as const) {
    asNobody('ln', '-s', secret, join(viaFiles, 'supervise', file));
  }
  return () => ({
    rootDir: readdirSync(rootDir).sort().join(' '),
    ...Object.fromEntries([join(rootDir, 'status'), ...secrets].map((file) => [file, readFileSync(file, 'utf8')])),
    evil: readdirSync(viaDir).sort().join(' '),
    evil2: readdirSync(join(viaFiles, 'supervise')).sort().join(' '),
  });
}

test('supervise on a directory nobody owns writes nothing through its symlinks, and retries', async (t) => {
  needRoot(t);
  const root = tmpDir(t);
  const parent = join(root, 'services');
  mkdirSync(parent);
  const snapshot = attackerFixture(parent, root);
  const before = snapshot();
  const supervisors = ['evil', 'evil2'].map((name) => startSupervise(t, 'ours', parent, name));
  for (const [index, name] of ['evil', 'evil2'].entries()) {
    const line = `supervise: warning: refusing to supervise ${name}: it is owned by uid 65534, not by uid 0\n`;
    await waitFor(() => stderrOf(supervisors[index]!) === line, `${name} refused`, PATIENT);
  }
  // Mending the directory's owner is seen at the next try; the planted supervise/ is refused in turn.
  chownSync(join(parent, 'evil'), 0, 0);
  chownSync(join(parent, 'evil2'), 0, 0);
  await waitFor(() => stderrOf(supervisors[0]!).includes('refusing to supervise evil: evil/supervise: it is a symbolic link, not a directory\n'), 'evil retried', PATIENT);
  await waitFor(() => stderrOf(supervisors[1]!).includes('refusing to supervise evil2: evil2/supervise: it is owned by uid 65534, not by uid 0\n'), 'evil2 retried', PATIENT);
  t.deepEqual(snapshot(), before);
});

test('svscan: a directory nobody owns gets no supervise/, no FIFO, no status; its log symlink into a root service is never run', async (t) => {
  needRoot(t);
  const root = tmpDir(t);
  const scanDir = join(root, 'service');
  mkdirSync(scanDir);
  const snapshot = attackerFixture(scanDir, root);
  // Another root service, not supervised: its run must never be executed on nobody's behalf.
  const victim = addService(root, 'victim', {run: `echo ran >> ${join(root, 'victim-ran')}; exec sleep 1000`});
  const logged = addService(scanDir, 'evil3');
  chownSync(logged, NOBODY, NOBODY);
  asNobody('ln', '-s', victim, join(logged, 'log'));
  const good = addService(scanDir, 'good');
  const before = snapshot();
  const scanner = startSvscan(t, 'ours', scanDir, root);
  await waitForStatus(good, (record) => record.pid > 0, 'good up');
  for (const name of ['evil', 'evil2', 'evil3']) {
    await waitFor(() => scanner.stderr().includes(`svscan: warning: refusing to supervise ${name}: it is owned by uid 65534, not by uid 0\n`), `${name} refused`, PATIENT);
  }
  // A later scan (it starts `late`) looks again, says nothing new, and still touches nothing.
  const late = addService(scanDir, 'late');
  await waitForStatus(late, (record) => record.pid > 0, 'late up');
  t.deepEqual(snapshot(), before);
  t.false(existsSync(join(root, 'victim-ran')), "the victim's run never ran");
  t.false(existsSync(join(victim, 'supervise')));
  t.false(existsSync(join(logged, 'supervise')));
  t.is(scanner.stderr().match(/refusing to supervise evil3/g)?.length, 1, 'one line per refused directory');
});

test('SIGTERM while a directory is refused: supervise exits 0, having touched nothing', async (t) => {
  needRoot(t);
  const {parent, dir} = makeService(t);
  chmodSync(dir, 0o757);
  const supervise = startSupervise(t, 'ours', parent, 's1');
  await waitFor(() => stderrOf(supervise).includes('refusing to supervise s1'), 'the refusal', PATIENT);
  const exited = once(supervise, 'exit');
  supervise.kill('SIGTERM');
  t.deepEqual(await exited, [0, null]);
  t.deepEqual(readdirSync(dir), ['run']);
});
