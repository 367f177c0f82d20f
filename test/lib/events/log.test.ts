import test from 'ava';
import {appendFileSync, closeSync, constants, existsSync, lstatSync, openSync, readFileSync, renameSync, symlinkSync, writeFileSync} from 'node:fs';
import {spawnSync} from 'node:child_process';
import {join} from 'node:path';
import {EventBus, parseEvent, type KeepupEvent} from '../../../src/lib/events/event.js';
import {EVENT_LOG_FILE, EVENT_LOG_ROTATED, EventLog, readEvents} from '../../../src/lib/events/log.js';
import {tmpDir} from '../../helpers/tmp.js';

function collectingReporter(): {warnings: string[]; reporter: {warn(message: string): void; fatal(message: string): void}} {
  const warnings: string[] = [];
  return {warnings, reporter: {warn: (message) => warnings.push(message), fatal: (message) => warnings.push(`fatal: ${message}`)}};
}

test('the bus stamps events with its clock and hands them to every listener in order', (t) => {
  const {warnings, reporter} = collectingReporter();
  let now = Date.UTC(2026, 11, 2, 13, 0, 0, 250);
  const bus = new EventBus(() => now, reporter);
  const seen: string[] = [];
  bus.subscribe((event) => seen.push(`first ${event.kind} ${event.time}`));
  const off = bus.subscribe(() => {
    throw new Error('listener broke');
  });
  bus.subscribe((event) => seen.push(`last ${event.service}`));
  bus.emit({service: 'web', kind: 'exited', source: 'svscan', code: 1, uptime: 0.5});
  t.deepEqual(seen, ['first exited 2026-12-02T13:00:00.250Z', 'last web']);
  t.deepEqual(warnings, ['unable to handle event exited of web: listener broke']);
  off();
  now += 1000;
  bus.emit({service: 'web', kind: 'started', source: 'svscan', pid: 42});
  t.deepEqual(seen.slice(2), ['first started 2026-12-02T13:00:01.250Z', 'last web']);
  t.is(warnings.length, 1);
});

test('the log appends JSON lines, reads them back filtered, and skips lines that are not events', (t) => {
  const dir = tmpDir(t);
  const log = new EventLog(dir);
  const events: KeepupEvent[] = [
    {time: '2026-12-02T13:00:00.000Z', service: 'a', kind: 'started', source: 'supervise', pid: 10},
    {time: '2026-12-02T13:00:01.000Z', service: 'b', kind: 'exited', source: 'supervise', signal: 'SIGKILL', uptime: 1},
    {time: '2026-12-02T13:00:02.000Z', service: 'a', kind: 'gave-up', source: 'check', reason: '10 starts within 300 s'},
  ];
  for (const event of events) log.append(event);
  appendFileSync(join(dir, EVENT_LOG_FILE), 'not json\n{"time":"x","service":"a","kind":"nonsense","source":"check"}\n');
  t.deepEqual(readEvents(dir), events);
  t.deepEqual(readEvents(dir, {service: 'a'}), [events[0], events[2]]);
  t.deepEqual(readEvents(dir, {service: 'a', limit: 1}), [events[2]]);
  t.is(lstatSync(join(dir, EVENT_LOG_FILE)).mode & 0o777, 0o600);
  t.is(parseEvent('[1]'), undefined);
});

test('the log rotates once it would pass its bound, keeping the newest events', (t) => {
  const dir = tmpDir(t);
  const log = new EventLog(dir, 400);
  for (let i = 0; i < 20; i++) log.append({time: '2026-12-02T13:00:00.000Z', service: `s${i}`, kind: 'started', source: 'svscan'});
  t.true(existsSync(join(dir, EVENT_LOG_ROTATED)));
  t.true(readFileSync(join(dir, EVENT_LOG_FILE)).length <= 400);
  t.true(readFileSync(join(dir, EVENT_LOG_ROTATED)).length <= 400);
  const kept = readEvents(dir).map((event) => event.service);
  t.is(kept.at(-1), 's19');
  t.true(kept.length >= 6 && kept.length < 20);
  t.deepEqual(
    kept,
    kept.map((_, i) => `s${20 - kept.length + i}`),
  );
});

