// The published package as a new user gets it: `npm pack` (which builds the prebuilt addons at
// prepack), then `npm install -g --prefix P --omit=dev` of the tarball on a PATH without a
// compiler, then the installed commands: keepup --version, keepup check on the shipped config
// (its demo really starts), setuidgid, svscan with svstat, man keepup. A second install with no
// prebuilt that fits builds the addon from the shipped sources.
import test from 'ava';
import {execFileSync} from 'node:child_process';
import {chmodSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, closeSync, realpathSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {defaultStateDir} from '../../src/lib/config/watchdog-config.js';
import {pidsByComm} from '../helpers/daemons.js';
import {ROOT} from '../helpers/paths.js';
import {run, spawnTracked} from '../helpers/processes.js';
import {killProcessesUnder} from '../helpers/svscan.js';
import {PATIENT, waitFor} from '../helpers/wait-for.js';

const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {version: string};
// npm itself: the one running the tests (npm test, npx ava), else the one installed beside node.
const NPM = process.env.npm_execpath?.endsWith('npm-cli.js') ? process.env.npm_execpath : join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
const SLOW = {timeoutMs: 240_000};

let work = '';
let tarball = '';

/** A directory of symlinks to just these commands: a PATH with no compiler, make or python on it. */
function barePath(dir: string, commands: readonly string[]): string {
  mkdirSync(dir, {mode: 0o755});
  for (const command of commands) symlinkSync(execFileSync('/bin/sh', ['-c', 'command -v "$1"', 'sh', command], {encoding: 'utf8'}).trim(), join(dir, command));
  return dir;
}

test.before(async () => {
  work = mkdtempSync(join(tmpdir(), 'keepup-tarball-'));
  chmodSync(work, 0o755); // setuidgid's nobody must reach the PATH directory below
  // npm pack runs prepare (scripts/build.mjs rebuilds dist/ and compiled/) and prepack in the
  // package directory: a copy of the checkout, so the running tests' compiled/ is left alone.
  const source = join(work, 'source');
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {cwd: ROOT, encoding: 'utf8'})
    .split('\0')
    .filter((file) => file !== '' && existsSync(join(ROOT, file)));
  mkdirSync(source);
  execFileSync('/bin/sh', ['-c', 'tar -cf - --null -T - | tar -xf - -C "$1"', 'sh', source], {cwd: ROOT, input: files.join('\0'), stdio: ['pipe', 'ignore', 'inherit']});
  symlinkSync(join(ROOT, 'node_modules'), join(source, 'node_modules'));
  const packed = await run(process.execPath, [NPM, 'pack', '--json', '--pack-destination', work], {cwd: source, ...SLOW});
  if (packed.code !== 0) throw new Error(`npm pack failed (${packed.code}): ${packed.stderr}`);
  tarball = join(work, (JSON.parse(packed.stdout) as Array<{filename: string}>)[0]!.filename);
});

test.after.always(() => {
  if (work !== '') rmSync(work, {recursive: true, force: true});
});

/** ELF e_machine of a shared object: 62 x86-64, 183 AArch64. */
function elfMachine(file: string): number {
  const fd = openSync(file, 'r');
  try {
    const header = Buffer.alloc(20);
    readSync(fd, header, 0, 20, 0);
    if (header.subarray(0, 4).toString('latin1') !== '\x7fELF') throw new Error(`${file}: not ELF`);
    return header.readUInt16LE(18);
  } finally {
    closeSync(fd);
  }
}

async function install(prefix: string, env: NodeJS.ProcessEnv): Promise<string> {
  const result = await run(process.execPath, [NPM, 'install', '-g', '--prefix', prefix, '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', '--foreground-scripts', tarball], {
    env,
    cwd: work,
    ...SLOW,
  });
  if (result.code !== 0) throw new Error(`npm install failed (${result.code}): ${result.stdout}${result.stderr}`);
  return join(prefix, 'lib', 'node_modules', 'keepup');
}

