import test from 'ava';
import type {ServiceSpec} from '../../../src/lib/config/watchdog-config.js';
import {limitsPrefix, serviceSpawnSettings, type SpawnContext} from '../../../src/lib/service-tree/spawn-settings.js';

const NOFILE = {soft: 1024, hard: 524288};

test('limits become one prlimit, soft and hard alike; open files default to the scanner reset', (t) => {
  t.deepEqual(limitsPrefix({}, NOFILE), ['prlimit', '--nofile=1024:524288', '--']);
  t.deepEqual(limitsPrefix({}, undefined), []);
  t.deepEqual(limitsPrefix({openFiles: 4096, memory: 'unlimited', cpu: 60}, NOFILE), ['prlimit', '--nofile=4096:4096', '--as=unlimited:unlimited', '--cpu=60:60', '--']);
  t.deepEqual(limitsPrefix({processes: 10, data: 1, stack: 2, core: 0, fileSize: 3}, {soft: 1024, hard: Infinity}), [
    'prlimit',
    '--nofile=1024:unlimited',
    '--nproc=10:10',
    '--data=1:1',
    '--stack=2:2',
    '--core=0:0',
    '--fsize=3:3',
    '--',
  ]);
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

test('a service without user, env or env dir gets only the limits prefix', (t) => {
  const context: SpawnContext = {nofile: NOFILE, lookupAccount: () => 'unknown', readEnvDir: () => [], env: {}};
  t.deepEqual(serviceSpawnSettings(spec({}), context), {prefix: ['prlimit', '--nofile=1024:524288', '--']});
  t.deepEqual(serviceSpawnSettings(undefined, {...context, nofile: undefined}), {});
});
