import test from 'ava';
import {chmodSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {formatLogRunScript, formatRunScript, shellQuote} from '../../../src/lib/service-tree/run-script.js';
import {run} from '../../helpers/processes.js';
import {tmpDir} from '../../helpers/tmp.js';

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

test('a run: string is the admin\'s shell line after exec; with a logger stderr joins stdout', (t) => {
  t.is(formatRunScript({kind: 'shell', line: 'nginx -g "daemon off;"'}, {logged: false}).split('\n').at(-2), 'exec nginx -g "daemon off;"');
  const logged = formatRunScript({kind: 'argv', argv: ['x']}, {logged: true}).split('\n');
  t.deepEqual(logged.slice(-3), ['exec 2>&1', "exec 'x'", '']);
  t.true(logged[0] === '#!/bin/sh');
});

test('log/run quotes the multilog script too', (t) => {
  t.is(formatLogRunScript(['multilog'], ['t', "s1000000", "./it's"]).split('\n').at(-2), "exec 'multilog' 't' 's1000000' './it'\\''s'");
  t.is(shellQuote("'"), "''\\'''");
});
