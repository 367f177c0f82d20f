// examples/prometheus: the shipped scrape config, alert rules and their unit tests, checked by
// Debian's promtool as a user would.
import test from 'ava';
import {join} from 'node:path';
import {ROOT} from '../helpers/paths.js';
import {run} from '../helpers/processes.js';

const dir = join(ROOT, 'examples', 'prometheus');
const promtool = (args: string[]) => run('promtool', args, {cwd: dir, timeoutMs: 60_000});

test('promtool check rules passes on the alert rules', async (t) => {
  const result = await promtool(['check', 'rules', 'keepup-rules.yml']);
  t.is(result.code, 0, result.stdout + result.stderr);
  t.regex(result.stdout, /SUCCESS: 7 rules found/);
});

test('promtool test rules passes on the rules unit tests', async (t) => {
  const result = await promtool(['test', 'rules', 'keepup-rules.test.yml']);
  t.is(result.code, 0, result.stdout + result.stderr);
  t.regex(result.stdout, /SUCCESS/);
});

test('promtool check config passes on the scrape config', async (t) => {
  const result = await promtool(['check', 'config', 'prometheus.yml']);
  t.is(result.code, 0, result.stdout + result.stderr);
});
