// keepup supervise's start order, end to end: three real services, c after b after a, each
// ready at its first healthy check; the order seen in the processes' start times
// (/proc/PID/stat), and the reverse order at shutdown seen in what their TERM traps wrote.
import test from 'ava';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {bin} from '../helpers/paths.js';
import {run} from '../helpers/processes.js';
import {uniqueName, watchdogSetup} from '../helpers/daemons.js';
import {startResident} from '../helpers/resident.js';
import {upPid} from '../helpers/service-pid.js';
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
