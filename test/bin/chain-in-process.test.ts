// A chain of keepup's chain-loaders runs in one Node process (issue 16): each loader whose
// program is another of keepup's loaders applies it in the same process, then the final program
// is exec'd once. Differential against Debian's daemontools: the same chain with keepup's
// commands first on PATH and with daemontools' gives the same output, error message and exit
// code, including failures in the middle of the chain (named by the loader that failed) and
// loaders running after setuidgid with the account's rights. A counting `node` first on PATH
// shows how many Node processes a chain started.
// Not tested: a setrlimit failure at the final exec (a soft limit at or below the hard one is
// always accepted, so a chain cannot provoke one).
import test from 'ava';
import {chmodSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {ROOT} from '../helpers/paths.js';
import {run, type RunResult} from '../helpers/processes.js';
import {tmpDir} from '../helpers/tmp.js';

const COMMANDS = join(ROOT, 'dist', 'commands');
const SYSTEM_PATH = '/usr/bin:/bin';

interface Setup {
  dir: string;
  counter: string;
  run(side: 'keepup' | 'daemontools', argv: string[]): Promise<RunResult>;
}

function setup(t: import('ava').ExecutionContext): Setup {
  const dir = tmpDir(t, 'keepup-chain-');
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'env'), {mode: 0o755});
  writeFileSync(join(dir, 'env', 'GREET'), 'hello  \nsecond line\n');
  writeFileSync(join(dir, 'env', 'EMPTY'), '');
  // Root's alone: a loader running as nobody cannot read it.
  mkdirSync(join(dir, 'private'), {mode: 0o700});
  writeFileSync(join(dir, 'private', 'SECRET'), 'x\n');
  // Counts Node starts, then is the real node.
  const shims = join(dir, 'shims');
  mkdirSync(shims, {mode: 0o755});
  const counter = join(dir, 'node-starts');
  writeFileSync(counter, '');
  writeFileSync(join(shims, 'node'), `#!/bin/sh\necho start >> '${counter}'\nexec '${process.execPath}' "$@"\n`, {mode: 0o755});
  chmodSync(join(shims, 'node'), 0o755);
  return {
    dir,
    counter,
    run: (side, argv) => {
      const PATH = side === 'keepup' ? `${shims}:${COMMANDS}:${SYSTEM_PATH}` : SYSTEM_PATH;
      const env: NodeJS.ProcessEnv = {PATH, HOME: '/', LC_ALL: 'C'};
      return run(side === 'keepup' ? join(COMMANDS, argv[0]!) : `/usr/bin/${argv[0]}`, argv.slice(1), {cwd: dir, env});
    },
  };
}

const nodeStarts = (counter: string) => readFileSync(counter, 'utf8').split('\n').filter(Boolean).length;

// What the final program reports: its environment (PATH differs by design), ids, groups, limits, session.
const REPORT = ['sh', '-c', 'env | grep -v "^PATH=" | sort; id -u; id -g; id -G; ulimit -d; ulimit -n; [ "$(ps -o sid= -p $$ | tr -d " ")" = $$ ] && echo leads its session'];

const CASES: Array<[string, (dir: string) => string[], number]> = [
  [
    'envuidgid | envdir | softlimit | setuidgid | the program',
    () => ['envuidgid', 'nobody', 'envdir', './env', 'softlimit', '-d', '30000000', '-o', '77', 'setuidgid', 'nobody', ...REPORT],
    1,
  ],
  ['setlock | pgrphack | envdir | the program', (dir) => ['setlock', join(dir, 'lock'), 'pgrphack', 'envdir', 'env', ...REPORT], 1],
  ["a failure in the middle is the failing loader's: envdir of a missing directory", () => ['envuidgid', 'nobody', 'envdir', './missing', 'softlimit', '-d', '3000000', 'true'], 1],
  ['an unknown account after envdir', () => ['envdir', './env', 'setuidgid', 'no-such-user-kp6', 'true'], 1],
  ["a usage error after envdir: softlimit's own getopt line and usage", () => ['envdir', './env', 'softlimit', '-z', '1', 'true'], 1],
  ["a usage error after setuidgid: envdir's exit 111", () => ['setuidgid', 'nobody', 'envdir', './env'], 1],
  ["envdir after setuidgid reads with the account's rights: access denied", () => ['setuidgid', 'nobody', 'envdir', './private', 'true'], 1],
  ['a missing final program, named by the last loader', () => ['envdir', './env', 'pgrphack', 'no-such-program-kp6'], 1],
  ['setlock -x whose file cannot be opened: exit 0, nothing run', () => ['envdir', './env', 'setlock', '-x', '/nonexistent/dir/lock', 'false'], 1],
  // The next loader searches the PATH the previous one handed it: here envdir's, which has no `true`.
  ["the PATH an env dir sets is the next loader's search path", () => ['envdir', './pathenv', 'setuidgid', 'nobody', 'true'], 1],
];

for (const [title, argv, starts] of CASES) {
  test(`chain: ${title}: same as daemontools, ${starts} Node start`, async (t) => {
    const s = setup(t);
    mkdirSync(join(s.dir, 'pathenv'));
    writeFileSync(join(s.dir, 'pathenv', 'PATH'), `${COMMANDS}:/nonexistent\n`);
    const ours = await s.run('keepup', argv(s.dir));
    const theirs = await s.run('daemontools', argv(s.dir));
    t.deepEqual({code: ours.code, stdout: ours.stdout, stderr: ours.stderr}, {code: theirs.code, stdout: theirs.stdout, stderr: theirs.stderr});
    t.is(nodeStarts(s.counter), starts);
  });
}

test("a loader found through PATH that is not keepup's (daemontools' setuidgid first on PATH) runs as its own process", async (t) => {
  const s = setup(t);
  const ours = await run(join(COMMANDS, 'envdir'), ['./env', 'setuidgid', 'nobody', 'envdir', './env', 'sh', '-c', 'echo "$GREET"; id -u'], {
    cwd: s.dir,
    env: {PATH: `${join(s.dir, 'shims')}:${SYSTEM_PATH}:${COMMANDS}`},
  });
  t.is(ours.stderr, '');
  t.is(ours.stdout, 'hello\n65534\n');
  t.is(nodeStarts(s.counter), 1, "the first envdir only: /usr/bin/setuidgid and /usr/bin/envdir are daemontools'");
});
