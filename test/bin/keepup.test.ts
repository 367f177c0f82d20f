// keepup check / keepup cron, end to end: the built command, real start scripts starting real
// (uniquely named) processes, a real SMTP server, real flock, a fake /proc for the
// unreadable-table path.
// Not tested: the ps-list backend end to end (its reader is tested in lib/proctable); mail over smtps.
// The sendmail lookup beyond PATH is tested in lib/mailer.
import test from 'ava';
import {chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import {once} from 'node:events';
import {join} from 'node:path';
import {bin} from '../helpers/paths.js';
import {isAlive, run, spawnTracked} from '../helpers/processes.js';
import {daemonPids, pidsByComm, uniqueName, waitForDaemon, watchdogSetup} from '../helpers/daemons.js';
import {mailText, startSmtp} from '../helpers/smtp.js';
import {waitFor} from '../helpers/wait-for.js';

const keepup = (args: string[], options: {env?: NodeJS.ProcessEnv; cwd?: string} = {}) => run(process.execPath, [bin('keepup'), ...args], {timeoutMs: 120_000, ...options});

test('a missing daemon is restarted by its start script and reported; the next run prints nothing', async (t) => {
  const setup = watchdogSetup(t);
  const name = setup.addDaemon();
  setup.writeConfig(`daemons:\n  - ${name}\n`);
  const first = await keepup(['check', '--config', setup.config]);
  t.is(first.stderr, '');
  t.is(first.code, 0);
  t.regex(first.stdout, new RegExp(`^Restarting ${name}\n\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d [+-]\\d{4}\n`));
  t.regex(first.stdout, /status: exited 0\n/);
  t.regex(first.stdout, new RegExp(`    starting ${name}\n    started, pid \\d+\n`));
  const pid = await waitForDaemon(name);
  const second = await keepup(['check', '--config', setup.config]);
  t.deepEqual(second, {code: 0, signal: null, stdout: '', stderr: ''});
  t.deepEqual(daemonPids(name), [pid]);
  const history = readFileSync(join(setup.stateDir, 'history'), 'utf8').trim().split('\n');
  t.is(history.length, 1);
  t.is((JSON.parse(history[0]!) as {daemon: string}).daemon, name);
});

test('the config defaults to watchdog.config.yaml in the current directory', async (t) => {
  const setup = watchdogSetup(t);
  const name = setup.addDaemon();
  setup.writeConfig(`daemons: [${name}]\n`);
  const result = await keepup(['check'], {cwd: setup.dir});
  t.is(result.code, 0);
  t.regex(result.stdout, new RegExp(`^Restarting ${name}\n`));
});

test('the report says how often a flapping daemon was restarted', async (t) => {
  const setup = watchdogSetup(t);
  const name = setup.addDaemon();
  setup.writeConfig(`scriptTimeout: 0.5\ndaemons: [${name}]\n`);
  const hourAgo = Date.now() - 30 * 60 * 1000;
  mkdirSync(setup.stateDir, {mode: 0o700});
  writeFileSync(join(setup.stateDir, 'history'), `{"daemon":"${name}","time":${hourAgo}}\n{"daemon":"${name}","time":${hourAgo + 1000}}\n`);
  const result = await keepup(['check', '--config', setup.config]);
  t.is(result.code, 0);
  t.regex(result.stdout, /restarted 3 times in the last hour, 3 times in the last day\n/);
});

test('a start script that leaves its daemon on the pipe is collected for scriptTimeout, not waited for', async (t) => {
  const setup = watchdogSetup(t);
  const name = uniqueName();
  setup.addDaemon(name, {script: `#!/bin/sh\necho before\n"${setup.binDir}/${name}" 600 &\necho after\n`});
  setup.writeConfig(`scriptTimeout: 5\ndaemons: [${name}]\n`);
  // The daemon holds the pipe for 600 s; keepup() fails if the run takes more than 120 s.
  const result = await keepup(['check', '--config', setup.config]);
  t.is(result.code, 0);
  t.regex(result.stdout, /status: exited 0\n/);
  t.regex(result.stdout, /    before\n    after\n/);
  await waitForDaemon(name);
});

test('a start script still running at the deadline is left running and reported so', async (t) => {
  const setup = watchdogSetup(t);
  const name = uniqueName();
  setup.addDaemon(name, {script: `#!/bin/sh\necho waiting\nexec "${setup.binDir}/${name}" 600\n`});
  // Long enough for the echo to arrive on a loaded machine.
  setup.writeConfig(`scriptTimeout: 4\ndaemons: [${name}]\n`);
  const result = await keepup(['check', '--config', setup.config]);
  t.is(result.code, 0);
  t.regex(result.stdout, /status: still running after 4 s \(pid \d+\)/);
  t.regex(result.stdout, /    waiting\n/);
  const pid = Number(/pid (\d+)\)/.exec(result.stdout)![1]);
  t.true(isAlive(pid));
  t.is(await waitForDaemon(name), pid);
});