test('the log never writes through a symlink', (t) => {
  const dir = tmpDir(t);
  const target = join(dir, 'target');
  writeFileSync(target, '');
  symlinkSync(target, join(dir, EVENT_LOG_FILE));
  const log = new EventLog(dir);
  t.throws(() => log.append({time: '2026-12-02T13:00:00.000Z', service: 'a', kind: 'started', source: 'svscan'}), {code: 'ELOOP'});
  t.is(readFileSync(target, 'utf8'), '');
});

test('appends from several processes at once never mix within a line', (t) => {
  const dir = tmpDir(t);
  const module = new URL('../../../src/lib/events/log.js', import.meta.url).href;
  const writer = `const {EventLog} = await import(${JSON.stringify(module)}); const log = new EventLog(process.argv[1], 1 << 30); for (let i = 0; i < 300; i++) log.append({time: '2026-12-02T13:00:00.000Z', service: process.argv[2], kind: 'exited', source: 'check', reason: 'x'.repeat(200)});`;
  const children = ['p', 'q', 'r'].map((name) => spawnSync(process.execPath, ['--input-type=module', '-e', writer, dir, name], {encoding: 'utf8'}));
  for (const child of children) t.is(child.status, 0, child.stderr);
  const events = readEvents(dir);
  t.is(events.length, 900);
  t.is(
    readFileSync(join(dir, EVENT_LOG_FILE), 'utf8')
      .split('\n')
      .filter((line) => line !== '' && parseEvent(line) === undefined).length,
    0,
  );
});

test('through a held directory fd: appendAll writes its events in order in one append, rotates, refuses a symlink, and follows the directory', (t) => {
  const dir = tmpDir(t);
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  t.teardown(() => closeSync(fd));
  const log = new EventLog(dir, 400, fd);
  const batch: KeepupEvent[] = [
    {time: '2026-12-02T13:00:00.000Z', service: 'a', kind: 'exited', source: 'svscan', code: 1, uptime: 0},
    {time: '2026-12-02T13:00:00.000Z', service: 'a', kind: 'restarting', source: 'svscan', delay: 1},
  ];
  log.appendAll(batch);
  t.deepEqual(readEvents(dir), batch);
  t.is(lstatSync(join(dir, EVENT_LOG_FILE)).mode & 0o777, 0o600);
  for (let i = 0; i < 20; i++) log.append({time: '2026-12-02T13:00:00.000Z', service: `s${i}`, kind: 'started', source: 'svscan'});
  t.true(existsSync(join(dir, EVENT_LOG_ROTATED)));
  t.true(readFileSync(join(dir, EVENT_LOG_FILE)).length <= 400);
  t.is(readEvents(dir).at(-1)?.service, 's19');
  renameSync(dir, `${dir}-moved`);
  t.teardown(() => renameSync(`${dir}-moved`, dir));
  log.append({time: '2026-12-02T13:00:00.000Z', service: 'moved', kind: 'started', source: 'svscan'});
  t.is(readEvents(`${dir}-moved`).at(-1)?.service, 'moved');
  const target = join(`${dir}-moved`, 'target');
  writeFileSync(target, '');
  renameSync(join(`${dir}-moved`, EVENT_LOG_FILE), join(`${dir}-moved`, 'old'));
  symlinkSync(target, join(`${dir}-moved`, EVENT_LOG_FILE));
  t.throws(() => log.append({time: '2026-12-02T13:00:00.000Z', service: 'a', kind: 'started', source: 'svscan'}), {code: 'ELOOP'});
  t.is(readFileSync(target, 'utf8'), '');
});
