import test from 'ava';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {bin} from '../helpers/paths.js';
import {run} from '../helpers/processes.js';
import {tmpDir} from '../helpers/tmp.js';

// Differential against the real tai64n (Debian daemontools). Labels are normalised (rts.tests'
// hex → x) after checking their shape. Not tested: write errors (exit 111).
const LABEL = /^@[0-9a-f]{24} /gm;
const INPUT = 'one\n\ntwo  words\n' + 'x'.repeat(1500) + '\nlast without newline';

function normalise(text: string): string {
  return text.replace(LABEL, '@x ');
}

test('same output as the real tai64n from a pipe, including the partial last line', async (t) => {
  const ours = await run(process.execPath, [bin('tai64n')], {input: INPUT});
  const theirs = await run('tai64n', [], {input: INPUT});
  t.is(ours.code, 0, ours.stderr);
  t.is(theirs.code, 0);
  t.is(normalise(ours.stdout), normalise(theirs.stdout));
  t.is(ours.stdout.match(LABEL)?.length, 5);
  t.is(ours.stderr, '');
});

test('same output as the real tai64n from a regular file, and labels carry the current time', async (t) => {
  const file = join(tmpDir(t), 'input');
  writeFileSync(file, INPUT + '\n');
  const before = Math.floor(Date.now() / 1000);
  const ours = await run(process.execPath, [bin('tai64n')], {stdinFile: file});
  const theirs = await run('tai64n', [], {stdinFile: file});
  t.is(ours.code, 0);
  t.is(normalise(ours.stdout), normalise(theirs.stdout));
  const seconds = Number(BigInt('0x' + ours.stdout.slice(1, 17)) - (2n ** 62n + 10n));
  t.true(seconds >= before - 1 && seconds <= Math.floor(Date.now() / 1000) + 1, String(seconds));
  t.is(parseInt(ours.stdout.slice(17, 25), 16) % 1000, 500, 'nanoseconds = microseconds * 1000 + 500');
});

test('empty input gives empty output and exit 0', async (t) => {
  const ours = await run(process.execPath, [bin('tai64n')], {input: ''});
  t.deepEqual([ours.code, ours.stdout, ours.stderr], [0, '', '']);
});
