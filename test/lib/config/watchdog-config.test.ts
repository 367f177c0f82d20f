import test from 'ava';
import {parseWatchdogConfig, defaultStateDir} from '../../../src/lib/config/watchdog-config.js';
import {ConfigError} from '../../../src/lib/config/schema.js';

const root = {uid: 0, env: {}};

test('the example from the issue validates into absolute paths, defaults and argv lists', (t) => {
  const {config, warnings} = parseWatchdogConfig(
    [
      'startDir: start-scripts',
      'stateDir: /var/lib/keepup',
      'mail:',
      '  to: root@localhost',
      '  from: keepup@example.org',
      '  transport: smtp://127.0.0.1:25',
      'daemons:',
      '  - inetd',
      '  - name: apache',
      '    process: httpd',
      '    script: apache',
      '    args: [start]',
      '    match: exact',
      '    pidfile: /var/run/httpd.pid',
      '    diagnostics: [ps aux, w, vmstat]',
      '',
    ].join('\n'),
    '/etc/keepup/watchdog.config.yaml',
    root,
  );
  t.deepEqual(warnings, []);
  t.is(config.file, '/etc/keepup/watchdog.config.yaml');
  t.is(config.startDir, '/etc/keepup/start-scripts');
  t.is(config.stateDir, '/var/lib/keepup');
  t.is(config.schedule, '*/10 * * * *');
  t.is(config.scriptTimeoutMs, 10_000);
  t.is(config.lockWaitMs, 60_000);
  t.deepEqual(config.mail, {to: ['root@localhost'], from: 'keepup@example.org', transport: {kind: 'smtp', url: 'smtp://127.0.0.1:25'}});
  t.deepEqual(config.daemons, [
    {name: 'inetd', process: 'inetd', match: 'exact', script: 'inetd', args: [], diagnostics: []},
    {
      name: 'apache',
      process: 'httpd',
      match: 'exact',
      script: 'apache',
      args: ['start'],
      pidfile: '/var/run/httpd.pid',
      diagnostics: [['ps', 'aux'], ['w'], ['vmstat']],
    },
  ]);
});

test('sendmail transports, a default sender, a relative pidfile, a compiled regex', (t) => {
  const {config} = parseWatchdogConfig(
    'mail:\n  to: [a@b, c@d]\n  transport: sendmail:/usr/sbin/sendmail\ndaemons:\n  - name: x\n    match: regex\n    process: "^/usr/bin/x( |$)"\n    pidfile: run/x.pid\n',
    '/srv/w.yaml',
    root,
  );
  t.deepEqual(config.mail?.to, ['a@b', 'c@d']);
  t.deepEqual(config.mail?.transport, {kind: 'sendmail', path: '/usr/sbin/sendmail'});
  t.regex(config.mail!.from, /^keepup@/);
  t.is(config.daemons[0]!.pidfile, '/srv/run/x.pid');
  t.true(config.daemons[0]!.pattern!.test('/usr/bin/x -d'));
  t.false(config.daemons[0]!.pattern!.test('/usr/bin/xy'));
  const plain = parseWatchdogConfig('mail:\n  to: a@b\ndaemons: []\n', '/srv/w.yaml', root).config;
  t.deepEqual(plain.mail?.transport, {kind: 'sendmail'});
});

test('stateDir defaults to /var/lib/keepup for root and to the XDG state directory for others', (t) => {
  t.is(defaultStateDir(0, {}), '/var/lib/keepup');
  t.is(defaultStateDir(1000, {XDG_STATE_HOME: '/home/u/.state'}), '/home/u/.state/keepup');
  t.regex(defaultStateDir(1000, {XDG_STATE_HOME: 'relative'}), /\/\.local\/state\/keepup$/);
  t.is(parseWatchdogConfig('daemons: []\n', '/x/w.yaml', {uid: 1000, env: {XDG_STATE_HOME: '/s'}}).config.stateDir, '/s/keepup');
});

test('errors carry the file, line and column of the offending node', (t) => {
  const error = t.throws(() => parseWatchdogConfig('daemons:\n  - name: ok\n  - name: "a/b"\n', 'w.yaml', root), {instanceOf: ConfigError});
  t.is(error?.message, 'w.yaml:3:11: daemons[1].name must be a plain file name (letters, digits, . _ @ + -; no slash, not starting with a dot)');
  t.deepEqual([error?.line, error?.col], [3, 11]);
  const empty = t.throws(() => parseWatchdogConfig('daemons:\n  - name:\n', 'w.yaml', root), {instanceOf: ConfigError});
  t.is(empty?.message, 'w.yaml:2:10: daemons[0].name must be a string, not null');
  const timeout = t.throws(() => parseWatchdogConfig('scriptTimeout: 0\ndaemons: []\n', 'w.yaml', root), {instanceOf: ConfigError});
  t.is(timeout?.message, 'w.yaml:1:16: scriptTimeout must be between 0.1 and 3600');
});

