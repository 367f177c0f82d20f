// Differential: the real readproctitle and ours, fed the same bytes, show the same text in ps.
import test from 'ava';
import {readFileSync} from 'node:fs';
import {bin} from '../helpers/paths.js';
import {run, spawnTracked} from '../helpers/processes.js';
import {waitFor} from '../helpers/wait-for.js';

function shownBy(pid: number): string {
  return readFileSync(`/proc/${pid}/cmdline`, 'latin1')
    .replace(/\0+$/, '')
    .replace(/[\0\n]/g, ' ');
}

async function showAfter(t: Parameters<typeof spawnTracked>[0], command: string[], input: string): Promise<string> {
  const dots = '.'.repeat(40);
  const child = spawnTracked(t, command[0]!, [...command.slice(1), 'service', 'errors:', dots], {stdio: ['pipe', 'ignore', 'ignore']});
  const expectedTail = input.replace(/\n/g, ' ').slice(-20);
  child.stdin!.write(input);
  return waitFor(() => {
    const text = shownBy(child.pid!);
    return text.endsWith(expectedTail) ? text : undefined;
  }, `${command[0]} to show its input`);
}

test('ps shows the same title as the real readproctitle', async (t) => {
  const input = 'hello errors\nsupervise: fatal: unable to start x/run: file does not exist\n';
  const real = await showAfter(t, ['readproctitle'], input);
  const ours = await showAfter(t, [process.execPath, bin('readproctitle')], input);
  t.is(ours, real);
  t.true(real.startsWith('readproctitle service errors: ...'));
});

test('exit codes: 100 silently without a long enough last argument, 0 at EOF', async (t) => {
  for (const args of [[], ['abcd'], ['x', 'abc']]) {
    const ours = await run(process.execPath, [bin('readproctitle'), ...args], {input: ''});
    const real = await run('readproctitle', args, {input: ''});
    t.deepEqual([ours.code, ours.stdout, ours.stderr], [real.code, real.stdout, real.stderr]);
    t.is(ours.code, 100);
  }
  const eof = await run(process.execPath, [bin('readproctitle'), 'service', 'errors:', '.....'], {input: 'x\n'});
  t.is(eof.code, 0);
});
