import test from 'ava';
import {createHash} from 'node:crypto';
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
  t.deepEqual(config.mail, {to: ['root@localhost'], from: 'keepup@example.org', transport: {kind: 'smtp', url: 'smtp://127.0.0.1:25', tls: 'any'}});
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
  const hash = (path: string) => createHash('sha256').update(path).digest('hex').slice(0, 8);
  t.is(parseWatchdogConfig('daemons: []\n', '/x/w.yaml', {uid: 1000, env: {XDG_STATE_HOME: '/s'}}).config.stateDir, `/s/keepup/w-${hash('/x/w.yaml')}`);
  // One config's history, lock and spool are kept apart from another's.
  const a = parseWatchdogConfig('daemons: []\n', '/etc/keepup/watchdog.config.yaml', root).config;
  const b = parseWatchdogConfig('daemons: []\n', '/srv/web/watchdog.config.yaml', root).config;
  t.is(a.stateDir, `/var/lib/keepup/watchdog.config-${hash('/etc/keepup/watchdog.config.yaml')}`);
  t.not(a.stateDir, b.stateDir);
  t.is(b.serviceDir, `${b.stateDir}/service`);
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

const errorOf = (text: string, options: Parameters<typeof parseWatchdogConfig>[2] = root): string => {
  try {
    parseWatchdogConfig(text, '/etc/keepup/w.yaml', options);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  return 'accepted';
};

test('load-time errors name FILE:LINE:COL: unknown user, missing envdir, env key with a blank, a cron step beyond its range, scriptLimit below scriptTimeout', (t) => {
  const system = {accountExists: (name: string) => name === 'www-data', directoryExists: (path: string) => path === '/etc/keepup/env/ok'};
  const withSystem = {...root, system};
  t.is(errorOf('daemons:\n  - name: web\n    run: [httpd]\n    user: nosuchuser\n', withSystem), '/etc/keepup/w.yaml:4:11: daemons[0].user: no account nosuchuser on this system');
  t.is(errorOf('daemons:\n  - name: web\n    run: [httpd]\n    user: www-data\n    envdir: env/ok\n', withSystem), 'accepted');
  t.is(errorOf('daemons:\n  - name: web\n    run: [httpd]\n    envdir: env/gone\n', withSystem), '/etc/keepup/w.yaml:4:13: daemons[0].envdir: /etc/keepup/env/gone is not a directory');
  t.regex(errorOf('daemons:\n  - name: web\n    run: [httpd]\n    env: {"MY PORT": 1}\n'), /^\/etc\/keepup\/w\.yaml:4:11: .*must be a variable name without =, blanks or NUL$/);
  t.is(errorOf('schedule: "*/61 * * * *"\ndaemons: []\n'), '/etc/keepup/w.yaml:1:11: schedule has step /61 in the minute field, beyond its range 0-59');
  t.is(errorOf('scriptTimeout: 20\nscriptLimit: 10\ndaemons: []\n'), '/etc/keepup/w.yaml:2:14: scriptLimit (10 s) must not be shorter than scriptTimeout (20 s)');
  t.is(errorOf('startSupervise: yes please\ndaemons: []\n'), '/etc/keepup/w.yaml:1:17: startSupervise must be true or false, not a string');
});

test('run lists take numbers as env values do; scriptLimit and startSupervise defaults', (t) => {
  const {config} = parseWatchdogConfig('daemons:\n  - name: s\n    run: [sleep, 100]\n    env: {PORT: 8080}\n', '/x/w.yaml', root);
  t.deepEqual(config.daemons[0]!.service?.run, {kind: 'argv', argv: ['sleep', '100']});
  t.is(config.scriptLimitMs, 300_000);
  t.false(config.startSupervise);
});

test('mail: local and display-name recipients; mail.tls defaults to any for a loopback MTA, verify elsewhere, and fits the transport', (t) => {
  const mail = (rest: string) => parseWatchdogConfig(`mail:\n${rest}daemons: []\n`, '/x/w.yaml', root).config.mail;
  t.deepEqual(mail('  to: [root, "Admin <admin@example.org>"]\n  transport: smtp://mail.example.org\n')?.to, ['root', 'Admin <admin@example.org>']);
  t.deepEqual(mail('  to: root\n  transport: smtp://mail.example.org\n')?.transport, {kind: 'smtp', url: 'smtp://mail.example.org', tls: 'verify'});
  t.deepEqual(mail('  to: root\n  transport: smtp://localhost:25\n')?.transport, {kind: 'smtp', url: 'smtp://localhost:25', tls: 'any'});
  t.deepEqual(mail('  to: root\n  transport: smtp://127.0.0.1\n  tls: plain\n')?.transport, {kind: 'smtp', url: 'smtp://127.0.0.1', tls: 'plain'});
  t.is(errorOf('mail:\n  to: root\n  tls: any\ndaemons: []\n'), '/etc/keepup/w.yaml:3:8: mail.tls applies to smtp:// and smtps:// transports only');
  t.is(errorOf('mail:\n  to: root\n  transport: smtp://h\n  tls: sometimes\ndaemons: []\n').replace(/ \(.*$/, ''), '/etc/keepup/w.yaml:4:8: mail.tls must be one of verify, any, plain');
  t.regex(errorOf('mail:\n  to: "a b"\ndaemons: []\n'), /^\/etc\/keepup\/w\.yaml:2:7: mail\.to must be an address/);
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
