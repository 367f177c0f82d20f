import test from 'ava';
import type {ServiceSpec} from '../../../src/lib/config/watchdog-config.js';
import {serviceLimits, serviceSpawnSettings, type SpawnContext} from '../../../src/lib/service-tree/spawn-settings.js';

const NOFILE = {soft: 1024, hard: 524288};

const INF = 2n ** 64n - 1n;

test('limits are set soft and hard alike; open files default to the scanner reset', (t) => {
  t.deepEqual(serviceLimits({}, NOFILE), [{resource: 'RLIMIT_NOFILE', soft: 1024n, hard: 524288n}]);
  t.deepEqual(serviceLimits({}, undefined), []);
  t.deepEqual(serviceLimits({openFiles: 4096, memory: 'unlimited', cpu: 60}, NOFILE), [
    {resource: 'RLIMIT_NOFILE', soft: 4096n, hard: 4096n},
    {resource: 'RLIMIT_AS', soft: INF, hard: INF},
    {resource: 'RLIMIT_CPU', soft: 60n, hard: 60n},
  ]);
  t.deepEqual(
    serviceLimits({processes: 10, data: 1, stack: 2, core: 0, fileSize: 3}, {soft: 1024, hard: Infinity}).map(({resource, soft, hard}) => `${resource}=${soft}:${hard}`),
    ['RLIMIT_NOFILE=1024:' + INF, 'RLIMIT_NPROC=10:10', 'RLIMIT_DATA=1:1', 'RLIMIT_STACK=2:2', 'RLIMIT_CORE=0:0', 'RLIMIT_FSIZE=3:3'],
  );
});

const spec = (extra: Partial<ServiceSpec>): ServiceSpec => ({run: {kind: 'argv', argv: ['x']}, env: {}, limits: {}, stopTimeoutMs: 10_000, ...extra});

test('user, env and env dir become spawn settings, worked out at each call', (t) => {
  let greeting = 'hello';
  const context: SpawnContext = {
    nofile: undefined,
    lookupAccount: (name) => (name === 'svc' ? {name, uid: 42, gid: 43} : 'unknown'),
    readEnvDir: () => [
      {name: 'GREETING', value: Buffer.from(greeting)},
      {name: 'DROP', value: undefined},
    ],
    env: {PATH: '/bin', DROP: 'x'},
  };
  const settings = () => serviceSpawnSettings(spec({user: 'svc', env: {FOO: 'bar'}, envdir: '/etc/env'}), context);
  t.deepEqual(settings(), {env: {PATH: '/bin', GREETING: 'hello'}, extraEnv: {FOO: 'bar'}, uid: 42, gid: 43, groups: [43]});
  greeting = 'again';
  t.is(settings().env!.GREETING, 'again');
  t.throws(() => serviceSpawnSettings(spec({user: 'ghost'}), context), {message: 'unknown account ghost'});
});

test('a service without user, env or env dir gets only the limits', (t) => {
  const context: SpawnContext = {nofile: NOFILE, lookupAccount: () => 'unknown', readEnvDir: () => [], env: {}};
  t.deepEqual(serviceSpawnSettings(spec({}), context), {limits: [{resource: 'RLIMIT_NOFILE', soft: 1024n, hard: 524288n}]});
  t.deepEqual(serviceSpawnSettings(undefined, {...context, nofile: undefined}), {});
});
