// keepup check as admins run it from cron: run: daemons left to keepup supervise, hung start
// scripts killed after scriptLimit (but never one that left its daemon running), the script's
// clean environment, and config errors found at load time by every subcommand alike.
import test from 'ava';
import {existsSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {bin} from '../helpers/paths.js';
import {isAlive, run} from '../helpers/processes.js';
import {daemonPids, uniqueName, waitForDaemon, watchdogSetup} from '../helpers/daemons.js';
import {waitFor} from '../helpers/wait-for.js';
import {lockTree} from '../../src/lib/service-tree/tree.js';

const keepup = (args: string[], options: {env?: NodeJS.ProcessEnv; cwd?: string} = {}) => run(process.execPath, [bin('keepup'), ...args], {timeoutMs: 120_000, ...options});

/** Alive and not a zombie. */
function running(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // gone
  }
}

test('a run: daemon is never started by check; without its supervisor check says so once; with it check is quiet', async (t) => {
  const setup = watchdogSetup(t);
  const name = setup.addDaemon();
  const serviceDir = join(setup.dir, 'service');
  setup.writeConfig(`serviceDir: service\ndaemons:\n  - name: ${name}\n    run: ["${setup.binDir}/${name}", 600]\n`);
  const first = await keepup(['check', '--config', setup.config]);
  t.deepEqual([first.code, first.stdout], [0, '']);
  t.is(
    first.stderr,
    `keepup: warning: keepup supervise is not running on ${serviceDir}: ${name} (with run:) are not supervised and check mode never starts them; run keepup supervise, or set startSupervise: true\n`,
  );
  const second = await keepup(['check', '--config', setup.config]);
  t.deepEqual([second.code, second.stdout, second.stderr], [0, '', '']);
  t.deepEqual(daemonPids(name), [], 'its old start script was never run');
  const dry = await keepup(['check', '--dry-run', '--config', setup.config]);
  t.deepEqual([dry.code, dry.stdout], [0, '']);
  // The lock keepup supervise holds on its tree, held here: check leaves the daemon alone, and says nothing.
  const {mkdirSync} = await import('node:fs');
  mkdirSync(serviceDir, {mode: 0o755});
  const release = lockTree(serviceDir);
  t.not(release, 'busy');
  t.teardown(() => typeof release === 'function' && release());
  const supervised = await keepup(['check', '--config', setup.config]);
  t.deepEqual([supervised.code, supervised.stdout, supervised.stderr], [0, '', '']);
  t.deepEqual(daemonPids(name), []);
});

test('startSupervise: true makes check start keepup supervise itself when the tree has no supervisor', async (t) => {
  const setup = watchdogSetup(t);
  const name = setup.addDaemon();
  setup.writeConfig(`serviceDir: service\nstartSupervise: true\ndaemons:\n  - name: ${name}\n    run: ["${setup.binDir}/${name}", 600]\n`);
  const result = await keepup(['check', '--config', setup.config]);
  t.is(result.code, 0);
  t.regex(result.stdout, /^Restarting keepup supervise\n.*\n  command: .* supervise --config .*\n  started, pid (\d+); its output goes to .*supervise\.log\n$/);
  const pid = Number(/started, pid (\d+)/.exec(result.stdout)![1]);
  t.teardown(() => killGroup(pid));
  const daemon = await waitForDaemon(name);
  const again = await keepup(['check', '--config', setup.config]);
  t.deepEqual([again.code, again.stdout, again.stderr], [0, '', '']);
  process.kill(pid, 'SIGTERM');
  await waitFor(() => !running(pid) && !running(daemon), 'keepup supervise and its daemon stopped', {timeoutMs: 60_000});
  t.true(existsSync(join(setup.stateDir, 'supervise.log')));
});