test('a start script that is still running keeps later runs from starting another one', async (t) => {
  const setup = watchdogSetup(t);
  const name = uniqueName();
  setup.addDaemon(name, {script: '#!/bin/sh\necho hanging\nsleep 600\n'});
  setup.writeConfig(`scriptTimeout: 2\ndaemons: [${name}]\n`);
  const first = await keepup(['check', '--config', setup.config]);
  t.is(first.code, 0);
  const scriptPid = Number(/still running after 2 s \(pid (\d+)\)/.exec(first.stdout)?.[1]);
  t.teardown(() => {
    try {
      process.kill(-scriptPid, 'SIGKILL');
    } catch {
      // gone
    }
  });
  t.true(isAlive(scriptPid));
  const history = readFileSync(join(setup.stateDir, 'history'), 'utf8');
  const launched = (JSON.parse(history) as {time: number}).time;
  t.is(history, `{"daemon":"${name}","time":${launched},"scriptPid":${scriptPid}}\n`);
  await waitFor(() => Date.now() > launched + 2500, 'the grace period over', {timeoutMs: 30_000});
  const second = await keepup(['check', '--config', setup.config]);
  t.is(second.code, 0);
  t.is(second.stdout, '');
  t.regex(
    second.stderr,
    new RegExp(`^keepup: warning: daemon ${name} is not running; not restarting it again yet: its start script launched at .* \\(pid ${scriptPid}\\) is still running\n$`),
  );
  process.kill(-scriptPid, 'SIGKILL');
  await waitFor(() => !isAlive(scriptPid) || readFileSync(`/proc/${scriptPid}/stat`, 'utf8').split(') ')[1]!.startsWith('Z'), 'the script dead', {timeoutMs: 60_000});
  const third = await keepup(['check', '--config', setup.config]);
  t.is(third.code, 0);
  t.regex(third.stdout, new RegExp(`^Restarting ${name}\n`));
});

test('missing, unsafe and escaping scripts are reported without stopping the other restarts', async (t) => {
  const setup = watchdogSetup(t);
  const good = setup.addDaemon();
  const writable = setup.addDaemon();
  chmodSync(join(setup.startDir, writable), 0o775);
  const foreign = setup.addDaemon();
  chownSync(join(setup.startDir, foreign), 65534, 65534);
  const notExecutable = setup.addDaemon();
  chmodSync(join(setup.startDir, notExecutable), 0o644);
  const absent = uniqueName();
  setup.writeConfig(`daemons: [${absent}, ${writable}, ${foreign}, ${notExecutable}, ${good}]\n`);
  const result = await keepup(['check', '--config', setup.config]);
  t.is(result.code, 0);
  t.is(result.stderr, '');
  t.regex(result.stdout, new RegExp(`Restarting ${absent}\n.*\n  not restarted: unable to find start script ${setup.startDir}/${absent}: file does not exist\n`));
  t.regex(result.stdout, new RegExp(`not restarted: refusing start script ${setup.startDir}/${writable}: it is group-writable\n`));
  t.regex(result.stdout, new RegExp(`not restarted: refusing start script ${setup.startDir}/${foreign}: it is owned by uid 65534, not by uid 0\n`));
  t.regex(result.stdout, new RegExp(`not restarted: refusing start script ${setup.startDir}/${notExecutable}: it is not executable by its owner\n`));
  t.regex(result.stdout, new RegExp(`Restarting ${good}\n.*\n  script: ${setup.startDir}/${good}\n  status: exited 0\n`));
  await waitForDaemon(good);
  t.deepEqual(
    [writable, foreign, notExecutable].map((name) => pidsByComm(name).length),
    [0, 0, 0],
  );
});

