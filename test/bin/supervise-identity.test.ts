// A supervisor is bound to its directory, not to its name: daemontools' supervise chdirs into
// it, keepup's holds it open. Each recipe is played by keepup and by Debian's daemontools side
// by side in the same test, and the transcripts (svstat normalised as rts.tests does, where
// each restarted child runs, how many copies of a service run) must be identical.
import test, {type ExecutionContext} from 'ava';
import {mkdirSync, readFileSync, realpathSync, renameSync, rmSync, symlinkSync} from 'node:fs';
import {join} from 'node:path';
import {readStatus} from '../../src/lib/status/file.js';
import {addService, normalise} from '../helpers/service-dir.js';
import {killProcessesUnder, pidsWithCwd, startSvscan} from '../helpers/svscan.js';
import {startSupervise, tool, waitForStatus, type Side} from '../helpers/supervisors.js';
import {tmpDir} from '../helpers/tmp.js';
import {PATIENT, waitFor} from '../helpers/wait-for.js';

/** The status record's pid and want, as a transcript line. */
function statusLine(dir: string): string {
  const record = readStatus(dir);
  return record === 'bad-format' ? `${dir}: bad format` : `pid ${record.pid === 0 ? 0 : 'x'}, want ${record.want}, paused ${record.paused}`;
}

async function svstat(root: string, ...names: string[]): Promise<string> {
  return normalise((await tool('real', 'svstat', names, root)).stdout);
}

/**
 * Where `pid` runs, relative to ROOT, once it runs the service's `sleep`: a status may name the
 * child while it is still setting itself up (its working directory among the rest).
 */
async function cwdOf(pid: number, root: string): Promise<string> {
  await waitFor(() => readFileSync(`/proc/${pid}/comm`, 'latin1') === 'sleep\n', `${pid} to exec its payload`, PATIENT);
  return realpathSync(`/proc/${pid}/cwd`).slice(realpathSync(root).length + 1);
}

async function supervisorGone(root: string, name: string): Promise<void> {
  await waitFor(async () => (await tool('real', 'svok', [name], root)).code === 100, `${name}'s supervisor to exit`, PATIENT);
}

async function renameRecipe(t: ExecutionContext, side: Side, scanner: boolean): Promise<string[]> {
  const root = tmpDir(t, `keepup-rename-${side}-`);
  t.teardown(() => killProcessesUnder(root));
  const parent = scanner ? join(root, 'service') : root;
  if (scanner) mkdirSync(parent);
  const dir = addService(parent, 's1');
  if (scanner) startSvscan(t, side, parent, root);
  else startSupervise(t, side, parent, 's1');
  const first = await waitForStatus(dir, (record) => record.pid > 0, `${side}: s1 up`);
  const moved = join(parent, 's2');
  renameSync(dir, moved);
  process.kill(first.pid, 'SIGKILL');
  const second = await waitForStatus(moved, (record) => record.pid > 0 && record.pid !== first.pid, `${side}: the service restarted in s2`);
  return [`restarted in ${await cwdOf(second.pid, parent)}`, await svstat(parent, 's2'), statusLine(moved)];
}

test('mv NAME NAME2 under supervise: a killed child is restarted from NAME2 and svstat NAME2 is right, as daemontools', async (t) => {
  const [ours, real] = await Promise.all([renameRecipe(t, 'ours', false), renameRecipe(t, 'real', false)]);
  t.deepEqual(real, ['restarted in s2', 's2: up (pid x) x seconds\n', 'pid x, want up, paused false']);
  t.deepEqual(ours, real);
});

test('mv NAME NAME2 in a scanned directory: a killed child is restarted from NAME2 and svstat NAME2 is right, as daemontools', async (t) => {
  const [ours, real] = await Promise.all([renameRecipe(t, 'ours', true), renameRecipe(t, 'real', true)]);
  t.deepEqual(real, ['restarted in s2', 's2: up (pid x) x seconds\n', 'pid x, want up, paused false']);
  t.deepEqual(ours, real);
});