test('a start script hung past scriptLimit: its process group gets TERM, the pass says so and starts the daemon again', async (t) => {
  const setup = watchdogSetup(t);
  const name = uniqueName();
  const marker = join(setup.dir, 'hung-once');
  setup.addDaemon(name, {
    script: `#!/bin/sh\nif [ -e "${marker}" ]; then "${setup.binDir}/${name}" 600 </dev/null >/dev/null 2>&1 & echo started; exit 0; fi\n: > "${marker}"\necho hanging\nsleep 600\n`,
  });
  setup.writeConfig(`scriptTimeout: 1\nscriptLimit: 2\ndaemons: [${name}]\n`);
  const first = await keepup(['check', '--config', setup.config]);
  const scriptPid = Number(/still running after 1 s \(pid (\d+)\)/.exec(first.stdout)?.[1]);
  t.teardown(() => killGroup(scriptPid));
  t.true(running(scriptPid));
  const launched = (JSON.parse(readFileSync(join(setup.stateDir, 'history'), 'utf8')) as {time: number}).time;
  await waitFor(() => Date.now() > launched + 2500, 'scriptLimit over', {timeoutMs: 30_000});
  const second = await keepup(['check', '--config', setup.config]);
  t.is(second.code, 0);
  t.regex(
    second.stderr,
    new RegExp(`^keepup: warning: daemon ${name}: its start script \\(pid ${scriptPid}\\) was still running after \\d+ s \\(scriptLimit 2 s\\); its process group got TERM\n$`),
  );
  t.regex(second.stdout, new RegExp(`^Restarting ${name}\n.*\n  its start script \\(pid ${scriptPid}\\) was still running after \\d+ s .*\n  script: .*\n  status: exited 0\n`));
  await waitFor(() => !running(scriptPid), 'the hung script gone', {timeoutMs: 30_000});
  await waitForDaemon(name);
});

test('a start script whose daemon is running is never killed, even past scriptLimit (exec, or the daemon in its group)', async (t) => {
  const setup = watchdogSetup(t);
  const exec = uniqueName();
  const group = uniqueName();
  setup.addDaemon(exec, {script: `#!/bin/sh\nexec "${setup.binDir}/${exec}" 600\n`});
  setup.addDaemon(group, {script: `#!/bin/sh\n"${setup.binDir}/${group}" 600 </dev/null >/dev/null 2>&1 &\nsleep 600\n`});
  setup.writeConfig(`scriptTimeout: 1\nscriptLimit: 2\ndaemons: [${exec}, ${group}]\n`);
  const first = await keepup(['check', '--config', setup.config]);
  const pids = [...first.stdout.matchAll(/still running after 1 s \(pid (\d+)\)/g)].map((match) => Number(match[1]));
  t.is(pids.length, 2);
  for (const pid of pids) t.teardown(() => killGroup(pid));
  const daemons = [await waitForDaemon(exec), await waitForDaemon(group)];
  const launched = Math.max(
    ...readFileSync(join(setup.stateDir, 'history'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as {time: number}).time),
  );
  await waitFor(() => Date.now() > launched + 2500, 'scriptLimit over', {timeoutMs: 30_000});
  const second = await keepup(['check', '--config', setup.config]);
  t.deepEqual([second.code, second.stdout, second.stderr], [0, '', '']);
  for (const pid of [...pids, ...daemons]) t.true(running(pid));
});

