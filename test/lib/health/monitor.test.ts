import test from 'ava';
import type {EventInput} from '../../../src/lib/events/event.js';
import {HealthMonitor, type MonitoredService} from '../../../src/lib/health/monitor.js';
import type {ProbeResult} from '../../../src/lib/health/probe.js';
import {describeHealth, freshRecord, step, type HealthSpec} from '../../../src/lib/health/verdict.js';
import {FakeTime} from '../../helpers/fake-time.js';

const SPEC: HealthSpec = {probes: [{kind: 'tcp', host: '127.0.0.1', port: 1}], intervalMs: 10_000, timeoutMs: 5_000, failures: 3, startPeriodMs: 30_000, action: 'restart'};
const BAD: ProbeResult = {ok: false, reason: 'HTTP 500'};
const GOOD: ProbeResult = {ok: true};

test('failures inside the start period do not count; after it, the third in a row makes the daemon unhealthy and acts', (t) => {
  let record = freshRecord(0);
  for (const at of [10_000, 20_000]) {
    const s = step(SPEC, record, BAD, at);
    t.false(s.act);
    t.is(s.record.state, 'starting');
    t.is(s.record.failures, 0);
    record = s.record;
  }
  const counted = [30_000, 40_000, 50_000].map((at) => {
    const s = step(SPEC, record, BAD, at);
    record = s.record;
    return s;
  });
  t.deepEqual(
    counted.map((s) => [s.act, s.event]),
    [
      [false, undefined],
      [false, undefined],
      [true, 'unhealthy'],
    ],
  );
  t.is(record.state, 'unhealthy');
  t.is(record.since, 50_000);
  t.is(describeHealth(record), `unhealthy since ${new Date(50_000).toISOString()}: HTTP 500`);
  // Still failing: no second unhealthy event, the next act after three more failures.
  const more = [60_000, 70_000, 80_000].map((at) => {
    const s = step(SPEC, record, BAD, at);
    record = s.record;
    return [s.act, s.event];
  });
  t.deepEqual(more, [
    [false, undefined],
    [false, undefined],
    [true, undefined],
  ]);
  const back = step(SPEC, record, GOOD, 90_000);
  t.is(back.event, 'healthy');
  t.is(back.record.state, 'healthy');
});

test('a success resets the count of consecutive failures', (t) => {
  let record = freshRecord(-100_000);
  record = step(SPEC, record, BAD, 0).record;
  record = step(SPEC, record, BAD, 1).record;
  record = step(SPEC, record, GOOD, 2).record;
  t.is(record.failures, 0);
  const s = step(SPEC, step(SPEC, record, BAD, 3).record, BAD, 4);
  t.false(s.act);
  t.is(s.record.state, 'healthy');
});

interface Harness {
  time: FakeTime;
  monitor: HealthMonitor;
  events: EventInput[];
  restarts: string[];
  results: Map<string, ProbeResult | 'hang'>;
  running: Map<string, number>;
  pids: Map<string, number>;
  add(name: string, spec?: Partial<HealthSpec>): void;
}