test('rc.d-style symlinks: a trusted target is run with its args, one in a writable directory is refused', async (t) => {
  const setup = watchdogSetup(t);
  const name = setup.addDaemon();
  const initd = join(setup.dir, 'init.d');
  mkdirSync(initd, {mode: 0o755});
  chmodSync(initd, 0o755);
  writeFileSync(join(initd, 'service'), `#!/bin/sh\necho "$0 $1"\n"${setup.binDir}/${name}" 600 </dev/null >/dev/null 2>&1 &\n`);
  chmodSync(join(initd, 'service'), 0o755);
  const {symlinkSync, unlinkSync} = await import('node:fs');
  unlinkSync(join(setup.startDir, name));
  symlinkSync(join(initd, 'service'), join(setup.startDir, name));
  setup.writeConfig(`daemons:\n  - name: ${name}\n    args: [start]\n`);
  const result = await keepup(['check', '--config', setup.config]);
  t.is(result.code, 0);
  t.regex(result.stdout, new RegExp(`    ${setup.startDir}/${name} start\n`));
  await waitForDaemon(name);

  const other = uniqueName();
  const open = join(setup.dir, 'open');
  mkdirSync(open);
  chmodSync(open, 0o777);
  writeFileSync(join(open, 'service'), '#!/bin/sh\necho ran\n');
  chmodSync(join(open, 'service'), 0o755);
  symlinkSync(join(open, 'service'), join(setup.startDir, other));
  setup.writeConfig(`daemons: [${other}]\n`);
  const refused = await keepup(['check', '--config', setup.config]);
  t.is(refused.code, 0);
  t.regex(refused.stdout, new RegExp(`not restarted: refusing start script ${setup.startDir}/${other}: ${open}: it is group- and world-writable\n`));
  t.notRegex(refused.stdout, /ran/);
});

test('diagnostics run before the restart and go into the report', async (t) => {
  const setup = watchdogSetup(t);
  const name = setup.addDaemon();
  setup.writeConfig(`daemons:\n  - name: ${name}\n    diagnostics: ["echo diag $HOME ;", [printf, "%s-%s", a, b]]\n`);
  const result = await keepup(['check', '--config', setup.config]);
  t.is(result.code, 0);
  t.regex(result.stdout, /  diagnostic: echo diag \$HOME ; \(exited 0\)\n    diag \$HOME ;\n/);
  t.regex(result.stdout, /  diagnostic: printf %s-%s a b \(exited 0\)\n    a-b\n/);
});