test('six-field schedules (seconds) are accepted; day of month with day of week is not', (t) => {
  t.is(parseWatchdogConfig('schedule: "*/5 * * * * *"\ndaemons: []\n', 'w.yaml', root).config.schedule, '*/5 * * * * *');
  t.is(parseWatchdogConfig('schedule: "0 4 1 * *"\ndaemons: []\n', 'w.yaml', root).config.schedule, '0 4 1 * *');
  t.throws(() => parseWatchdogConfig('schedule: "0 0 4 1 * 1"\ndaemons: []\n', 'w.yaml', root), {message: /restricts both day of month and day of week/});
});

test('supervise keys: run as argv or shell line, user, env, envdir, limits, log, serviceDir, checkInterval', (t) => {
  const {config} = parseWatchdogConfig(
    [
      'stateDir: /var/lib/keepup',
      'checkInterval: 2.5',
      'daemons:',
      '  - inetd',
      '  - name: web',
      '    run: [httpd, -DFOREGROUND]',
      '    user: www-data',
      '    env: {PORT: 8080, MODE: prod, DEBUG: false}',
      '    envdir: env/web',
      '    limits: {openFiles: 4096, memory: unlimited}',
      '    log: t s1000000 n10 ./main',
      '  - name: sh',
      "    run: nginx -g 'daemon off;'",
      '',
    ].join('\n'),
    '/etc/keepup/watchdog.config.yaml',
    root,
  );
  t.is(config.serviceDir, '/var/lib/keepup/service');
  t.is(config.checkIntervalMs, 2500);
  t.is(config.daemons[0]!.service, undefined);
  t.deepEqual(config.daemons[1]!.service, {
    run: {kind: 'argv', argv: ['httpd', '-DFOREGROUND']},
    user: 'www-data',
    env: {PORT: '8080', MODE: 'prod', DEBUG: 'false'},
    envdir: '/etc/keepup/env/web',
    limits: {openFiles: 4096, memory: 'unlimited'},
    log: ['t', 's1000000', 'n10', './main'],
    stopTimeoutMs: 10_000,
  });
  t.deepEqual(config.daemons[2]!.service, {run: {kind: 'shell', line: "nginx -g 'daemon off;'"}, env: {}, limits: {}, stopTimeoutMs: 10_000});
  t.is(config.stopTimeoutMs, 10_000, 'the documented default');
  const relative = parseWatchdogConfig('serviceDir: svc\ndaemons: [a]\n', '/etc/keepup/c.yaml', root).config;
  t.is(relative.serviceDir, '/etc/keepup/svc');
  t.is(relative.checkIntervalMs, 5000);
});

test('supervise keys are validated with the line and column', (t) => {
  const bad = (text: string, message: RegExp) => {
    const error = t.throws(() => parseWatchdogConfig(text, '/c.yaml', root), {instanceOf: ConfigError});
    t.regex(error.message, message);
  };
  bad('daemons:\n  - name: a\n    user: nobody\n', /^\/c\.yaml:2:5: daemons\[0\]: user needs run:/);
  bad('daemons:\n  - name: a\n    run: []\n', /^\/c\.yaml:3:10: daemons\[0\]\.run must not be an empty list/);
  bad('daemons:\n  - name: a\n    run: x\n    limits: {memory: 1.5}\n', /^\/c\.yaml:4:22: daemons\[0\]\.limits\.memory must be a whole number or unlimited/);
  bad('daemons:\n  - name: a\n    run: x\n    limits: {files: 1}\n', /^\/c\.yaml:4:14: unknown key "files" in daemons\[0\]\.limits/);
  bad('daemons:\n  - name: a\n    run: x\n    env: {"A=B": c}\n', /^\/c\.yaml:4:11: daemons\[0\]\.env key "A=B" must be a variable name/);
  bad('daemons:\n  - name: a\n    run: x\n    user: "../root"\n', /daemons\[0\]\.user must be an account name/);
  bad('checkInterval: 0\ndaemons: [a]\n', /^\/c\.yaml:1:16: checkInterval must be between 0\.1 and 86400/);
  bad('stopTimeout: -1\ndaemons: [a]\n', /^\/c\.yaml:1:14: stopTimeout must be between 0 and 86400/);
  bad('daemons:\n  - name: a\n    run: x\n    stopTimeout: soon\n', /^\/c\.yaml:4:18: daemons\[0\]\.stopTimeout must be a number, not a string/);
  bad('daemons:\n  - name: a\n    stopTimeout: 3\n', /^\/c\.yaml:2:5: daemons\[0\]: stopTimeout needs run:/);
});

