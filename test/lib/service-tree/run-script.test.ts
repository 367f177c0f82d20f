import test, {type ExecutionContext} from 'ava';
import {spawn} from 'node:child_process';
import {once} from 'node:events';
import {chmodSync, existsSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {formatLogRunScript, formatRunScript, isExecSafe, shellQuote} from '../../../src/lib/service-tree/run-script.js';
import {isAlive, run} from '../../helpers/processes.js';
import {tmpDir} from '../../helpers/tmp.js';
import {PATIENT, waitFor} from '../../helpers/wait-for.js';

const HOSTILE = ["'; rm -rf /", '$(touch pwned)', '`touch pwned`', 'a b\tc', 'new\nline', "it's", '"quoted"', '\\', '*', '-n', '$HOME', ''];

test('every argument of a run: list reaches the program as it was written, whatever shell syntax it holds', async (t) => {
  const dir = tmpDir(t, 'keepup-runscript-');
  const script = formatRunScript({kind: 'argv', argv: ['printf', '[%s]\\n', ...HOSTILE]}, {logged: false});
  writeFileSync(join(dir, 'run'), script);
  chmodSync(join(dir, 'run'), 0o755);
  const result = await run('./run', [], {cwd: dir});
  t.is(result.code, 0);
  t.is(result.stdout, HOSTILE.map((arg) => `[${arg}]\n`).join(''));
  const listing = await run('ls', ['-A', dir]);
  t.is(listing.stdout, 'run\n', 'nothing was created by the arguments');
});

test("a run: string is the admin's shell line after exec; with a logger stderr joins stdout", (t) => {
  t.is(formatRunScript({kind: 'shell', line: 'nginx -g "daemon off;"'}, {logged: false}).split('\n').at(-2), 'exec nginx -g "daemon off;"');
  const logged = formatRunScript({kind: 'argv', argv: ['x']}, {logged: true}).split('\n');
  t.deepEqual(logged.slice(-3), ['exec 2>&1', "exec 'x'", '']);
  t.true(logged[0] === '#!/bin/sh');
});

test('log/run quotes the multilog script too', (t) => {
  t.is(formatLogRunScript(['multilog'], ['t', 's1000000', "./it's"]).split('\n').at(-2), "exec 'multilog' 't' 's1000000' './it'\\''s'");
  t.is(shellQuote("'"), "''\\'''");
});

test("a run: line is exec'd only when it is provably one simple command", (t) => {
  for (const line of ['nginx -g "daemon off;"', "sh -c 'echo $$'", '/usr/sbin/sshd -D -e', 'redis-server /etc/redis.conf --port=6379', 'a "b c" d']) {
    t.true(isExecSafe(line), line);
  }
  for (const line of [
    'a; b',
    'a && b',
    'a || b',
    'a | b',
    'a > out',
    'a < in',
    'a &',
    'a 2>&1',
    '$DAEMON -f',
    'a "$HOME"',
    'a `b`',
    'a $(b)',
    'a *.conf',
    'a # note',
    'a\nb',
    'FOO=1 a',
    'cd /srv',
    'echo "a\\nb"',
    'exec a',
    'if true; then a; fi',
    '{ a; }',
    '(a)',
    'a "unclosed',
    '',
    '  ',
    'a \\; b',
    '~/bin/a',
  ]) {
    t.false(isExecSafe(line), line);
  }
});

/** Writes the generated run for `line` in a temp dir and runs it (as supervise would: ./run, cwd DIR). */
async function runLine(t: ExecutionContext, line: string, options: {input?: string} = {}) {
  const dir = tmpDir(t, 'keepup-runline-');
  writeFileSync(join(dir, 'run'), formatRunScript({kind: 'shell', line}, {logged: true}));
  chmodSync(join(dir, 'run'), 0o755);
  return {dir, result: await run('./run', [], {cwd: dir, ...(options.input === undefined ? {} : {input: options.input})})};
}

test('a run: line keeps its meaning: lists, && and ||, pipelines, redirections, & jobs, stdin and the exit code', async (t) => {
  t.like((await runLine(t, 'echo one; echo two; exit 3')).result, {code: 3, stdout: 'one\ntwo\n'});
  t.like((await runLine(t, 'false && echo no; echo yes')).result, {code: 0, stdout: 'yes\n'});
  t.like((await runLine(t, 'true && echo and || echo or')).result, {code: 0, stdout: 'and\n'});
  t.like((await runLine(t, "printf 'x\\ny\\n' | wc -l")).result, {code: 0, stdout: '2\n'});
  t.like((await runLine(t, 'echo to-stderr >&2')).result, {code: 0, stdout: 'to-stderr\n'}, 'with a logger, stderr joins stdout');
  const redirected = await runLine(t, 'echo kept > out; cat out');
  t.like(redirected.result, {code: 0, stdout: 'kept\n'});
  t.is(readFileSync(join(redirected.dir, 'out'), 'utf8'), 'kept\n');
  t.like((await runLine(t, 'echo bg & wait')).result, {code: 0, stdout: 'bg\n'});
  t.like((await runLine(t, 'read x; echo "got $x"', {input: 'hello\n'})).result, {code: 0, stdout: 'got hello\n'});
  t.like((await runLine(t, 'exit 7')).result, {code: 7});
  const missing = (await runLine(t, "nosuchcommand-keepup; echo 'went on'")).result;
  t.is(missing.code, 0);
  t.regex(missing.stdout, /nosuchcommand-keepup: not found\nwent on\n$/);
});

test("a simple run: line is exec'd: the supervised pid is the daemon's", async (t) => {
  const dir = tmpDir(t, 'keepup-runexec-');
  writeFileSync(join(dir, 'run'), formatRunScript({kind: 'shell', line: "sh -c 'echo $$'"}, {logged: false}));
  chmodSync(join(dir, 'run'), 0o755);
  const child = spawn('./run', [], {cwd: dir, stdio: ['ignore', 'pipe', 'inherit']});
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  // 'close', not 'exit': the output may still be on its way when the exit is seen.
  await once(child, 'close');
  t.is(out, `${child.pid}\n`);
});

test("signals sent to a staying shell reach the line's processes (keepup starts each service in its own process group)", async (t) => {
  const dir = tmpDir(t, 'keepup-runsignal-');
  writeFileSync(join(dir, 'run'), formatRunScript({kind: 'shell', line: "sh -c 'echo $$ > daemon.pid; exec sleep 600'; echo after"}, {logged: false}));
  chmodSync(join(dir, 'run'), 0o755);
  const child = spawn('./run', [], {cwd: dir, stdio: ['ignore', 'pipe', 'inherit'], detached: true});
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const exited = once(child, 'exit');
  t.teardown(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // gone
    }
  });
  const daemon = await waitFor(
    () => {
      const text = existsSync(join(dir, 'daemon.pid')) ? readFileSync(join(dir, 'daemon.pid'), 'utf8') : '';
      return text.endsWith('\n') ? Number(text) : undefined;
    },
    'the daemon',
    PATIENT,
  );
  await waitFor(() => readFileSync(`/proc/${daemon}/cmdline`, 'latin1').startsWith('sleep'), "the daemon exec'd", PATIENT);
  child.kill('SIGTERM');
  const [code, signal] = (await exited) as [number | null, string | null];
  t.deepEqual([code, signal], [143, null], 'the shell exits with the status of the line, killed by TERM');
  t.is(out, '', 'the line stopped: "after" never ran');
  await waitFor(() => !isAlive(daemon), 'the daemon to be gone', PATIENT);
});