test('pidfile: its pid counts when it is the daemon; a reused pid (another program) or a stale one does not; an empty one is quietly no pid', async (t) => {
  const setup = watchdogSetup(t);
  const name = setup.addDaemon();
  const holder = spawnTracked(t, 'sleep', ['600']);
  const pidfile = join(setup.dir, 'daemon.pid');
  writeFileSync(pidfile, `${holder.pid}\n`);
  setup.writeConfig(`daemons:\n  - name: ${name}\n    pidfile: daemon.pid\n`);
  const reused = await keepup(['check', '--config', setup.config]);
  t.is(reused.code, 0);
  t.regex(reused.stdout, new RegExp(`^Restarting ${name}\n`));
  const pid = await waitForDaemon(name);
  writeFileSync(pidfile, `${pid}\n`);
  const live = await keepup(['check', '--config', setup.config]);
  t.deepEqual([live.code, live.stdout, live.stderr], [0, '', '']);
  writeFileSync(pidfile, '');
  for (let pass = 0; pass < 2; pass++) {
    const empty = await keepup(['check', '--config', setup.config]);
    t.deepEqual([empty.code, empty.stdout, empty.stderr], [0, '', '']);
  }
  writeFileSync(pidfile, 'garbage\n');
  const garbage = await keepup(['check', '--config', setup.config]);
  t.deepEqual([garbage.code, garbage.stdout, garbage.stderr], [0, '', `keepup: warning: pidfile ${pidfile} does not hold a pid\n`]);
  const again = await keepup(['check', '--config', setup.config]);
  t.deepEqual([again.code, again.stdout, again.stderr], [0, '', ''], 'a persistent condition is said once');
});

test('match modes: substring over the command line, regex over the full command line', async (t) => {
  const setup = watchdogSetup(t);
  const name = setup.addDaemon();
  const marker = uniqueName('mk');
  const other = spawnTracked(t, 'sh', ['-c', `sleep 600; : ${marker}`], {detached: true});
  await waitFor(() => isAlive(other.pid!), 'sh running', {timeoutMs: 60_000});
  setup.writeConfig(
    `daemons:\n  - name: ${name}\n    process: "${marker}"\n    match: substring\n  - name: ${name}b\n    script: ${name}\n    process: "^sh -c sleep 600; : ${marker}$"\n    match: regex\n`,
  );
  const result = await keepup(['check', '--config', setup.config]);
  t.deepEqual([result.code, result.stdout, result.stderr], [0, '', '']);
  process.kill(-other.pid!, 'SIGKILL');
  await once(other, 'exit');
  const after = await keepup(['check', '--config', setup.config, '--dry-run']);
  t.is(after.code, 0);
  t.is(after.stdout, `${name}: not running; would run ${setup.startDir}/${name}\n${name}b: not running; would run ${setup.startDir}/${name}\n`);
});

test('--dry-run says what it would do and starts nothing', async (t) => {
  const setup = watchdogSetup(t);
  const name = setup.addDaemon();
  setup.writeConfig(`daemons: [${name}]\n`);
  const result = await keepup(['check', '--config', setup.config, '--dry-run']);
  t.deepEqual(result, {code: 0, signal: null, stdout: `${name}: not running; would run ${setup.startDir}/${name}\n`, stderr: ''});
  t.is(pidsByComm(name).length, 0);
  t.false(existsSync(setup.stateDir));
});

test('overlapping runs restart a daemon once', async (t) => {
  const setup = watchdogSetup(t);
  const name = setup.addDaemon();
  // A slow start script: both runs are sure to overlap while the first one holds the lock.
  writeFileSync(join(setup.startDir, name), `#!/bin/sh\necho starting\n"${setup.binDir}/${name}" 600 </dev/null >/dev/null 2>&1 &\nsleep 1\necho done\n`);
  setup.writeConfig(`daemons: [${name}]\n`);
  const results = await Promise.all([1, 2, 3].map(() => keepup(['check', '--config', setup.config])));
  t.deepEqual(
    results.map((result) => [result.code, result.stderr]),
    [
      [0, ''],
      [0, ''],
      [0, ''],
    ],
  );
  t.is(results.filter((result) => result.stdout.startsWith(`Restarting ${name}\n`)).length, 1);
  t.is(results.filter((result) => result.stdout === '').length, 2);
  await waitForDaemon(name);
});