/**
 * `svc -> A` in the scan directory, B supervised elsewhere (by Debian's supervise, for both
 * sides); then `ln -sfn B svc`. The scanner must respect B's lock, and A's supervisor must go
 * on running A, obeying A's control, writing A's status.
 */
async function repointRecipe(t: ExecutionContext, side: Side): Promise<string[]> {
  const root = tmpDir(t, `keepup-repoint-${side}-`);
  t.teardown(() => killProcessesUnder(root));
  const a = addService(root, 'A');
  const b = addService(root, 'B');
  const scanDir = join(root, 'service');
  mkdirSync(scanDir);
  symlinkSync(a, join(scanDir, 'svc'));
  startSupervise(t, 'real', root, 'B');
  const bUp = await waitForStatus(b, (record) => record.pid > 0, `${side}: B up`);
  const scanner = startSvscan(t, side, scanDir, root);
  const first = await waitForStatus(a, (record) => record.pid > 0, `${side}: A up`);
  symlinkSync(b, join(scanDir, 'svc.new'));
  renameSync(join(scanDir, 'svc.new'), join(scanDir, 'svc'));
  await waitFor(() => scanner.stderr().includes('unable to acquire svc/supervise/lock: temporary failure'), `${side}: the scanner to meet B's lock`, PATIENT);
  process.kill(first.pid, 'SIGKILL');
  const second = await waitForStatus(a, (record) => record.pid > 0 && record.pid !== first.pid, `${side}: A restarted`);
  const transcript = [`A restarted in ${await cwdOf(second.pid, root)}`, `copies of B's run: ${pidsWithCwd(b, 'sleep').length}`];
  await tool('real', 'svc', ['-dx', a], root);
  await supervisorGone(root, 'A');
  transcript.push(statusLine(a), await svstat(root, 'A', 'B'), `B still pid ${readStatus(b) !== 'bad-format' && (readStatus(b) as {pid: number}).pid === bUp.pid}`);
  return transcript;
}

test('ln -sfn B svc: A keeps its supervisor, B its lock, no second B; svc -dx A writes A’s status, as daemontools', async (t) => {
  const [ours, real] = await Promise.all([repointRecipe(t, 'ours'), repointRecipe(t, 'real')]);
  t.deepEqual(real, ['A restarted in A', "copies of B's run: 1", 'pid 0, want down, paused false', 'A: supervise not running\nB: up (pid x) x seconds\n', 'B still pid true']);
  t.deepEqual(ours, real);
});

/** djb's removal recipe: `rm /service/X; svc -dx /etc/X /etc/X/log`. */
async function removalRecipe(t: ExecutionContext, side: Side): Promise<string[]> {
  const root = tmpDir(t, `keepup-removal-${side}-`);
  t.teardown(() => killProcessesUnder(root));
  const x = addService(root, 'X', {run: 'echo started; exec sleep 1000'});
  addService(x, 'log', {run: 'exec cat > /dev/null'});
  const scanDir = join(root, 'service');
  mkdirSync(scanDir);
  symlinkSync(x, join(scanDir, 'X'));
  startSvscan(t, side, scanDir, root);
  await waitForStatus(x, (record) => record.pid > 0, `${side}: X up`);
  await waitForStatus(join(x, 'log'), (record) => record.pid > 0, `${side}: X/log up`);
  rmSync(join(scanDir, 'X'));
  const svc = await tool('real', 'svc', ['-dx', x, join(x, 'log')], root);
  await supervisorGone(root, 'X');
  await supervisorGone(root, 'X/log');
  return [`svc rc ${svc.code}`, statusLine(x), statusLine(join(x, 'log')), await svstat(root, 'X', 'X/log')];
}

test('rm /service/X; svc -dx X X/log: the final status says down, want down, as daemontools', async (t) => {
  const [ours, real] = await Promise.all([removalRecipe(t, 'ours'), removalRecipe(t, 'real')]);
  t.deepEqual(real, ['svc rc 0', 'pid 0, want down, paused false', 'pid 0, want down, paused false', 'X: supervise not running\nX/log: supervise not running\n']);
  t.deepEqual(ours, real);
});
