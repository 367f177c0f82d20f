// keepup check as root against a local attacker (uid nobody) and a hostile file system: the
// config, startDir, stateDir and spool are trusted only when nobody else can change any part of
// their paths (renameat2 exchange races with a bounded number of tries), a process table in
// another pid namespace is refused, a read-only stateDir still restarts, and config input has
// limits (size, UTF-8, .nan).
import test from 'ava';
import {execFileSync} from 'node:child_process';
import {chmodSync, chownSync, existsSync, lchownSync, mkdirSync, readFileSync, rmSync, symlinkSync, truncateSync, unlinkSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {attackerDir, NOBODY, startExchanger} from '../helpers/attacker.js';
import {daemonPids, uniqueName, waitForDaemon, watchdogSetup} from '../helpers/daemons.js';
import {bin} from '../helpers/paths.js';
import {run} from '../helpers/processes.js';
import {startSmtp} from '../helpers/smtp.js';

const keepup = (args: string[], options: {env?: NodeJS.ProcessEnv; cwd?: string} = {}) => run(process.execPath, [bin('keepup'), ...args], {timeoutMs: 120_000, ...options});
const TRIES = 15;

test('a config in a directory nobody owns is refused on every try while nobody swaps it for one that runs their command', async (t) => {
  const setup = watchdogSetup(t);
  const name = setup.addDaemon();
  const home = attackerDir(setup.dir);
  const config = join(home, 'watchdog.config.yaml');
  const marker = join(setup.dir, 'ran-as-root');
  writeFileSync(config, `startDir: ${setup.startDir}\nstateDir: ${setup.stateDir}\ndaemons: [${name}]\n`, {mode: 0o644});
  const evil = join(home, 'evil.yaml');
  writeFileSync(evil, `startDir: /usr/bin\nstateDir: ${setup.stateDir}\ndaemons:\n  - name: ${uniqueName()}\n    script: touch\n    args: [${marker}]\n`, {mode: 0o644});
  chownSync(evil, NOBODY, NOBODY);
  startExchanger(t, config, evil);
  for (let i = 0; i < TRIES; i++) {
    const result = await keepup(['check', '--config', config]);
    t.deepEqual([result.code, result.stderr], [100, `keepup: fatal: refusing config ${config}: ${home}: it is owned by uid ${NOBODY}, not by uid 0\n`], `try ${i}`);
  }
  t.false(existsSync(marker));
  t.deepEqual(daemonPids(name), []);
});

test('a config reached through symlinks is trusted only when every link and every directory of its target is', async (t) => {
  const setup = watchdogSetup(t);
  const name = setup.addDaemon();
  writeFileSync(setup.config, `startDir: ${setup.startDir}\nstateDir: ${setup.stateDir}\ndaemons: [${name}]\n`, {mode: 0o644});
  const etc = join(setup.dir, 'etc');
  mkdirSync(etc, {mode: 0o755});
  const link = join(etc, 'keepup.yaml');
  symlinkSync(setup.config, link);
  const followed = await keepup(['check', '--config', link, '--dry-run']);
  t.deepEqual([followed.code, followed.stderr], [0, '']);

  lchownSync(link, NOBODY, NOBODY);
  const foreignLink = await keepup(['check', '--config', link]);
  t.deepEqual([foreignLink.code, foreignLink.stderr], [100, `keepup: fatal: refusing config ${link}: it is a symlink owned by uid ${NOBODY}, not by uid 0\n`]);

  const home = attackerDir(setup.dir);
  const inside = join(home, 'w.yaml');
  writeFileSync(inside, readFileSync(setup.config));
  unlinkSync(link);
  symlinkSync(inside, link);
  const intoForeign = await keepup(['check', '--config', link]);
  t.deepEqual([intoForeign.code, intoForeign.stderr], [100, `keepup: fatal: refusing config ${link}: ${home}: it is owned by uid ${NOBODY}, not by uid 0\n`]);

  const pub = join(setup.dir, 'pub');
  mkdirSync(pub);
  chmodSync(pub, 0o1777);
  writeFileSync(join(pub, 'w.yaml'), readFileSync(setup.config), {mode: 0o644});
  const sticky = await keepup(['check', '--config', join(pub, 'w.yaml')]);
  t.deepEqual([sticky.code, sticky.stderr], [100, `keepup: fatal: refusing config ${join(pub, 'w.yaml')}: ${pub}: it is group- and world-writable\n`]);
});

test('a start script reached through a directory nobody owns is refused, whatever it holds at the time', async (t) => {
  const setup = watchdogSetup(t);
  const name = setup.addDaemon();
  const home = attackerDir(setup.dir);
  const marker = join(setup.dir, 'ran-as-root');
  writeFileSync(join(home, 'good'), `#!/bin/sh\n"${setup.binDir}/${name}" 600 </dev/null >/dev/null 2>&1 &\n`, {mode: 0o755});
  writeFileSync(join(home, 'evil'), `#!/bin/sh\ntouch ${marker}\n`, {mode: 0o755});
  chownSync(join(home, 'evil'), NOBODY, NOBODY);
  unlinkSync(join(setup.startDir, name));
  symlinkSync(join(home, 'good'), join(setup.startDir, name));
  setup.writeConfig(`daemons: [${name}]\n`);
  startExchanger(t, join(home, 'good'), join(home, 'evil'));
  for (let i = 0; i < 5; i++) {
    const result = await keepup(['check', '--config', setup.config]);
    t.is(result.code, 0);
    t.regex(result.stdout, new RegExp(`not restarted: refusing start script ${setup.startDir}/${name}: ${home}: it is owned by uid ${NOBODY}, not by uid 0\n`));
  }
  t.false(existsSync(marker));
});

test('a stateDir planted as a symlink in a sticky world-writable directory is refused and its target left alone', async (t) => {
  const setup = watchdogSetup(t);
  const name = setup.addDaemon();
  chmodSync(setup.dir, 0o755);
  const pub = join(setup.dir, 'pub');
  mkdirSync(pub);
  chmodSync(pub, 0o1777);
  const victim = join(setup.dir, 'victim');
  mkdirSync(victim, {mode: 0o700});
  writeFileSync(join(victim, 'history'), 'precious\n', {mode: 0o600});
  const state = join(pub, 'state');
  symlinkSync(victim, state);
  lchownSync(state, NOBODY, NOBODY);
  writeFileSync(setup.config, `startDir: ${setup.startDir}\nstateDir: ${state}\ndaemons: [${name}]\n`, {mode: 0o644});
  const planted = await keepup(['check', '--config', setup.config]);
  t.deepEqual([planted.code, planted.stderr], [100, `keepup: fatal: refusing stateDir ${state}: it is a symlink owned by uid ${NOBODY}, not by uid 0\n`]);
  t.is(readFileSync(join(victim, 'history'), 'utf8'), 'precious\n');
  t.deepEqual(daemonPids(name), []);
  // Even a real directory of root's there: anyone could have planted its name first.
  unlinkSync(state);
  mkdirSync(state, {mode: 0o700});
  const inSticky = await keepup(['check', '--config', setup.config]);
  t.deepEqual([inSticky.code, inSticky.stderr], [100, `keepup: fatal: refusing stateDir ${state}: ${pub}: it is group- and world-writable\n`]);
});

test('a stateDir under a directory nobody owns is refused on every try while nobody swaps in a spool of forged mail', async (t) => {
  const setup = watchdogSetup(t);
  const name = setup.addDaemon();
  const smtp = await startSmtp(t);
  const home = attackerDir(setup.dir);
  const state = join(home, 'state');
  mkdirSync(join(state, 'spool'), {recursive: true, mode: 0o700});
  const evil = join(home, 'evil');
  mkdirSync(join(evil, 'spool'), {recursive: true});
  writeFileSync(
    join(evil, 'spool', '1000-1-0.json'),
    `${JSON.stringify({from: 'root@localhost', to: ['victim@example.org'], subject: 'forged', text: 'x', date: new Date().toISOString()})}\n`,
  );
  execFileSync('chown', ['-R', `${NOBODY}:${NOBODY}`, evil]);
  writeFileSync(setup.config, `startDir: ${setup.startDir}\nstateDir: ${state}\nmail:\n  to: root@localhost\n  transport: smtp://127.0.0.1:${smtp.port}\ndaemons: [${name}]\n`, {
    mode: 0o644,
  });
  startExchanger(t, state, evil);
  for (let i = 0; i < TRIES; i++) {
    const result = await keepup(['check', '--config', setup.config]);
    t.deepEqual([result.code, result.stderr], [100, `keepup: fatal: refusing stateDir ${state}: ${home}: it is owned by uid ${NOBODY}, not by uid 0\n`], `try ${i}`);
  }
  t.deepEqual(smtp.received, []);
});

test('inside a new pid namespace keepup check refuses (exit 111) instead of restarting a daemon running outside it; deleting the record accepts the change', async (t) => {
  const setup = watchdogSetup(t);
  const name = setup.addDaemon();
  setup.writeConfig(`daemons: [${name}]\n`);
  const first = await keepup(['check', '--config', setup.config]);
  t.is(first.code, 0);
  const pid = await waitForDaemon(name);
  const recorded = readFileSync(join(setup.stateDir, 'pidns'), 'utf8');
  t.is(recorded, `${execFileSync('readlink', ['/proc/self/ns/pid'], {encoding: 'utf8'}).trim()}\n`);
  const inside = await run('unshare', ['-p', '-f', '--mount-proc', process.execPath, bin('keepup'), 'check', '--config', setup.config], {timeoutMs: 120_000});
  t.is(inside.code, 111);
  t.regex(
    inside.stderr,
    new RegExp(
      `^keepup: fatal: unable to inspect the system: this process table is pid namespace pid:\\[\\d+\\], but the daemons were checked in ${recorded.trim().replace(/[[\]]/g, '\\$&')} \\(recorded in ${setup.stateDir}/pidns\\); another namespace cannot see them; if the move is deliberate, delete ${setup.stateDir}/pidns; restarted nothing\n$`,
    ),
  );
  t.is(inside.stdout, '');
  t.deepEqual(daemonPids(name), [pid]);
  // A deliberate move: delete the record, and the next pass records its own namespace.
  rmSync(join(setup.stateDir, 'pidns'));
  const again = await keepup(['check', '--config', setup.config]);
  t.deepEqual([again.code, again.stderr], [0, '']);
  t.is(readFileSync(join(setup.stateDir, 'pidns'), 'utf8'), recorded);
});

function mountReadOnly(t: import('ava').ExecutionContext, dir: string): void {
  mkdirSync(dir, {recursive: true});
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,mode=0700,size=1m', 'tmpfs', dir]);
  t.teardown(() => {
    execFileSync('umount', [dir]);
  });
}

test('a read-only stateDir still restarts and reports to stdout, with one warning', async (t) => {
  const setup = watchdogSetup(t);
  const name = setup.addDaemon();
  setup.writeConfig(`daemons: [${name}]\n`);
  mountReadOnly(t, setup.stateDir);
  const result = await keepup(['check', '--config', setup.config]);
  t.is(result.code, 0);
  t.regex(result.stdout, new RegExp(`^Restarting ${name}\n`));
  t.regex(result.stderr, new RegExp(`^keepup: warning: unable to create ${setup.stateDir}/lock: read-only file system; this pass runs without its lock\n`));
  t.regex(result.stderr, new RegExp(`keepup: warning: unable to write ${setup.stateDir}/history: read-only file system\n`));
  await waitForDaemon(name);
});

test('a stateDir that cannot be created on a read-only file system still restarts; mkdir says read-only file system', async (t) => {
  const setup = watchdogSetup(t);
  const name = setup.addDaemon();
  const ro = join(setup.dir, 'ro');
  mountReadOnly(t, ro);
  writeFileSync(setup.config, `startDir: ${setup.startDir}\nstateDir: ${join(ro, 'state')}\ndaemons: [${name}]\n`, {mode: 0o644});
  const result = await keepup(['check', '--config', setup.config]);
  t.is(result.code, 0);
  t.regex(result.stdout, new RegExp(`^Restarting ${name}\n`));
  t.regex(result.stderr, new RegExp(`^keepup: warning: unable to create stateDir ${ro}/state: read-only file system; this pass runs without its lock, restart history and mail spool\n`));
  await waitForDaemon(name);
});

test('a config over 1 MiB is refused before it is read, with its size', async (t) => {
  const setup = watchdogSetup(t);
  setup.writeConfig('daemons: []\n');
  truncateSync(setup.config, 700 * 1024 * 1024);
  const result = await keepup(['check', '--config', setup.config]);
  t.deepEqual([result.code, result.stderr], [100, `keepup: fatal: ${setup.config}: the config is 734003200 bytes, more than the 1 MiB (1048576 bytes) a config may have\n`]);
});

test('config input: .nan is not a number and a byte that is not UTF-8 in run: is refused, each at FILE:LINE:COL', async (t) => {
  const setup = watchdogSetup(t);
  setup.writeConfig('scriptTimeout: .nan\ndaemons: []\n');
  const nan = await keepup(['check', '--config', setup.config]);
  t.deepEqual([nan.code, nan.stderr], [100, `keepup: fatal: ${setup.config}:3:16: scriptTimeout is not a number (.nan)\n`]);
  writeFileSync(setup.config, Buffer.concat([Buffer.from('daemons:\n  - name: web\n    run: /usr/bin/h'), Buffer.from([0xff, 0xfe]), Buffer.from('ttpd\n')]));
  const bytes = await keepup(['check', '--config', setup.config]);
  t.deepEqual([bytes.code, bytes.stderr], [100, `keepup: fatal: ${setup.config}:3:20: byte 0xff is not valid UTF-8 (the config must be UTF-8 text)\n`]);
});