test('a run that cannot get the lock within lockWait restarts nothing and exits 111', async (t) => {
  const setup = watchdogSetup(t);
  const name = setup.addDaemon();
  setup.writeConfig(`lockWait: 0.5\ndaemons: [${name}]\n`);
  mkdirSync(setup.stateDir, {mode: 0o700});
  writeFileSync(join(setup.stateDir, 'lock'), '');
  const holder = spawnTracked(t, 'flock', ['-x', join(setup.stateDir, 'lock'), 'sleep', '600'], {detached: true});
  await waitFor(async () => (await run('flock', ['-xn', '-E', '75', join(setup.stateDir, 'lock'), 'true'])).code === 75, 'lock held', {timeoutMs: 60_000});
  const result = await keepup(['check', '--config', setup.config]);
  t.is(result.code, 111);
  t.is(result.stdout, '');
  t.is(result.stderr, `keepup: fatal: unable to lock ${setup.stateDir}/lock: another keepup run held it for 1 s; restarted nothing\n`);
  t.is(pidsByComm(name).length, 0);
  t.true(isAlive(holder.pid!));
});

test('a process table without the checker in it is not trusted: exit 111, nothing restarted', async (t) => {
  const setup = watchdogSetup(t);
  const name = setup.addDaemon();
  setup.writeConfig(`daemons: [${name}]\n`);
  const fake = join(setup.dir, 'proc');
  mkdirSync(join(fake, '1'), {recursive: true});
  writeFileSync(join(fake, '1', 'comm'), 'init\n');
  writeFileSync(join(fake, '1', 'cmdline'), '/sbin/init\0');
  writeFileSync(join(fake, '1', 'stat'), '1 (init) S 0 1 1 0 -1 4194560\n');
  const result = await keepup(['check', '--config', setup.config], {env: {...process.env, KEEPUP_PROC_ROOT: fake}});
  t.is(result.code, 111);
  t.is(result.stdout, '');
  t.regex(
    result.stderr,
    new RegExp(`^keepup: fatal: unable to inspect the system: the process table from ${fake} does not list this process \\(pid \\d+\\): it cannot be trusted; restarted nothing\n$`),
  );
  t.is(pidsByComm(name).length, 0);
  t.false(existsSync(join(setup.stateDir, 'history')));
});

test('mail: one message per run that restarted something, through a real SMTP server', async (t) => {
  const smtp = await startSmtp(t);
  const setup = watchdogSetup(t);
  const first = setup.addDaemon();
  const second = setup.addDaemon();
  setup.writeConfig(`mail:\n  to: [ops@example.org, root@localhost]\n  from: keepup@example.org\n  transport: smtp://127.0.0.1:${smtp.port}\ndaemons: [${first}, ${second}]\n`);
  const result = await keepup(['check', '--config', setup.config]);
  t.deepEqual([result.code, result.stdout, result.stderr], [0, '', '']);
  t.is(smtp.received.length, 1);
  const mail = smtp.received[0]!;
  t.is(mail.from, 'keepup@example.org');
  t.deepEqual(mail.to, ['ops@example.org', 'root@localhost']);
  t.regex(mail.raw, new RegExp(`Subject: keepup on .*: restarted ${first}, ${second}`));
  const text = mailText(mail.raw);
  t.regex(text, new RegExp(`Restarting ${first}\r?\n`));
  t.regex(text, new RegExp(`Restarting ${second}\r?\n`));
  t.regex(text, new RegExp(`    starting ${second}\r?\n`));
  const again = await keepup(['check', '--config', setup.config]);
  t.deepEqual([again.code, again.stdout, again.stderr], [0, '', '']);
  t.is(smtp.received.length, 1);
});

