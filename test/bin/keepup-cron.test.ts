// keepup cron: the resident schedule, with the built command and real processes.
// Not tested: the default ten-minute schedule firing (the tests use a one-second schedule).
import test from 'ava';
import {once} from 'node:events';
import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {bin} from '../helpers/paths.js';
import {spawnTracked} from '../helpers/processes.js';
import {daemonPids, killQuietly, waitForDaemon, watchdogSetup} from '../helpers/daemons.js';
import {waitFor} from '../helpers/wait-for.js';

function startCron(t: Parameters<typeof spawnTracked>[0], config: string) {
  const child = spawnTracked(t, process.execPath, [bin('keepup'), 'cron', '--config', config], {stdio: ['ignore', 'pipe', 'pipe']});
  const output = {stdout: '', stderr: ''};
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output.stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output.stderr += chunk));
  return {child, output};
}

test('keepup cron restarts at start and on its schedule, keeps the old config on a bad SIGHUP, stops on SIGTERM', async (t) => {
  const setup = watchdogSetup(t);
  const name = setup.addDaemon();
  setup.writeConfig(`schedule: "* * * * * *"\nscriptTimeout: 0.5\ndaemons: [${name}]\n`);
  const {child, output} = startCron(t, setup.config);
  const first = await waitForDaemon(name);
  await waitFor(() => output.stdout.includes(`Restarting ${name}\n`), 'the first report', {timeoutMs: 90_000});

  killQuietly(first);
  await waitForDaemon(name, {not: first});
  await waitFor(() => output.stdout.split(`Restarting ${name}\n`).length === 3, 'the second report', {timeoutMs: 90_000});

  const good = readFileSync(setup.config, 'utf8');
  writeFileSync(setup.config, `${good}bogus: 1\n`);
  child.kill('SIGHUP');
  await waitFor(() => output.stderr.includes('keepup: warning: keeping the previous config: '), 'the reload warning', {timeoutMs: 90_000});
  t.regex(output.stderr, new RegExp(`keepup: warning: keeping the previous config: ${setup.config}:\\d+:1: unknown key "bogus"`));

  const second = await waitForDaemon(name);
  killQuietly(second);
  const third = await waitForDaemon(name, {not: second});

  child.kill('SIGTERM');
  const [code, signal] = (await once(child, 'close')) as [number | null, string | null];
  t.deepEqual([code, signal], [0, null]);
  t.deepEqual(daemonPids(name), [third]);
  const history = readFileSync(join(setup.stateDir, 'history'), 'utf8').trim().split('\n');
  t.is(history.length, 3);
});

test('keepup cron never overlaps passes: a slow start script makes it skip ticks', async (t) => {
  const setup = watchdogSetup(t);
  const name = setup.addDaemon();
  writeFileSync(join(setup.startDir, name), `#!/bin/sh\n"${setup.binDir}/${name}" 600 </dev/null >/dev/null 2>&1 &\nsleep 2\necho slow\n`);
  setup.writeConfig(`schedule: "* * * * * *"\ndaemons: [${name}]\n`);
  const {child, output} = startCron(t, setup.config);
  await waitFor(() => output.stdout.includes('    slow\n'), 'the first report', {timeoutMs: 90_000});
  await waitFor(() => output.stderr.includes('keepup: warning: skipping a scheduled pass: the previous one is still running\n'), 'a skipped tick', {timeoutMs: 90_000});
  child.kill('SIGTERM');
  const [code] = (await once(child, 'close')) as [number | null];
  t.is(code, 0);
  t.is(output.stdout.split(`Restarting ${name}\n`).length, 2);
  await waitForDaemon(name);
});

test('keepup cron with a bad config exits 100 at once', async (t) => {
  const setup = watchdogSetup(t);
  setup.writeConfig('schedule: "0 4 1 * 1"\ndaemons: []\n');
  const {child, output} = startCron(t, setup.config);
  const [code] = (await once(child, 'close')) as [number | null];
  t.is(code, 100);
  t.regex(output.stderr, /schedule restricts both day of month and day of week/);
});