test.serial('the tarball installs without a compiler and its commands work: keepup check starts the demo, setuidgid, svscan and svstat, man keepup', async (t) => {
  const path = barePath(join(work, 'bare-path'), ['node', 'sh', 'sleep', 'id']);
  const prefix = join(work, 'prefix');
  const env = {...process.env, PATH: path};
  const installed = await install(prefix, env);
  t.false(existsSync(join(installed, 'build')), 'nothing was compiled: the prebuilt addon was used');
  t.is(elfMachine(join(installed, 'prebuilds', 'linux-x64', 'node.node')), 62);
  const arm64 = join(installed, 'prebuilds', 'linux-arm64', 'node.node');
  t.is(elfMachine(arm64), 183);
  // It cannot be loaded here; that it is a Node-API module is what its dynamic symbols say.
  t.regex(execFileSync('aarch64-linux-gnu-nm', ['-D', '--defined-only', arm64], {encoding: 'utf8'}), / T napi_register_module_v1\n/);
  const commands = {...env, PATH: `${join(prefix, 'bin')}:${path}`};
  const keepup = (args: string[]) => run(join(prefix, 'bin', 'keepup'), args, {env: commands, cwd: work, timeoutMs: 60_000});

  const version = await keepup(['--version']);
  t.deepEqual([version.code, version.stdout, version.stderr], [0, `keepup ${manifest.version}\n`, '']);
  // What the bundles leave out (node-cron, nodemailer, prom-client: loaded when used) resolves
  // from the installed subcommand bundles to the package's own dependencies.
  for (const name of ['node-cron', 'nodemailer', 'prom-client']) {
    const found = await run(process.execPath, ['-e', `process.stdout.write(require.resolve(${JSON.stringify(name)}))`], {cwd: join(installed, 'dist', 'keepup')});
    t.true(found.stdout.startsWith(join(installed, 'node_modules', name) + '/'), `${name}: ${found.stdout}${found.stderr}`);
  }

  const config = join(installed, 'watchdog.config.yaml');
  t.teardown(async () => {
    await killProcessesUnder(installed);
    rmSync(defaultStateDir(0, process.env, config), {recursive: true, force: true});
  });
  t.deepEqual(pidsByComm('keepup-demo'), [], 'no keepup-demo runs yet (stop it with pkill -x keepup-demo)');
  const first = await keepup(['check', '--config', config]);
  t.is(first.code, 0, first.stderr);
  t.regex(first.stdout, /^Restarting keepup-demo\n[^]*started keepup-demo, pid \d+\n/);
  const second = await keepup(['check', '--config', config]);
  t.deepEqual([second.code, second.stdout, second.stderr], [0, '', ''], 'the demo runs: the second pass finds it');

  const id = await run(join(prefix, 'bin', 'setuidgid'), ['nobody', 'id', '-u'], {env: commands});
  t.deepEqual([id.code, id.stdout, id.stderr], [0, '65534\n', '']);

  const scan = join(work, 'scan');
  mkdirSync(join(scan, 'one'), {recursive: true});
  writeFileSync(join(scan, 'one', 'run'), '#!/bin/sh\nexec sleep 600\n', {mode: 0o755});
  const svscan = spawnTracked(t, join(prefix, 'bin', 'svscan'), [scan], {env: commands, detached: true});
  t.teardown(() => killProcessesUnder(scan));
  const up = await waitFor(
    async () => {
      const status = await run(join(prefix, 'bin', 'svstat'), [join(scan, 'one')], {env: commands});
      return / up \(pid \d+\) \d+ seconds\n$/.test(status.stdout) ? status.stdout : undefined;
    },
    'svstat to report the service up',
    PATIENT,
  );
  t.true(up.startsWith(`${join(scan, 'one')}: up (pid `));
  t.is(svscan.exitCode, null);

  // npm links the pages into PREFIX/share/man/manN; man finds them there.
  const page = join(prefix, 'share', 'man', 'man1', 'keepup.1');
  t.is(realpathSync(page), join(installed, 'man', 'keepup.1'));
  const manEnv = {...process.env, MANPATH: join(prefix, 'share', 'man'), MANPAGER: 'cat', MANWIDTH: '100'};
  const located = await run('man', ['-w', 'keepup'], {env: manEnv});
  t.deepEqual([located.code, realpathSync(located.stdout.trim())], [0, realpathSync(page)]);
  const shown = await run('man', ['keepup'], {env: manEnv});
  t.is(shown.code, 0);
  t.true(shown.stdout.includes('keepup check'));
  t.true(existsSync(join(prefix, 'share', 'man', 'man5', 'watchdog.config.yaml.5')));
  t.true(existsSync(join(prefix, 'share', 'man', 'man8', 'svscan.8')));
});

test.serial('with no prebuilt binary that fits, the install builds the addon from the shipped sources', async (t) => {
  const prefix = join(work, 'prefix-source');
  // node-gyp-build looks for prebuilds where KEEPUP_PREBUILD says: an empty directory here.
  const empty = join(work, 'no-prebuilds');
  mkdirSync(empty);
  const installed = await install(prefix, {...process.env, KEEPUP_PREBUILD: empty});
  t.true(existsSync(join(installed, 'build', 'Release', 'keepup_process.node')), 'node-gyp built the addon');
  const id = await run(join(prefix, 'bin', 'setuidgid'), ['nobody', 'id', '-u'], {env: {...process.env, PATH: `${join(prefix, 'bin')}:${process.env.PATH}`}});
  t.deepEqual([id.code, id.stdout, id.stderr], [0, '65534\n', '']);
});