test('mail through a sendmail program: argv with -i -f FROM TO, the message on stdin', async (t) => {
  const setup = watchdogSetup(t);
  const name = setup.addDaemon();
  const sendmail = join(setup.dir, 'fake-sendmail');
  writeFileSync(sendmail, `#!/bin/sh\nprintf '%s\\n' "$@" > "${setup.dir}/argv"\ncat > "${setup.dir}/message"\n`);
  chmodSync(sendmail, 0o755);
  setup.writeConfig(`mail:\n  to: root@localhost\n  from: keepup@example.org\n  transport: sendmail:${sendmail}\ndaemons: [${name}]\n`);
  const result = await keepup(['check', '--config', setup.config]);
  t.deepEqual([result.code, result.stdout, result.stderr], [0, '', '']);
  t.is(readFileSync(join(setup.dir, 'argv'), 'utf8'), '-i\n-f\nkeepup@example.org\nroot@localhost\n');
  t.regex(mailText(readFileSync(join(setup.dir, 'message'), 'utf8')), new RegExp(`Restarting ${name}\n`));
});

test('an unreadable spool is warned about and does not stop the restarts or the mail', async (t) => {
  const smtp = await startSmtp(t);
  const setup = watchdogSetup(t);
  const name = setup.addDaemon();
  mkdirSync(setup.stateDir, {mode: 0o700});
  writeFileSync(join(setup.stateDir, 'spool'), 'not a directory');
  setup.writeConfig(`mail:\n  to: root@localhost\n  transport: smtp://127.0.0.1:${smtp.port}\ndaemons: [${name}]\n`);
  const result = await keepup(['check', '--config', setup.config]);
  t.deepEqual([result.code, result.stdout], [0, '']);
  t.is(result.stderr, `keepup: warning: unable to read the mail spool ${join(setup.stateDir, 'spool')}: not a directory\n`);
  t.is(smtp.received.length, 1);
  await waitForDaemon(name);
});

test('mail: kept in the spool while SMTP is down and delivered by the next run', async (t) => {
  const down = await startSmtp(t);
  const port = down.port;
  await down.close();
  const setup = watchdogSetup(t);
  const name = setup.addDaemon();
  setup.writeConfig(`mail:\n  to: root@localhost\n  transport: smtp://127.0.0.1:${port}\ndaemons: [${name}]\n`);
  const failed = await keepup(['check', '--config', setup.config]);
  t.is(failed.code, 0);
  t.is(failed.stdout, '');
  const spool = join(setup.stateDir, 'spool');
  const spooled = readdirSync(spool);
  t.is(spooled.length, 1);
  t.is(
    failed.stderr,
    `keepup: warning: unable to send mail via smtp://127.0.0.1:${port}: ESOCKET: connect ECONNREFUSED 127.0.0.1:${port}; kept in ${spool}/${spooled[0]} for the next run\n`,
  );
  t.regex(readFileSync(join(spool, spooled[0]!), 'utf8'), new RegExp(`Restarting ${name}`));

  const stillDown = await keepup(['check', '--config', setup.config]);
  t.is(stillDown.code, 0);
  t.regex(stillDown.stderr, new RegExp(`^keepup: warning: unable to send spooled mail ${spool}/${spooled[0]} via .*; 1 file\\(s\\) stay in ${spool}\n$`));
  t.deepEqual(readdirSync(spool), spooled);

  const up = await startSmtp(t, port);
  const delivered = await keepup(['check', '--config', setup.config]);
  t.deepEqual([delivered.code, delivered.stdout, delivered.stderr], [0, '', '']);
  t.is(up.received.length, 1);
  t.regex(mailText(up.received[0]!.raw), new RegExp(`Restarting ${name}\r?\n`));
  t.deepEqual(readdirSync(spool), []);
});

test('keepup --version prints the version in package.json and exits 0', async (t) => {
  const {version} = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {version: string};
  const printed = await keepup(['--version']);
  t.deepEqual([printed.code, printed.stdout, printed.stderr], [0, `keepup ${version}\n`, '']);
});