test('start scripts get a clean environment as cron gives, plus KEEPUP_DAEMON and KEEPUP_REASON', async (t) => {
  const setup = watchdogSetup(t);
  const name = uniqueName();
  const out = join(setup.dir, 'env');
  setup.addDaemon(name, {script: `#!/bin/sh\n/usr/bin/env > "${out}"\n`});
  setup.writeConfig(`daemons: [${name}]\n`);
  const result = await keepup(['check', '--config', setup.config], {env: {...process.env, PATH: '/usr/bin:/bin', SECRET_TOKEN: 'x', HOME: '/nowhere'}});
  t.is(result.code, 0);
  const env = Object.fromEntries(
    readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  delete env.PWD;
  delete env.OLDPWD;
  delete env.SHLVL;
  delete env._;
  const {userInfo} = await import('node:os');
  t.deepEqual(env, {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: userInfo().homedir,
    LOGNAME: userInfo().username,
    SHELL: '/bin/sh',
    KEEPUP_DAEMON: name,
    KEEPUP_REASON: 'not running',
  });
});

test('check --dry-run refuses the stateDir the real run refuses', async (t) => {
  const setup = watchdogSetup(t);
  const name = setup.addDaemon();
  const {writeFileSync, chmodSync} = await import('node:fs');
  writeFileSync(setup.config, `startDir: start-scripts\nstateDir: /tmp\ndaemons: [${name}]\n`);
  chmodSync(setup.config, 0o644);
  const real = await keepup(['check', '--config', setup.config]);
  const dry = await keepup(['check', '--dry-run', '--config', setup.config]);
  t.is(real.code, 100);
  t.regex(real.stderr, /^keepup: fatal: refusing stateDir \/tmp: /);
  t.deepEqual([dry.code, dry.stderr], [real.code, real.stderr]);
});

for (const [what, daemon, column] of [
  ['an unknown user', '    user: nosuchuser0x\n', 11],
  ['a missing envdir', '    envdir: no-such-env\n', 13],
  ['an env key with a blank', '    env: {"A B": 1}\n', 11],
] as const) {
  test(`${what} is a FILE:LINE:COL error at load time in check, cron, status and supervise alike`, async (t) => {
    const setup = watchdogSetup(t);
    setup.writeConfig(`serviceDir: service\ndaemons:\n  - name: web\n    run: [sleep, 100]\n${daemon}`);
    const results = await Promise.all(['check', 'cron', 'supervise'].map((command) => keepup([command, '--config', setup.config])));
    for (const result of results) {
      t.is(result.code, 100);
      t.regex(result.stderr, new RegExp(`^keepup: fatal: ${setup.config}:7:${column}: daemons\\[0\\]\\.`));
      t.is(result.stderr, results[0]!.stderr);
    }
    // keepup status reports the same error as a warning and still shows what it can (see the status test).
    const status = await keepup(['status', '--config', setup.config]);
    t.is(status.stderr, `${results[0]!.stderr.replace(/^keepup: fatal: /, 'keepup: warning: ').trimEnd()}; showing the service tree in ${join(setup.dir, 'service')} only\n`);
  });
}

test('keepup status exits 0 when everything that should be up is up, 3 when not; a half-edited config still shows the tree, with a warning', async (t) => {
  const setup = watchdogSetup(t);
  const name = setup.addDaemon();
  const {mkdirSync, writeFileSync, chmodSync} = await import('node:fs');
  mkdirSync(join(setup.dir, 'service', 'web'), {recursive: true});
  setup.writeConfig(`serviceDir: service\ndaemons: [${name}]\n`);
  const missing = await keepup(['status', '--config', setup.config]);
  t.deepEqual([missing.code, missing.stderr], [3, '']);
  t.is(missing.stdout, `web: not supervised\n${name}: missing from the process table, checked by name\n`);
  await keepup(['check', '--config', setup.config]);
  await waitForDaemon(name);
  // web is normally up but has no supervisor: still 3; marked down (a down file) it is not expected up.
  t.is((await keepup(['status', '--config', setup.config])).code, 3);
  writeFileSync(join(setup.dir, 'service', 'web', 'down'), '');
  const up = await keepup(['status', '--config', setup.config]);
  t.deepEqual([up.code, up.stderr], [0, '']);
  writeFileSync(setup.config, `startDir: start-scripts\nstateDir: state\nserviceDir: service\ndaemons: [${name}\n`);
  chmodSync(setup.config, 0o644);
  const edited = await keepup(['status', '--config', setup.config]);
  t.is(edited.code, 0);
  t.regex(edited.stderr, new RegExp(`^keepup: warning: ${setup.config}:\\d+:\\d+: .*; showing the service tree in ${join(setup.dir, 'service')} only\n$`));
  t.is(edited.stdout, 'web: not supervised\n');
});
