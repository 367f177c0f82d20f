import test from 'ava';
import {bin} from '../helpers/paths.js';
import {run} from '../helpers/processes.js';

// Differential against the real tai64nlocal for valid labels, in two time zones; malformed
// labels (which crash daemontools 0.76) must pass through unchanged here.
const VALID = [
  '@400000003b4a39c23294b13c X',
  '@400000003b4a39c23294b13cX',
  '@400000003b4a39c2ffffffff big nanoseconds',
  '@400000000000000a00000000 epoch',
  '@400000006b0246c90115bf84 abc',
  '@4000000065a0b3c1000001f4 winter',
  'no label',
  '  @400000003b4a39c23294b13c leading spaces',
  '',
  '@400000003b4a39c23294b13c partial',
].join('\n');

for (const zone of ['UTC', 'America/New_York', 'Asia/Kolkata']) {
  test(`same output as the real tai64nlocal with TZ=${zone}`, async (t) => {
    const env = {...process.env, TZ: zone};
    const ours = await run(process.execPath, [bin('tai64nlocal')], {input: VALID, env});
    const theirs = await run('tai64nlocal', [], {input: VALID, env});
    t.is(theirs.code, 0);
    t.is(ours.code, 0, ours.stderr);
    t.is(ours.stdout, theirs.stdout);
  });
}

test('the spec example in UTC', async (t) => {
  const ours = await run(process.execPath, [bin('tai64nlocal')], {input: '@400000003b4a39c23294b13c X\n', env: {...process.env, TZ: 'UTC'}});
  t.is(ours.stdout, '2001-07-09 23:09:44.848605500 X\n');
});

test('malformed labels pass through unchanged and nothing crashes', async (t) => {
  const input = ['@400000003B4A39C23294B13C upper', '@400000003b4a39c2 short', '@400000003b4a39c23294b13c3294b13c3294 long', '@zz', '@', 'ok'].join('\n') + '\n';
  const ours = await run(process.execPath, [bin('tai64nlocal')], {input, env: {...process.env, TZ: 'UTC'}});
  t.is(ours.code, 0);
  t.is(ours.stdout, input);
  t.is(ours.stderr, '');
});