test('usage: no subcommand or an unknown one exits 100; --help prints to stdout', async (t) => {
  const none = await keepup([]);
  t.is(none.code, 100);
  t.is(none.stderr, 'keepup: usage: keepup check|cron|supervise|status|reset|events|http-password [--config FILE] …   (keepup --help for more)\n');
  const unknown = await keepup(['frob']);
  t.is(unknown.code, 100);
  t.regex(unknown.stderr, /^keepup: unknown command -- frob\nkeepup: usage: /);
  const help = await keepup(['--help']);
  t.is(help.code, 0);
  t.regex(help.stdout, /keepup check \[--config FILE\] \[--dry-run\]\n/);
  t.is(help.stderr, '');
  const option = await keepup(['check', '--frob']);
  t.deepEqual([option.code, option.stderr], [100, 'keepup: illegal option -- frob\nkeepup: usage: keepup check [--config FILE] [--dry-run]\n']);
  const missing = await keepup(['check', '--config']);
  t.deepEqual([missing.code, missing.stderr], [100, 'keepup: option requires an argument -- config\nkeepup: usage: keepup check [--config FILE] [--dry-run]\n']);
});

const BAD_CONFIGS: Array<[string, string, RegExp]> = [
  ['unknown key', 'daemons: [a]\nfrobnicate: 1\n', /:4:1: unknown key "frobnicate" in config \(known: startDir, stateDir, .*\)$/],
  ['unknown daemon key', 'daemons:\n  - name: a\n    proces: b\n', /:5:5: unknown key "proces" in daemons\[0\] /],
  ['wrong type', 'daemons: a\n', /:3:10: daemons must be a list, not a string$/],
  ['wrong type in a daemon', 'daemons:\n  - name: a\n    args: start\n', /:5:11: daemons\[0\]\.args must be a list, not a string$/],
  ['wrong number', 'scriptTimeout: soon\ndaemons: [a]\n', /:3:16: scriptTimeout must be a number, not a string$/],
  ['bad YAML', 'daemons: [a\n', /:4:1: .*$/],
  ['name with a slash', 'daemons: [../../bin/sh]\n', /:3:11: daemons\[0\] must be a plain file name .*$/],
  ['script with a slash', 'daemons:\n  - name: a\n    script: /bin/sh\n', /:5:13: daemons\[0\]\.script must be a plain file name/],
  ['dot-dot name', 'daemons: [..]\n', /:3:11: daemons\[0\] must be a plain file name/],
  ['bad regex', 'daemons:\n  - name: a\n    match: regex\n    process: "a(("\n', /:4:5: daemons\[0\]\.process is not a valid regular expression: /],
  ['bad match', 'daemons:\n  - name: a\n    match: fuzzy\n', /:5:12: daemons\[0\]\.match must be one of exact, substring, regex$/],
  ['duplicate name', 'daemons: [a, a]\n', /:3:14: daemons\[1\]: the name "a" is used twice$/],
  ['duplicate key', 'daemons: [a]\ndaemons: [b]\n', /:4:1: Map keys must be unique$/],
  ['bad schedule', 'schedule: every hour\ndaemons: [a]\n', /:3:11: schedule is not a valid cron expression$/],
  ['schedule with day of month and day of week', 'schedule: "0 4 1 * 1"\ndaemons: [a]\n', /:3:11: schedule restricts both day of month and day of week/],
  ['bad transport', 'mail:\n  to: root@localhost\n  transport: ftp://x\ndaemons: [a]\n', /:5:14: mail\.transport must be smtp:\/\/HOST/],
  ['mail without to', 'mail:\n  from: a@b\ndaemons: [a]\n', /:4:3: mail lacks the required key "to"$/],
  [
    'exact name with a slash',
    'daemons:\n  - name: a\n    process: /usr/sbin/a\n',
    /:4:5: daemons\[0\]: process \/usr\/sbin\/a has a slash, which a kernel process name never has; use match: substring or regex for a path$/,
  ],
  ['alias', 'x: &list [a]\ndaemons: *list\n', /:3:1: unknown key "x" in config/],
  ['alias value', 'daemons:\n  - name: &n a\n  - name: *n\n', /:5:11: daemons\[1\]\.name must be a string, not an alias \(aliases are not supported\)$/],
  ['no daemons', 'schedule: "* * * * *"\n', /:1:1: config lacks the required key "daemons"$/],
];

