import test from 'ava';
import {parseWatchdogConfig, type DaemonRule} from '../../../src/lib/config/watchdog-config.js';
import {ConfigError} from '../../../src/lib/config/schema.js';
import {hasOrder, orderLevels, StartOrder, stopOrder} from '../../../src/lib/keepup/start-order.js';
import {FakeTime} from '../../helpers/fake-time.js';

const FILE = '/etc/keepup/w.yaml';

function daemons(yaml: string): DaemonRule[] {
  return parseWatchdogConfig(`serviceDir: /srv/service\ndaemons:\n${yaml}`, FILE, {uid: 0, env: {}}).config.daemons;
}

function errorOf(yaml: string): string {
  try {
    daemons(yaml);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  return 'accepted';
}

const run = (name: string, extra = '') => `  - name: ${name}\n    run: [sleep, "1"]\n${extra}`;

test('levels come from after:, not from the list; independents share level 0 (they start at once, in parallel); shutdown goes down the levels', (t) => {
  const rules = daemons(`${run('c', '    after: [b]\n')}${run('x')}${run('b', '    after: [{name: a, restart: true}]\n')}${run('a')}${run('y')}${run('d', '    after: [a, c]\n')}`);
  t.deepEqual(Object.fromEntries(orderLevels(rules)), {a: 0, b: 1, c: 2, d: 3, x: 0, y: 0});
  t.deepEqual(
    stopOrder(rules).map((group) => group.sort()),
    [['d'], ['c'], ['b'], ['a', 'x', 'y']],
  );
  t.true(hasOrder(rules));
  const plain = daemons(`${run('x')}${run('y')}`);
  t.false(hasOrder(plain));
  t.deepEqual(stopOrder(plain), [['x', 'y']]);
});

test('an unknown name, a daemon naming itself and a cycle are FILE:LINE:COL errors', (t) => {
  t.is(errorOf(run('x', '    after: [nope]\n')), `${FILE}:5:13: daemon x: after: "nope" is not a daemon of this config`);
  t.regex(errorOf(run('x', '    after: [x]\n')), new RegExp(`^${FILE}:5:\\d+: `));
  t.regex(
    errorOf(`${run('x', '    after: [y]\n')}${run('y', '    after: [z]\n')}${run('z', '    after: [x]\n')}`),
    new RegExp(`^${FILE}:\\d+:\\d+: after: makes a cycle: [xyz] → [xyz] → [xyz] → [xyz]$`),
  );
});

/** Services the test moves by hand: pid and readiness per name. */
class World {
  readonly pids = new Map<string, number>();
  readonly readyPids = new Set<number>();
  /** svc -u/-d/-o sent by an admin, per name. */
  readonly commands = new Map<string, number>();
  readonly log: string[] = [];
  constructor(readonly rules: DaemonRule[]) {}
  view = {
    daemons: () => this.rules,
    pidOf: (name: string) => this.pids.get(name) ?? 0,
    satisfied: (name: string) => {
      const pid = this.pids.get(name) ?? 0;
      const rule = this.rules.find((each) => each.name === name);
      return pid !== 0 && (rule?.ready === undefined || this.readyPids.has(pid));
    },
    wantCommands: (name: string) => this.commands.get(name) ?? 0,
  };
  actions = {
    release: (names: readonly string[]) => this.log.push(`release ${names.join(',')}`),
    stop: (name: string, dependency: string) => this.log.push(`stop ${name} for ${dependency}`),
    start: (name: string) => this.log.push(`start ${name}`),
  };
}

const ready = (extra = '') => `    ready: health\n    health: {command: ["true"]}\n${extra}`;

test('held services are released level by level as each dependency becomes ready, polled on the clock', (t) => {
  const world = new World(daemons(`${run('a', ready())}${run('b', ready('    after: [a]\n'))}${run('c', '    after: [b]\n')}${run('x')}`));
  const time = new FakeTime(1_000_000);
  const order = new StartOrder(time, 100, world.view, world.actions);
  order.held.add('b');
  order.held.add('c');
  order.watch();
  world.pids.set('a', 10);
  time.advance(99);
  t.deepEqual(world.log, [], 'nothing before the first poll');
  time.advance(1);
  t.deepEqual(world.log, [], 'a is up but not ready: b stays held');
  world.readyPids.add(10);
  time.advance(100);
  t.deepEqual(world.log, ['release b']);
  world.pids.set('b', 20);
  time.advance(100);
  t.deepEqual(world.log, ['release b'], 'b up, not ready');
  world.readyPids.add(20);
  time.advance(100);
  t.deepEqual(world.log, ['release b', 'release c']);
  t.deepEqual([...order.held], []);
  order.stop();
  time.advance(1000);
  t.is(world.log.length, 2, 'no polling after stop()');
});

test('restart: true: a new pid of the dependency takes the dependent down at once and up only once the dependency is ready again', (t) => {
  const world = new World(daemons(`${run('db', ready())}${run('api', '    after: [{name: db, restart: true}]\n')}${run('web', '    after: [db]\n')}`));
  const time = new FakeTime(0);
  const order = new StartOrder(time, 100, world.view, world.actions);
  order.watch();
  world.pids.set('db', 10).set('api', 11).set('web', 12);
  world.readyPids.add(10);
  order.watch(); // the event keepup supervise would see
  time.advance(100);
  t.deepEqual(world.log, []);
  // svc -t db: a new pid, not ready yet.
  world.pids.set('db', 13);
  order.watch(); // the event keepup supervise would see
  time.advance(100);
  t.deepEqual(world.log, ['stop api for db'], 'web has no restart: true edge');
  time.advance(300);
  t.deepEqual(world.log, ['stop api for db'], 'api waits while db is not ready');
  world.readyPids.add(13);
  order.watch(); // the event keepup supervise would see
  time.advance(100);
  t.deepEqual(world.log, ['stop api for db', 'start api']);
  // A crash with daemontools' pause: 0 for a while, then a new pid, seen as a restart.
  world.pids.set('db', 0);
  order.watch(); // the event keepup supervise would see
  time.advance(100);
  t.is(world.log.length, 2);
  world.pids.set('db', 14);
  order.watch(); // the event keepup supervise would see
  time.advance(100);
  t.deepEqual(world.log.slice(2), ['stop api for db']);
  // A second restart while api waits changes nothing; api starts once the latest pid is ready.
  world.pids.set('db', 15);
  order.watch(); // the event keepup supervise would see
  time.advance(100);
  world.readyPids.add(14);
  order.watch(); // the event keepup supervise would see
  time.advance(100);
  t.deepEqual(world.log.slice(2), ['stop api for db'], 'ready was said by an older pid');
  world.readyPids.add(15);
  order.watch(); // the event keepup supervise would see
  time.advance(100);
  t.deepEqual(world.log.slice(2), ['stop api for db', 'start api']);
});

test('an admin who takes a waiting dependent down (svc -d) has the last word: it is not brought back up when the dependency is ready', (t) => {
  const world = new World(daemons(`${run('db', ready())}${run('api', '    after: [{name: db, restart: true}]\n')}${run('jobs', '    after: [{name: db, restart: true}]\n')}`));
  const time = new FakeTime(0);
  const order = new StartOrder(time, 100, world.view, world.actions);
  order.watch();
  world.pids.set('db', 10).set('api', 11).set('jobs', 12);
  world.readyPids.add(10);
  world.commands.set('api', 3);
  order.watch(); // the event keepup supervise would see
  time.advance(100);
  world.pids.set('db', 13);
  order.watch(); // the event keepup supervise would see
  time.advance(100);
  t.deepEqual(world.log, ['stop api for db', 'stop jobs for db']);
  // svc -d api while it waits; jobs is left alone.
  world.commands.set('api', 4);
  order.watch(); // the event keepup supervise would see
  time.advance(100);
  world.readyPids.add(13);
  order.watch(); // the event keepup supervise would see
  time.advance(100);
  t.deepEqual(world.log, ['stop api for db', 'stop jobs for db', 'start jobs']);
  t.deepEqual([...order.waiting.keys()], []);
  // The next restart of db takes part again: api is down, but the order sees only pids.
  world.pids.set('api', 20);
  world.pids.set('db', 14);
  order.watch(); // the event keepup supervise would see
  time.advance(100);
  t.deepEqual(world.log.slice(3), ['stop api for db', 'stop jobs for db']);
  world.readyPids.add(14);
  order.watch(); // the event keepup supervise would see
  time.advance(100);
  t.deepEqual(world.log.slice(5), ['start api', 'start jobs']);
});

test('once nothing is held or waiting, no timer is left: a quiet tree costs no wake-up; an event looks again', (t) => {
  const world = new World(daemons(`${run('db', ready())}${run('api', '    after: [{name: db, restart: true}]\n')}`));
  const time = new FakeTime(0);
  const order = new StartOrder(time, 100, world.view, world.actions);
  order.held.add('api');
  order.watch();
  world.pids.set('db', 10);
  time.advance(100);
  t.deepEqual(time.delays(), [100], 'polled while api is held');
  world.readyPids.add(10);
  time.advance(100);
  t.deepEqual(world.log, ['release api']);
  world.pids.set('api', 11);
  t.deepEqual(time.delays(), [], 'no poll once nothing is held or waiting');
  time.advance(60_000);
  t.deepEqual(world.log, ['release api']);
  // Calls coalesce into one look on the next turn of the clock.
  world.pids.set('db', 12);
  order.watch();
  order.watch();
  t.deepEqual(time.delays(), [0]);
  time.advance(0);
  t.deepEqual(world.log, ['release api', 'stop api for db']);
  t.deepEqual(time.delays(), [100], 'polled again while api waits');
});

test('without after: nothing is polled', (t) => {
  const world = new World(daemons(`${run('a')}${run('b')}`));
  const time = new FakeTime(0);
  new StartOrder(time, 100, world.view, world.actions).watch();
  t.deepEqual(time.delays(), []);
});
