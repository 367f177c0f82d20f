// keepup supervise's start order, end to end: three real services, c after b after a, each
// ready at its first healthy check; the order seen in the processes' start times
// (/proc/PID/stat), and the reverse order at shutdown seen in what their TERM traps wrote.
import test from 'ava';
import {existsSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {bin} from '../helpers/paths.js';
import {isAlive, run} from '../helpers/processes.js';
import {uniqueName, watchdogSetup} from '../helpers/daemons.js';
import {startResident} from '../helpers/resident.js';
import {pidOf, upPid} from '../helpers/service-pid.js';
import {PATIENT, waitFor} from '../helpers/wait-for.js';
import {parseProcStat} from '../../src/lib/proc/stat.js';

function startTicks(pid: number): bigint {
  return BigInt(parseProcStat(readFileSync(`/proc/${pid}/stat`, 'latin1'))!.startTime!);
}

test('c after b after a: each starts once the one before is ready; at shutdown they stop in reverse order', async (t) => {
  const s = watchdogSetup(t);
  const serviceDir = join(s.dir, 'service');
  const stops = join(s.dir, 'stops');
  const [a, b, c] = [uniqueName('oa'), uniqueName('ob'), uniqueName('oc')];
  const daemon = (name: string, extra: string) =>
    `  - name: ${name}\n    run: [sh, -c, "trap 'echo ${name} >> ${stops}; exit 0' TERM; while :; do sleep 0.05; done"]\n    ready: health\n    health: {command: ["true"], interval: 0.4}\n${extra}`;
  // Listed dependents first: the order comes from after:, not from the list.
  s.writeConfig(`serviceDir: service\ndaemons:\n${daemon(c, `    after: [${b}]\n`)}${daemon(b, `    after: [{name: ${a}, restart: true}]\n`)}${daemon(a, '')}`);
  const resident = startResident(t, s.config, serviceDir);
  const pids = {a: await upPid(join(serviceDir, a)), b: await upPid(join(serviceDir, b)), c: await upPid(join(serviceDir, c))};
  const ticks = {a: startTicks(pids.a), b: startTicks(pids.b), c: startTicks(pids.c)};
  // Each waits for a healthy check of the one before (checks every 0.4 s): started together
  // they would be ticks apart; in order, at least 0.2 s (20 ticks of USER_HZ 100).
  t.true(ticks.b - ticks.a >= 20n, `b started at ${ticks.b}, a at ${ticks.a}`);
  t.true(ticks.c - ticks.b >= 20n, `c started at ${ticks.c}, b at ${ticks.b}`);
  resident.child.kill('SIGTERM');
  t.is(await resident.exited, 0);
  const order = await waitFor(
    () => {
      try {
        const lines = readFileSync(stops, 'utf8').trim().split('\n');
        return lines.length === 3 ? lines : undefined;
      } catch {
        return undefined;
      }
    },
    'three stops',
    PATIENT,
  );
  t.deepEqual(order, [c, b, a]);
});

test('after: an unknown name or a cycle is a FILE:LINE:COL error', async (t) => {
  const s = watchdogSetup(t);
  s.writeConfig(`serviceDir: service\ndaemons:\n  - name: x\n    run: [sleep, "1"]\n    after: [nope]\n`);
  const unknown = await run(process.execPath, [bin('keepup'), 'supervise', '--config', s.config], {timeoutMs: 60_000});
  t.is(unknown.code, 100);
  t.is(unknown.stderr, `keepup: fatal: ${s.config}:7:13: daemon x: after: "nope" is not a daemon of this config\n`);
  s.writeConfig(`serviceDir: service\ndaemons:\n  - name: x\n    run: [sleep, "1"]\n    after: [y]\n  - name: y\n    run: [sleep, "1"]\n    after: [x]\n`);
  const cycle = await run(process.execPath, [bin('keepup'), 'supervise', '--config', s.config], {timeoutMs: 60_000});
  t.is(cycle.code, 100);
  t.regex(cycle.stderr, new RegExp(`^keepup: fatal: ${s.config}:\\d+:\\d+: after: makes a cycle: (x → y → x|y → x → y)\n$`));
});

test('restart: true: when the dependency restarts, the dependent goes down and starts again only once the dependency is ready again', async (t) => {
  const s = watchdogSetup(t);
  const serviceDir = join(s.dir, 'service');
  const [a, b] = [uniqueName('ra'), uniqueName('rb')];
  // a says it is ready on fd 3 once its gate exists (s6's notification-fd).
  const gated = `touch waiting; while [ ! -e gate ]; do sleep 0.02; done; echo ready >&3; exec sleep 600`;
  s.writeConfig(
    `serviceDir: service\ndaemons:\n  - name: ${a}\n    run: [sh, -c, "${gated}"]\n    ready: {fd: 3}\n  - name: ${b}\n    run: [sleep, "600"]\n    after: [{name: ${a}, restart: true}]\n`,
  );
  const dirA = join(serviceDir, a);
  const dirB = join(serviceDir, b);
  const resident = startResident(t, s.config, serviceDir);
  await waitFor(() => existsSync(join(dirA, 'waiting')), `${a} at its gate`, PATIENT);
  t.is(pidOf(dirB), 0, `${b} is not started before ${a} is ready`);
  writeFileSync(join(dirA, 'gate'), '');
  const firstA = await upPid(dirA);
  const firstB = await upPid(dirB);
  rmSync(join(dirA, 'gate'));
  rmSync(join(dirA, 'waiting'));
  t.is((await run(process.execPath, [bin('svc'), '-t', dirA])).code, 0);
  const secondA = await upPid(dirA, firstA);
  await waitFor(() => existsSync(join(dirA, 'waiting')), `${a} at its gate again`, PATIENT);
  await waitFor(() => pidOf(dirB) === 0 && !isAlive(firstB), `${b} down while ${a} is not ready`, PATIENT);
  // Several polls of the start order (every 0.1 s) go by while a's new pid is not ready: b stays down.
  const status = await run(process.execPath, [bin('keepup'), 'status', '--config', s.config, '--json'], {timeoutMs: 60_000});
  t.like(JSON.parse(status.stdout.split('\n').find((line) => line.includes(`"${a}"`))!), {pid: secondA, ready: false});
  t.is(pidOf(dirB), 0);
  writeFileSync(join(dirA, 'gate'), '');
  const secondB = await upPid(dirB, firstB);
  t.not(secondB, firstB);
  t.like(JSON.parse(readFileSync(join(dirA, 'supervise', 'ready'), 'utf8')), {pid: secondA});
  t.regex(resident.stderr(), new RegExp(`${a} restarted; restarting ${b} once ${a} is ready`));
});

test('restart: true: an admin who takes the waiting dependent down with svc -d keeps it down when the dependency is ready again', async (t) => {
  const s = watchdogSetup(t);
  const serviceDir = join(s.dir, 'service');
  const [a, b, c] = [uniqueName('oa'), uniqueName('ob'), uniqueName('oc')];
  const gated = `touch waiting; while [ ! -e gate ]; do sleep 0.02; done; echo ready >&3; exec sleep 600`;
  const dependent = (name: string) => `  - name: ${name}\n    run: [sleep, "600"]\n    after: [{name: ${a}, restart: true}]\n`;
  s.writeConfig(`serviceDir: service\ndaemons:\n  - name: ${a}\n    run: [sh, -c, "${gated}"]\n    ready: {fd: 3}\n${dependent(b)}${dependent(c)}`);
  const [dirA, dirB, dirC] = [a, b, c].map((name) => join(serviceDir, name)) as [string, string, string];
  startResident(t, s.config, serviceDir);
  await waitFor(() => existsSync(join(dirA, 'waiting')), `${a} at its gate`, PATIENT);
  writeFileSync(join(dirA, 'gate'), '');
  const firstA = await upPid(dirA);
  const firstB = await upPid(dirB);
  const firstC = await upPid(dirC);
  rmSync(join(dirA, 'gate'));
  rmSync(join(dirA, 'waiting'));
  t.is((await run(process.execPath, [bin('svc'), '-t', dirA])).code, 0);
  await upPid(dirA, firstA);
  await waitFor(() => pidOf(dirB) === 0 && pidOf(dirC) === 0 && !isAlive(firstB) && !isAlive(firstC), `${b} and ${c} down while ${a} is not ready`, PATIENT);
  // The admin's word, through Debian's svc: b is to stay down.
  t.is((await run('/usr/bin/svc', ['-d', dirB])).code, 0);
  writeFileSync(join(dirA, 'gate'), '');
  // c coming back shows the order has seen a ready again; b, told down, stays down.
  await upPid(dirC, firstC);
  t.is(pidOf(dirB), 0);
  t.regex((await run('/usr/bin/svstat', [dirB])).stdout, /: down \d+ seconds, normally up\n$/);
  t.is((await run('/usr/bin/svc', ['-u', dirB])).code, 0);
  t.not(await upPid(dirB), firstB);
});
