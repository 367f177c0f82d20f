import test from 'ava';
import type {DaemonRule} from '../../../src/lib/config/watchdog-config.js';
import type {ProcessEntry} from '../../../src/lib/proctable/entry.js';
import {decide, excludedPids, matches} from '../../../src/lib/watchdog/decide.js';

const rule = (name: string, extra: Partial<DaemonRule> = {}): DaemonRule => ({
  name,
  process: name,
  match: 'exact',
  script: name,
  args: [],
  diagnostics: [],
  ...extra,
});
const entry = (pid: number, comm: string, argv: string[], ppid = 1, session = pid): ProcessEntry => ({pid, comm, argv, ppid, session});

const SELF = 500;
const TABLE: ProcessEntry[] = [
  entry(1, 'init', ['/sbin/init']),
  entry(10, 'kthreadd', [], 0, 0),
  entry(400, 'cron', ['/usr/sbin/cron']),
  entry(500, 'node', ['node', 'keepup.js', 'check', '--config', 'httpd.yaml'], 400, 400),
  entry(501, 'flock', ['flock', '-x', '3'], 500, 400),
  entry(502, 'sh', ['/bin/sh', 'start-scripts/apache'], 500, 502),
  entry(503, 'httpd', ['/usr/sbin/httpd', '-k', 'start'], 502, 502),
  entry(504, 'apache', ['/bin/sh', '/etc/keepup/start-scripts/apache', 'start'], 1, 504),
  entry(505, 'nginx', ['/etc/keepup/start-scripts/nginx'], 1, 505),
  entry(600, 'a-very-long-dae', ['/usr/sbin/a-very-long-daemon-name']),
  {...entry(700, 'ghost', []), zombie: true},
  {...entry(701, 'sh', []), zombie: true},
];

test('the checker and its helpers in its own session are excluded; what a start script left is not', (t) => {
  t.deepEqual([...excludedPids(TABLE, SELF)].sort(), [500, 501]);
});

test('match modes: exact compares the kernel name (truncated to 15), substring fgreps, regex reads the command line', (t) => {
  const httpd = TABLE.find((e) => e.pid === 503)!;
  t.true(matches(rule('httpd'), httpd));
  t.false(matches(rule('http'), httpd));
  t.true(
    matches(
      rule('x', {process: 'a-very-long-daemon-name'}),
      TABLE.find((e) => e.pid === 600)!,
    ),
  );
  // A long name: the 15 characters the kernel keeps, confirmed by argv[0] or the executable; another program of the same prefix is not it.
  const long = rule('x', {process: 'python-worker-queue'});
  t.true(matches(long, {pid: 1, comm: 'python-worker-q', argv: ['python-worker-queue', '--x']}));
  t.true(matches(long, {pid: 1, comm: 'python-worker-q', argv: ['worker: idle'], exe: '/usr/local/bin/python-worker-queue'}));
  t.true(matches(long, {pid: 1, comm: 'python-worker-q', argv: []}));
  t.false(matches(long, {pid: 1, comm: 'python-worker-q', argv: ['/usr/bin/python-worker-quota']}));
  t.false(matches(long, {pid: 1, comm: 'python-worker', argv: ['python-worker-queue']}));
  t.true(matches(rule('x', {process: 'k star', match: 'substring'}), httpd));
  t.true(matches(rule('x', {process: 'ttp', match: 'substring'}), httpd));
  t.false(matches(rule('x', {process: 'nginx', match: 'substring'}), httpd));
  t.true(matches(rule('x', {process: '^/usr/sbin/httpd -k', match: 'regex', pattern: /^\/usr\/sbin\/httpd -k/}), httpd));
  t.false(matches(rule('x', {process: '^httpd', match: 'regex', pattern: /^httpd/}), httpd));
  t.true(matches(rule('x', {process: '^\\[kthreadd\\]$', match: 'regex', pattern: /^\[kthreadd\]$/}), TABLE[1]!));
});

test('decide: running by name, or by a live pidfile pid that is the daemon (a reused pid or a dead master with live workers is not), starting within the grace or while its script runs, else missing', (t) => {
  const now = 1_000_000;
  const verdicts = decide({
    entries: TABLE,
    daemons: [
      rule('httpd'),
      rule('apache'),
      rule('nginx'),
      rule('keepup', {match: 'substring'}),
      rule('flock'),
      rule('cron', {pidfile: '/run/cron.pid'}),
      rule('db', {pidfile: '/run/db.pid'}),
      rule('httpd', {name: 'masteronly', pidfile: '/run/httpd.pid'}),
      rule('stale', {pidfile: '/run/stale.pid'}),
      rule('selfpid', {pidfile: '/run/self.pid'}),
      rule('fresh'),
      rule('old'),
      rule('hung'),
      rule('reused'),
      rule('ghost'),
      rule('deadscript'),
    ],
    startDir: '/etc/keepup/start-scripts',
    selfPid: SELF,
    pidfilePids: new Map([
      ['cron', 400],
      ['db', 400],
      ['masteronly', 9998],
      ['stale', 9999],
      ['selfpid', SELF],
    ]),
    restarts: [
      {daemon: 'fresh', time: now - 5000},
      {daemon: 'old', time: now - 20_000},
      {daemon: 'hung', time: now - 600_000, scriptPid: 502},
      {daemon: 'reused', time: now - 600_000, scriptPid: 503},
      {daemon: 'deadscript', time: now - 600_000, scriptPid: 701},
    ],
    now,
    graceMs: 10_000,
  });
  t.deepEqual(
    verdicts.map((v) => [v.daemon.name, v.state, v.state === 'running' ? `${v.pid}/${v.via}` : v.state === 'starting' ? `${v.since}/${v.scriptPid}` : '']),
    [
      ['httpd', 'running', '503/name'],
      ['apache', 'missing', ''],
      ['nginx', 'missing', ''],
      ['keepup', 'missing', ''],
      ['flock', 'missing', ''],
      ['cron', 'running', '400/pidfile'],
      ['db', 'missing', ''],
      ['masteronly', 'missing', ''],
      ['stale', 'missing', ''],
      ['selfpid', 'missing', ''],
      ['fresh', 'starting', `${now - 5000}/undefined`],
      ['old', 'missing', ''],
      ['hung', 'starting', `${now - 600_000}/502`],
      ['reused', 'missing', ''],
      ['ghost', 'missing', ''],
      ['deadscript', 'missing', ''],
    ],
  );
});
