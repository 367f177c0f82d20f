import test from 'ava';
import {EventEmitter} from 'node:events';
import {hostname} from 'node:os';
import {EXIT_OK} from '../../../src/lib/cli/exit-codes.js';
import type {KeepupEvent} from '../../../src/lib/events/event.js';
import {EventLog} from '../../../src/lib/events/log.js';
import {eventsCommand, FOLLOW_POLL_MS} from '../../../src/lib/keepup/events-command.js';
import {FakeTime} from '../../helpers/fake-time.js';
import {tmpDir} from '../../helpers/tmp.js';
import {waitFor} from '../../helpers/wait-for.js';

function event(service: string, kind: KeepupEvent['kind'], pid: number): KeepupEvent {
  return {time: new Date(1_800_000_000_000 + pid).toISOString(), service, kind, source: 'supervise', pid};
}

/** `keepup events --follow` on a real event log, polling on the injected clock, stopped by SIGTERM from its signal emitter. */
function follow(t: Parameters<typeof tmpDir>[0], dir: string, args: readonly string[]) {
  const time = new FakeTime();
  const signals = new EventEmitter();
  const seen: KeepupEvent[] = [];
  const done = eventsCommand.run(['--dir', dir, '--follow', '--json', ...args], {
    cwd: dir,
    uid: process.getuid!(),
    pid: process.pid,
    env: process.env,
    host: hostname(),
    time,
    procRoot: '/proc',
    out: (text) => {
      for (const line of text.split('\n').filter(Boolean)) seen.push(JSON.parse(line) as KeepupEvent);
    },
    reporter: {warn: (message) => t.fail(message)},
    signals,
  });
  t.teardown(() => void signals.emit('SIGTERM'));
  /** One poll: the follower's sleep is due, and it looks again. */
  const poll = async () => {
    await waitFor(() => time.delays().includes(FOLLOW_POLL_MS), 'the follower waiting for its next look');
    time.advance(FOLLOW_POLL_MS);
  };
  return {seen, done, signals, poll};
}

test('--follow shows the history, then each new event of the named service as it is appended, until SIGTERM', async (t) => {
  const dir = tmpDir(t);
  const log = new EventLog(dir);
  log.append(event('web', 'started', 1));
  log.append(event('db', 'started', 2));
  const f = follow(t, dir, ['web']);
  await waitFor(() => f.seen.length === 1, 'the history');
  log.append(event('web', 'exited', 3));
  log.append(event('db', 'exited', 4));
  await f.poll();
  await waitFor(() => f.seen.length === 2, 'the new event');
  log.append(event('web', 'restarting', 5));
  await f.poll();
  await waitFor(() => f.seen.length === 3, 'the next one');
  f.signals.emit('SIGTERM');
  t.is(await f.done, EXIT_OK);
  t.deepEqual(
    f.seen.map((e) => [e.service, e.kind, e.pid]),
    [
      ['web', 'started', 1],
      ['web', 'exited', 3],
      ['web', 'restarting', 5],
    ],
  );
});

test('--follow across a rotation loses nothing: the rest of the old log first, then the new one from its start', async (t) => {
  const dir = tmpDir(t);
  // Small enough that the fourth event rotates the log.
  const log = new EventLog(dir, 300);
  log.append(event('web', 'started', 1));
  const f = follow(t, dir, []);
  await waitFor(() => f.seen.length === 1, 'the history');
  await f.poll();
  log.append(event('web', 'exited', 2));
  log.append(event('web', 'restarting', 3));
  log.append(event('web', 'started', 4));
  log.append(event('web', 'exited', 5));
  await f.poll();
  await waitFor(() => f.seen.length === 5, 'the events on both sides of the rotation');
  t.deepEqual(
    f.seen.map((e) => e.pid),
    [1, 2, 3, 4, 5],
  );
});