for (const [what, text, expected] of BAD_CONFIGS) {
  test(`bad config: ${what} → FILE:LINE:COL, exit 100`, async (t) => {
    const setup = watchdogSetup(t);
    setup.writeConfig(text);
    const result = await keepup(['check', '--config', setup.config]);
    t.is(result.code, 100);
    t.is(result.stdout, '');
    t.true(result.stderr.startsWith(`keepup: fatal: ${setup.config}:`), result.stderr);
    t.regex(result.stderr.trimEnd(), expected);
    t.is(result.stderr.split('\n').length, 2);
  });
}

test('an empty config is refused', async (t) => {
  const setup = watchdogSetup(t);
  writeFileSync(setup.config, '# nothing\n');
  const result = await keepup(['check', '--config', setup.config]);
  t.deepEqual([result.code, result.stderr], [100, `keepup: fatal: ${setup.config}:1:1: the config is empty: it needs at least a daemons list\n`]);
});

test('unsafe permissions: config, startDir and stateDir writable by others or owned by another user are refused', async (t) => {
  const setup = watchdogSetup(t);
  const name = setup.addDaemon();
  setup.writeConfig(`daemons: [${name}]\n`, {mode: 0o664});
  const group = await keepup(['check', '--config', setup.config]);
  t.deepEqual([group.code, group.stderr], [100, `keepup: fatal: refusing config ${setup.config}: it is group-writable\n`]);
  chmodSync(setup.config, 0o646);
  const world = await keepup(['check', '--config', setup.config]);
  t.deepEqual([world.code, world.stderr], [100, `keepup: fatal: refusing config ${setup.config}: it is world-writable\n`]);
  chmodSync(setup.config, 0o644);
  chownSync(setup.config, 65534, 65534);
  const foreign = await keepup(['check', '--config', setup.config]);
  t.deepEqual([foreign.code, foreign.stderr], [100, `keepup: fatal: refusing config ${setup.config}: it is owned by uid 65534, not by uid 0\n`]);
  chownSync(setup.config, 0, 0);
  chmodSync(setup.startDir, 0o777);
  const startDir = await keepup(['check', '--config', setup.config]);
  t.deepEqual([startDir.code, startDir.stderr], [100, `keepup: fatal: refusing startDir ${setup.startDir}: it is group- and world-writable\n`]);
  chmodSync(setup.startDir, 0o755);
  mkdirSync(setup.stateDir, {mode: 0o700});
  chownSync(setup.stateDir, 65534, 65534);
  const stateDir = await keepup(['check', '--config', setup.config]);
  t.deepEqual([stateDir.code, stateDir.stderr], [100, `keepup: fatal: refusing stateDir ${setup.stateDir}: it is owned by uid 65534, not by uid 0\n`]);
  t.is(pidsByComm(name).length, 0);
  const missing = await keepup(['check', '--config', join(setup.dir, 'nope.yaml')]);
  t.deepEqual([missing.code, missing.stderr], [111, `keepup: fatal: unable to read ${join(setup.dir, 'nope.yaml')}: file does not exist\n`]);
});

test('a name longer than the kernel keeps is matched by its first 15 characters and its full name: the next pass is quiet', async (t) => {
  const setup = watchdogSetup(t);
  const long = `${uniqueName()}-longname`;
  setup.addDaemon(long);
  setup.writeConfig(`daemons: [${long}]\n`);
  const first = await keepup(['check', '--config', setup.config]);
  t.deepEqual([first.code, first.stderr], [0, '']);
  t.regex(first.stdout, new RegExp(`^Restarting ${long}\n`));
  await waitForDaemon(long.slice(0, 15));
  const second = await keepup(['check', '--config', setup.config]);
  t.deepEqual([second.code, second.stdout, second.stderr], [0, '', '']);
});
