// The restart policy end to end: a real crash-looping service under keepup supervise (the
// schedule, one give-up mail to a real SMTP server, Debian's svc -u reviving it, svstat agreeing
// with Debian's, keepup status and keepup events), the same kind of tree under keepup's plain
// svscan with and without the policy file (without it: daemontools' fixed second, never giving
// up), and check mode giving up over several passes until keepup reset.
import test from 'ava';
import {once} from 'node:events';
import {chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {createServer} from 'node:http';
import type {AddressInfo} from 'node:net';
import {join} from 'node:path';
import {readEvents} from '../../src/lib/events/log.js';
import type {KeepupEvent} from '../../src/lib/events/event.js';
import {uniqueName, watchdogSetup} from '../helpers/daemons.js';
import {bin} from '../helpers/paths.js';
import {run} from '../helpers/processes.js';
import {startResident} from '../helpers/resident.js';
import {upPid} from '../helpers/service-pid.js';
import {mailText, startSmtp} from '../helpers/smtp.js';
import {startSvscan} from '../helpers/svscan.js';
import {tool} from '../helpers/supervisors.js';
import {tmpDir} from '../helpers/tmp.js';
import {PATIENT, waitFor} from '../helpers/wait-for.js';

const keepup = (args: string[]) => run(process.execPath, [bin('keepup'), ...args], {timeoutMs: 60_000});

/**
 * Whether a restart kept the schedule: the next start is due `scheduled` seconds after the
 * previous start, or at once when the run outlived that. The previous start is the exit's time
 * less its uptime; the due time is the restarting event's time plus its delay (both in whole ms).
 */
function onSchedule(exited: KeepupEvent, restarting: KeepupEvent, scheduled: number): boolean {
  const lastStart = Date.parse(exited.time) - exited.uptime! * 1000;
  if (restarting.delay === 0) return exited.uptime! >= scheduled - 0.002;
  // Two stamps cut to whole ms and two values rounded to ms: 3 ms of rounding at most, early. Late
  // by more is the event stamps' slack on a loaded machine (each is read when the event is emitted,
  // after the decision), not a broken schedule: the fake-clock unit tests pin the exact times.
  const error = Date.parse(restarting.time) + restarting.delay! * 1000 - lastStart - scheduled * 1000;
  return error >= -3 && error <= 250;
}

/** svstat's line with the seconds blanked. */
const seconds = (text: string) => text.replace(/\d+ seconds/g, 'N seconds');

/** A run script that prints a line and exits 3 while FLAG exists, and stays up once it is gone. */
function crashScript(flag: string): string {
  return `#!/bin/sh\necho "crash $$"\n[ -e ${flag} ] && exit 3\nexec sleep 600\n`;
}

test('keepup supervise: a crash loop follows the schedule, gives up after `starts`, one give-up mail; Debian svc -u revives it at once; svstat agrees with Debian', async (t) => {
  const s = watchdogSetup(t);
  const serviceDir = join(s.dir, 'service');
  const name = uniqueName('cl');
  const flag = join(s.dir, 'crash');
  writeFileSync(flag, '');
  const smtp = await startSmtp(t);
  s.writeConfig(
    [
      'serviceDir: service',
      `mail: {to: ops@example.org, transport: "smtp://127.0.0.1:${smtp.port}"}`,
      'restart: {delay: 0.3, maxDelay: 0.6, resetAfter: 5, giveUp: {starts: 4, within: 60}, retryAfter: 0}',
      'notify: {events: [gave-up]}',
      'daemons:',
      `  - name: ${name}`,
      `    run: [sh, -c, 'echo "crash $$"; [ -e ${flag} ] && exit 3; exec sleep 600']`,
      '    log: ./main',
      '',
    ].join('\n'),
  );
  const resident = startResident(t, s.config, serviceDir);
  const dir = join(serviceDir, name);
  const gaveUp = await waitFor(() => readEvents(s.stateDir, {service: name}).find((event) => event.kind === 'gave-up'), 'the give-up event', PATIENT);
  t.regex(gaveUp.reason!, /started 4 times within 60 s/);
  t.is(gaveUp.retryAt, undefined, 'retryAfter 0: only by hand');
  let events = readEvents(s.stateDir, {service: name});
  t.deepEqual(
    events.map((event) => event.kind),
    ['started', 'exited', 'restarting', 'started', 'exited', 'restarting', 'started', 'exited', 'restarting', 'started', 'exited', 'gave-up'],
  );
  t.true(events.every((event) => event.source === 'supervise'));
  t.like(events[1], {code: 3});
  // The delay counts from the previous start: each death's uptime plus the delay it was given is the schedule,
  // and the next start came no sooner than that delay after the death (ISO stamps: whole ms).
  const exits = events.filter((event) => event.kind === 'exited');
  const waits = events.filter((event) => event.kind === 'restarting');
  const starts = events.filter((event) => event.kind === 'started');
  for (const [index, scheduled] of [0.3, 0.6, 0.6].entries()) t.true(onSchedule(exits[index]!, waits[index]!, scheduled), `restart ${index + 1} on a ${scheduled} s schedule`);
  for (const [index, wait] of waits.entries()) t.true(Date.parse(starts[index + 1]!.time) >= Date.parse(wait.time) + wait.delay! * 1000 - 1, `start ${index + 2} waited its delay`);
  t.is(readFileSync(join(dir, 'restart-policy'), 'utf8').split('\n').slice(1).join('\n'), 'delay 0.3\nmaxDelay 0.6\nresetAfter 5\ngiveUp 4 60\nretryAfter 0\n');

  await waitFor(() => smtp.received.length === 1, 'the give-up mail', PATIENT);
  const mail = mailText(smtp.received[0]!.raw).replace(/\r\n/g, '\n');
  t.regex(mail, new RegExp(`Subject: keepup on \\S+: ${name} gave up restarting`));
  t.regex(mail, /last exit: .* exited: pid \d+, exit code 3/);
  t.regex(mail, /last lines of its log:\n {4}.*crash \d+/);

  // Given up: down and wanted up, in Debian's svstat and in ours alike.
  const theirs = await tool('real', 'svstat', [dir], s.dir);
  const ours = await tool('ours', 'svstat', [dir], s.dir);
  t.is(seconds(theirs.stdout), `${dir}: down N seconds, normally up, want up\n`);
  t.is(seconds(ours.stdout), seconds(theirs.stdout));
  const status = await keepup(['status', '--config', s.config, '--json']);
  const row = status.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .find((each) => each.name === name);
  t.like(row, {state: 'failed', pid: null, want: 'up', retryAt: null});
  t.regex(String(row?.failedReason), /started 4 times/);
  t.regex(
    (await keepup(['status', '--config', s.config])).stdout,
    new RegExp(`${name}: down \\d+ seconds, normally up, want up, 3 restarts, last exit code 3, failed since .*: started 4 times`),
  );

  // Debian's svc -u starts it at once and resets the policy.
  rmSync(flag);
  t.is((await tool('real', 'svc', ['-u', dir], s.dir)).code, 0);
  const pid = await upPid(dir);
  await waitFor(() => readFileSync(`/proc/${pid}/cmdline`, 'latin1').startsWith('sleep'), 'the revived service to run sleep', PATIENT);
  t.regex((await tool('real', 'svstat', [dir], s.dir)).stdout, new RegExp(`^${dir}: up \\(pid ${pid}\\) \\d+ seconds\n$`));
  // status names the pid a moment before the event is appended.
  events = await waitFor(() => {
    const now = readEvents(s.stateDir, {service: name});
    return now.at(-1)?.kind === 'started' && now.at(-1)?.pid === pid ? now : undefined;
  }, 'the started event of the revived service');
  t.regex((await keepup(['status', '--config', s.config, '--json'])).stdout, new RegExp(`"name":"${name}","kind":"supervised","normallyUp":true,"state":"up"`));
  t.is(smtp.received.length, 1, 'exactly one give-up mail');
  t.is(events.filter((event) => event.kind === 'gave-up').length, 1);

  const text = await keepup(['events', name, '--config', s.config]);
  t.is(text.code, 0);
  t.regex(text.stdout, new RegExp(`^${name} \\S+ gave-up: started 4 times`, 'm'));
  const json = await keepup(['events', name, '--config', s.config, '--json']);
  t.is(json.stdout.trim().split('\n').length, events.length);
  t.like(JSON.parse(json.stdout.trim().split('\n')[0]!), {service: name, kind: 'started', source: 'supervise'});
  t.is(resident.child.exitCode, null);
});

test('plain svscan: a directory with the policy file gives up (Debian svstat: down, want up); without it, daemontools: every second, for ever; svc -u during a delay starts at once', async (t) => {
  const root = tmpDir(t, 'keepup-policy-');
  const tree = join(root, 'tree');
  mkdirSync(tree);
  const flag = join(root, 'crash');
  writeFileSync(flag, '');
  const service = (name: string, policy?: string) => {
    mkdirSync(join(tree, name));
    writeFileSync(join(tree, name, 'run'), crashScript(flag));
    chmodSync(join(tree, name, 'run'), 0o755);
    if (policy !== undefined) writeFileSync(join(tree, name, 'restart-policy'), policy);
  };
  service('capped', 'delay 0.2\nmaxDelay 0.2\ngiveUp 3 60\nretryAfter 0\n');
  service('plain');
  service('slow', 'delay 30\ngiveUp never\n');
  const events = (name: string) => readEvents(join(tree, name, 'supervise'));
  startSvscan(t, 'ours', tree, root);

  await waitFor(() => events('capped').some((event) => event.kind === 'gave-up'), 'capped to give up', PATIENT);
  t.is(events('capped').filter((event) => event.kind === 'started').length, 3);
  t.like(
    events('capped').find((event) => event.kind === 'started'),
    {service: 'capped', source: 'svscan'},
  );
  t.is(seconds((await tool('real', 'svstat', ['capped'], tree)).stdout), 'capped: down N seconds, normally up, want up\n');

  await waitFor(() => events('plain').filter((event) => event.kind === 'started').length >= 5, 'plain to be started 5 times', PATIENT);
  t.false(
    events('plain').some((event) => event.kind === 'gave-up'),
    'without the file it never gives up',
  );
  const plain = events('plain');
  const plainExits = plain.filter((event) => event.kind === 'exited');
  for (const [index, wait] of plain.filter((event) => event.kind === 'restarting').entries())
    t.true(onSchedule(plainExits[index]!, wait, 1), `daemontools: restart ${index + 1} one second after the previous start`);

  await waitFor(() => events('slow').some((event) => event.kind === 'restarting'), 'slow to wait its 30 s delay', PATIENT);
  const delay = events('slow').find((event) => event.kind === 'restarting')!.delay!;
  t.true(delay > 29 && delay <= 30, `30 s from the previous start: ${delay}`);
  rmSync(flag);
  t.is((await tool('real', 'svc', ['-u', 'slow'], tree)).code, 0);
  const pid = await upPid(join(tree, 'slow'));
  await waitFor(() => events('slow').at(-1)?.pid === pid, 'the started event after svc -u');
  t.like(events('slow').at(-1), {kind: 'started', pid});
  t.is(events('slow').filter((event) => event.kind === 'started').length, 2, 'svc -u did not wait for the delay');
});

test('check mode: a daemon that dies after every restart is given up after `starts` passes, reported once, then left alone until keepup reset', async (t) => {
  const s = watchdogSetup(t);
  const name = uniqueName('gone');
  // A start script that starts nothing that stays: the daemon is missing at every pass.
  s.addDaemon(name, {script: '#!/bin/sh\necho "starting, dying at once"\n'});
  const posts: string[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      posts.push(body);
      response.writeHead(204).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const port = (server.address() as AddressInfo).port;
  s.writeConfig(
    `scriptTimeout: 0.1\nrestart: {giveUp: {starts: 2, within: 3600}, retryAfter: 0}\nnotify: {events: [gave-up], webhook: {url: "http://127.0.0.1:${port}/hook"}}\ndaemons: [${name}]\n`,
  );
  const lastRestart = () => {
    try {
      return Math.max(
        0,
        ...readFileSync(join(s.stateDir, 'history'), 'utf8')
          .trim()
          .split('\n')
          .map((line) => (JSON.parse(line) as {time: number}).time),
      );
    } catch {
      return 0;
    }
  };
  const pass = async () => {
    // A restart less than scriptTimeout (0.1 s) ago counts as starting: the next pass comes later.
    await waitFor(() => Date.now() - lastRestart() > 150, 'the last restart to be past scriptTimeout');
    const result = await keepup(['check', '--config', s.config]);
    t.is(result.code, 0, result.stderr);
    return result.stdout;
  };
  t.regex(await pass(), new RegExp(`^Restarting ${name}\n`));
  t.regex(await pass(), new RegExp(`^Restarting ${name}\n`));
  const third = await pass();
  t.regex(third, new RegExp(`^Giving up on ${name}\n.*\n  restarted 2 times within 3600 s and missing again; not restarting it again \\(keepup reset ${name} tries at once\\)\n$`));
  t.is(posts.length, 1, 'the give-up went to the webhook too, before the pass ended');
  t.like(JSON.parse(posts[0]!), {service: name, counts: {'gave-up': 1}});
  t.is(await pass(), '', 'given up: silence');
  t.is(await pass(), '');
  const history = readFileSync(join(s.stateDir, 'history'), 'utf8').trim().split('\n');
  t.is(history.length, 2, 'no restart since giving up');
  const kinds = readEvents(s.stateDir, {service: name}).map((event) => event.kind);
  t.deepEqual(kinds, ['restarted', 'restarted', 'gave-up']);
  t.true(readEvents(s.stateDir, {service: name}).every((event) => event.source === 'check'));
  const status = await keepup(['status', '--config', s.config]);
  t.is(status.code, 3, 'a given-up daemon is not up');
  t.regex(
    status.stdout,
    new RegExp(`^${name}: missing from the process table, checked by name, failed since \\S+Z: restarted 2 times within 3600 s and missing again; no retry \\(keepup reset ${name}\\)\n$`),
  );
  const json = JSON.parse((await keepup(['status', '--json', '--config', s.config])).stdout) as Record<string, unknown>;
  t.like(json, {name, kind: 'checked', state: 'failed', pid: null, retryAt: null, failedReason: 'restarted 2 times within 3600 s and missing again'});
  // The record's time and the event's stamp are read a moment apart in the same pass.
  const gaveUpAt = Date.parse(readEvents(s.stateDir, {service: name}).find((event) => event.kind === 'gave-up')!.time);
  t.true(Math.abs(Date.parse(json.failedAt as string) - gaveUpAt) < 1000, `failedAt ${String(json.failedAt)}`);

  const reset = await keepup(['reset', name, '--config', s.config]);
  t.is(reset.code, 0, reset.stderr);
  t.is(reset.stdout, `${name}: check mode: no longer given up; restarts count from now\n`);
  t.regex((await keepup(['status', '--config', s.config])).stdout, new RegExp(`^${name}: missing from the process table, checked by name\n$`), 'reset: no longer failed');
  t.regex(await pass(), new RegExp(`^Restarting ${name}\n`));
  t.deepEqual(
    readEvents(s.stateDir, {service: name}).map((event) => event.kind),
    ['restarted', 'restarted', 'gave-up', 'control', 'restarted'],
  );
  t.is(posts.length, 1, 'one webhook message in all');
  const unknown = await keepup(['reset', 'nosuch', '--config', s.config]);
  t.is(unknown.code, 100);
  t.regex(unknown.stderr, /^keepup: fatal: no daemon nosuch in /);
});