function harness(parallel?: number): Harness {
  const time = new FakeTime(1_000_000);
  const events: EventInput[] = [];
  const restarts: string[] = [];
  const results = new Map<string, ProbeResult | 'hang'>();
  const running = new Map<string, number>();
  const pids = new Map<string, number>();
  const monitor = new HealthMonitor({
    time,
    ...(parallel !== undefined ? {parallel} : {}),
    events: {emit: (event) => events.push(event)},
    check: (service, options) =>
      new Promise<ProbeResult>((resolve) => {
        running.set(service.name, (running.get(service.name) ?? 0) + 1);
        const done = (result: ProbeResult): void => {
          running.set(service.name, (running.get(service.name) ?? 1) - 1);
          resolve(result);
        };
        const result = results.get(service.name) ?? GOOD;
        if (result === 'hang') options.time.setTimeout(() => done({ok: false, reason: 'timed out'}), options.timeoutMs);
        else queueMicrotask(() => done(result));
      }),
  });
  return {
    time,
    monitor,
    events,
    restarts,
    results,
    running,
    pids,
    add(name, spec = {}) {
      pids.set(name, 100);
      const service: MonitoredService = {name, spec: {...SPEC, startPeriodMs: 0, ...spec}, pid: () => pids.get(name) ?? 0, restart: (reason) => restarts.push(`${name}: ${reason}`)};
      monitor.set(service);
    },
  };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

async function advance(h: Harness, ms: number): Promise<void> {
  const step = 1000;
  for (let done = 0; done < ms; done += step) {
    h.time.advance(step);
    await settle();
  }
}

test('the monitor checks every interval from the end of the last check and restarts after `failures` failures, with events', async (t) => {
  const h = harness();
  h.add('web');
  h.results.set('web', BAD);
  await advance(h, 20_000);
  t.deepEqual(h.restarts, []);
  await advance(h, 10_000);
  t.deepEqual(h.restarts, ['web: HTTP 500']);
  t.deepEqual(h.events, [{service: 'web', kind: 'unhealthy', source: 'supervise', reason: 'HTTP 500'}]);
  t.is(h.monitor.recordOf('web')?.state, 'unhealthy');
  // The restart gave a new pid: a new start, counted from fresh; healthy again is an event.
  h.pids.set('web', 101);
  h.results.set('web', GOOD);
  await advance(h, 10_000);
  t.is(h.monitor.recordOf('web')?.state, 'healthy');
  h.pids.set('web', 102);
  h.results.set('web', BAD);
  await advance(h, 30_000);
  t.is(h.restarts.length, 2);
  await h.monitor.stop();
});

test('action alert reports but never restarts; a down service is not checked', async (t) => {
  const h = harness();
  h.add('db', {action: 'alert', failures: 1});
  h.results.set('db', BAD);
  await advance(h, 10_000);
  t.is(h.monitor.recordOf('db')?.state, 'unhealthy');
  t.deepEqual(h.restarts, []);
  h.pids.set('db', 0);
  const before = h.monitor.recordOf('db')?.lastCheck?.time;
  await advance(h, 30_000);
  t.is(h.monitor.recordOf('db')?.lastCheck?.time, before);
  await h.monitor.stop();
});

test('a hung check holds one slot until its timeout and never delays the other services beyond the parallel bound', async (t) => {
  const h = harness(2);
  h.add('hung', {timeoutMs: 5_000});
  h.results.set('hung', 'hang');
  for (const name of ['a', 'b', 'c']) h.add(name);
  await advance(h, 10_000);
  // At the first interval: hung and one other run; two wait for the second slot in turn.
  const checked = () => ['a', 'b', 'c'].filter((name) => h.monitor.recordOf(name)?.lastCheck).length;
  t.is(checked(), 3);
  t.is(h.monitor.recordOf('hung')?.lastCheck, null);
  await advance(h, 5_000);
  t.is(h.monitor.recordOf('hung')?.lastCheck?.reason, 'timed out');
  t.true(Math.max(...h.running.values()) <= 1);
  await h.monitor.stop();
});

test('at most `parallel` checks run at once', async (t) => {
  const h = harness(3);
  for (let i = 0; i < 10; i++) {
    h.add(`s${i}`, {timeoutMs: 5_000});
    h.results.set(`s${i}`, 'hang');
  }
  let most = 0;
  for (let i = 0; i < 70; i++) {
    h.time.advance(500);
    await settle();
    most = Math.max(
      most,
      [...h.running.values()].reduce((a, b) => a + b, 0),
    );
  }
  t.is(most, 3);
  t.true(['s0', 's1', 's2', 's3', 's9'].every((name) => h.monitor.recordOf(name)?.lastCheck !== null));
  const stopped = h.monitor.stop();
  h.time.advance(5_000);
  await stopped;
});
