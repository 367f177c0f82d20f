// s6's readiness protocol end to end, under each of keepup's supervisors (svscan, standalone
// supervise, keepup supervise): a real service that writes its readiness line on fd 3 only once
// the test opens its gate; svcstart returns only after that line; Debian's svstat still reads the
// status; keepup status (JSON) shows ready, and not ready again after a restart.
import test, {type ExecutionContext} from 'ava';
import {chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {bin} from '../helpers/paths.js';
import {run, type RunResult} from '../helpers/processes.js';
import {uniqueName, watchdogSetup} from '../helpers/daemons.js';
import {startResident} from '../helpers/resident.js';
import {upPid} from '../helpers/service-pid.js';
import {startSupervise, stderrOf} from '../helpers/supervisors.js';
import {startSvscan} from '../helpers/svscan.js';
import {tmpDir} from '../helpers/tmp.js';
import {PATIENT, waitFor} from '../helpers/wait-for.js';

/** Says it is waiting, waits for the gate, then the readiness line (text before the newline is allowed). */
const GATED = `touch waiting; while [ ! -e gate ]; do sleep 0.02; done; printf 'warming up... ready\\n' >&3; exec sleep 600`;

interface Row {
  name: string;
  pid: number | null;
  ready: boolean | null;
}

async function row(config: string, name: string): Promise<Row | undefined> {
  const result = await run(process.execPath, [bin('keepup'), 'status', '--config', config, '--json'], {timeoutMs: 60_000});
  return result.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Row)
    .find((each) => each.name === name);
}

/** A config that only names `serviceDir`, for keepup status on a tree another supervisor runs. */
function statusConfig(t: ExecutionContext, serviceDir: string): string {
  const config = join(tmpDir(t), 'status.yaml');
  writeFileSync(config, `serviceDir: ${serviceDir}\ndaemons: []\n`);
  return config;
}

function serviceDir(parent: string, name: string, script: string, options: {down?: boolean} = {}): string {
  const dir = join(parent, name);
  mkdirSync(dir, {recursive: true});
  writeFileSync(join(dir, 'run'), `#!/bin/sh\n${script}\n`);
  chmodSync(join(dir, 'run'), 0o755);
  writeFileSync(join(dir, 'notification-fd'), '3\n');
  if (options.down) writeFileSync(join(dir, 'down'), '');
  return dir;
}

/**
 * svcstart on DIR (down, or up and not ready): it must still be waiting once the service is up,
 * waiting at its gate, and keepup status says not ready; it returns 0 once the gate opens.
 */
async function svcstartWaitsForTheLine(t: ExecutionContext, dir: string, config: string, name: string): Promise<number> {
  let returned = false;
  const starting = run(process.execPath, [bin('svcstart'), '-s', '0', '-t', '60', dir], {timeoutMs: 90_000}).then((result: RunResult) => {
    returned = true;
    return result;
  });
  const pid = await upPid(dir);
  await waitFor(() => existsSync(join(dir, 'waiting')), 'the service at its gate', PATIENT);
  const svstat = await run('/usr/bin/svstat', [dir]);
  t.regex(svstat.stdout, new RegExp(`^${dir}: up \\(pid ${pid}\\) \\d+ seconds(, normally down)?\\n$`), "Debian's svstat reads the status");
  t.like(await row(config, name), {pid, ready: false});
  t.false(returned, 'svcstart returned before the readiness line');
  writeFileSync(join(dir, 'gate'), '');
  const result = await starting;
  t.is(result.code, 0, result.stderr);
  t.regex(result.stdout, new RegExp(`^svcstart: ${dir}: up \\(pid ${pid}\\)`));
  t.like(await row(config, name), {pid, ready: true});
  t.like(JSON.parse(readFileSync(join(dir, 'supervise', 'ready'), 'utf8')), {pid});
  return pid;
}