test('stopTimeout: seconds at the top, overridden per daemon, kept in whole milliseconds', (t) => {
  const {config} = parseWatchdogConfig('stopTimeout: 30\ndaemons:\n  - {name: a, run: x}\n  - {name: b, run: x, stopTimeout: 0.25}\n', '/c.yaml', root);
  t.is(config.stopTimeoutMs, 30_000);
  t.is(config.daemons[0]!.service!.stopTimeoutMs, 30_000);
  t.is(config.daemons[1]!.service!.stopTimeoutMs, 250);
});

test('daemons are checked one by one in document order: the first problem is the one reported', (t) => {
  const first = t.throws(() => parseWatchdogConfig('daemons:\n  - name: a\n    match: regex\n    process: "(("\n  - a\n', 'w.yaml', root), {instanceOf: ConfigError});
  t.regex(first?.message ?? '', /^w\.yaml:2:5: daemons\[0\]\.process is not a valid regular expression: /);
  const twice = t.throws(() => parseWatchdogConfig('daemons:\n  - a\n  - name: a\n    user: nobody\n', 'w.yaml', root), {instanceOf: ConfigError});
  t.is(twice?.message, 'w.yaml:3:5: daemons[1]: the name "a" is used twice');
});

test('restart: and notify: at the top, overridden key by key per daemon', (t) => {
  const text = [
    'restart: {delay: 2, giveUp: {starts: 4, within: 120}}',
    'notify: {events: [gave-up], throttle: 60, webhook: {url: "http://127.0.0.1:9000/hook", secretFile: hook.secret}, exec: [page-me, -v]}',
    'daemons:',
    '  - a',
    '  - name: b',
    '    restart: {giveUp: false, retryAfter: 0}',
    '    notify: {mail: false, events: [restarted, recovered]}',
    '',
  ].join('\n');
  const {config} = parseWatchdogConfig(text, '/etc/keepup/c.yaml', root);
  t.deepEqual(config.restart, {delay: 2, giveUp: {starts: 4, within: 120}});
  t.deepEqual(config.daemons[0]!.restart, {delay: 2, giveUp: {starts: 4, within: 120}});
  t.deepEqual(config.daemons[1]!.restart, {delay: 2, giveUp: false, retryAfter: 0});
  t.deepEqual(config.daemons[0]!.notify, {
    events: ['gave-up'],
    throttleMs: 60_000,
    mail: true,
    webhook: {url: 'http://127.0.0.1:9000/hook', secretFile: '/etc/keepup/hook.secret'},
    exec: ['/etc/keepup/page-me', '-v'],
  });
  t.like(config.daemons[1]!.notify, {events: ['restarted', 'recovered'], mail: false, throttleMs: 60_000});
  t.is(parseWatchdogConfig('daemons: [a]\n', '/c.yaml', root).config.daemons[0]!.notify, undefined, 'no notify: anywhere, the defaults');
});

test('restart: and notify: are validated with the line and column', (t) => {
  const bad = (text: string, message: RegExp) => {
    const error = t.throws(() => parseWatchdogConfig(text, '/c.yaml', root), {instanceOf: ConfigError});
    t.regex(error.message, message);
  };
  bad('restart: {delay: 0}\ndaemons: [a]\n', /^\/c\.yaml:1:18: restart\.delay must be between 0\.1 and 86400/);
  bad('restart: {giveUp: {starts: 1.5, within: 3}}\ndaemons: [a]\n', /^\/c\.yaml:1:28: restart\.giveUp\.starts must be a whole number/);
  bad('restart: {giveUp: yes}\ndaemons: [a]\n', /^\/c\.yaml:1:19: restart\.giveUp must be \{starts: N, within: SECONDS\} or false/);
  bad('restart: {later: 3}\ndaemons: [a]\n', /^\/c\.yaml:1:11: unknown key "later" in restart/);
  bad('daemons:\n  - name: a\n    notify: {events: [exploded]}\n', /^\/c\.yaml:3:23: daemons\[0\]\.notify\.events\[0\] must be one of/);
  bad('notify: {webhook: {url: "ftp://x/"}}\ndaemons: [a]\n', /^\/c\.yaml:1:25: notify\.webhook\.url must be an http/);
  bad('notify: {mail: 1}\ndaemons: [a]\n', /^\/c\.yaml:1:16: notify\.mail must be true or false/);
});