/** svc -t with the gate closed: a new pid, not ready (readiness starts afresh), ready once the gate opens. */
async function readinessResetsAtRestart(t: ExecutionContext, dir: string, config: string, name: string, first: number): Promise<void> {
  rmSync(join(dir, 'gate'));
  rmSync(join(dir, 'waiting'));
  t.is((await run(process.execPath, [bin('svc'), '-t', dir])).code, 0);
  const second = await upPid(dir, first);
  await waitFor(() => existsSync(join(dir, 'waiting')), 'the restarted service at its gate', PATIENT);
  t.like(await row(config, name), {pid: second, ready: false});
  writeFileSync(join(dir, 'gate'), '');
  await waitFor(async () => (await row(config, name))?.ready === true, 'ready again', PATIENT);
}

test("svscan: svcstart waits for the service's line on fd 3; readiness starts afresh at each start", async (t) => {
  const root = tmpDir(t);
  const name = 'notifier';
  const dir = serviceDir(root, name, GATED, {down: true});
  startSvscan(t, 'ours', root, root);
  await waitFor(() => existsSync(join(dir, 'supervise', 'status')), 'svscan to supervise it', PATIENT);
  const config = statusConfig(t, root);
  const pid = await svcstartWaitsForTheLine(t, dir, config, name);
  await readinessResetsAtRestart(t, dir, config, name, pid);
});

test('supervise (standalone): svcstart waits for the line on fd 3', async (t) => {
  const root = tmpDir(t);
  const name = 'notifier';
  const dir = serviceDir(root, name, GATED, {down: true});
  startSupervise(t, 'ours', root, name);
  await waitFor(() => existsSync(join(dir, 'supervise', 'status')), 'supervise to start', PATIENT);
  await svcstartWaitsForTheLine(t, dir, statusConfig(t, root), name);
});

test('keepup supervise: ready: {fd: 3} writes notification-fd; svcstart and keepup status follow the line, at each start', async (t) => {
  const s = watchdogSetup(t);
  const name = uniqueName('nf');
  const services = join(s.dir, 'service');
  s.writeConfig(`serviceDir: service\ndaemons:\n  - name: ${name}\n    run: [sh, -c, "${GATED.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"]\n    ready: {fd: 3}\n`);
  startResident(t, s.config, services);
  const dir = join(services, name);
  // Already started by keepup supervise (not down): svcstart then waits for the line of that pid.
  await upPid(dir);
  const pid = await svcstartWaitsForTheLine(t, dir, s.config, name);
  t.is(readFileSync(join(dir, 'notification-fd'), 'utf8').trim(), '3');
  await readinessResetsAtRestart(t, dir, s.config, name, pid);
});

test('a service that closes fd 3 without a line is up but never ready: svcstart exits 1 after its limit', async (t) => {
  const root = tmpDir(t);
  const name = 'silent';
  const dir = serviceDir(root, name, 'exec 3>&-; exec sleep 600', {down: true});
  startSupervise(t, 'ours', root, name);
  await waitFor(() => existsSync(join(dir, 'supervise', 'status')), 'supervise to start', PATIENT);
  const result = await run(process.execPath, [bin('svcstart'), '-s', '0', '-t', '2', dir], {timeoutMs: 60_000});
  const pid = await upPid(dir);
  t.is(result.code, 1);
  t.is(result.stdout, '');
  t.regex(result.stderr, new RegExp(`^svcstart: ${dir}: not ready within 2 seconds: up \\(pid ${pid}\\) \\d+ seconds?\\n$`));
  t.like(await row(statusConfig(t, root), name), {pid, ready: false});
});

test('notification-fd 0 to 2 is refused with a warning, as s6 does: the service runs without a readiness protocol', async (t) => {
  const root = tmpDir(t);
  const name = 'stdio';
  const dir = serviceDir(root, name, 'exec sleep 600');
  writeFileSync(join(dir, 'notification-fd'), '1\n');
  const supervise = startSupervise(t, 'ours', root, name);
  const pid = await upPid(dir);
  await waitFor(() => stderrOf(supervise).includes('notification-fd'), 'the warning', PATIENT);
  t.is(stderrOf(supervise), `supervise: warning: ignoring ${name}/notification-fd: not a descriptor number from 3 to 65535\n`);
  t.like(await row(statusConfig(t, root), name), {pid, ready: null});
  const result = await run(process.execPath, [bin('svcstart'), '-s', '0', '-t', '10', dir], {timeoutMs: 60_000});
  t.is(result.code, 0, result.stderr);
});
