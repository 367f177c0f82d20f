// The man pages (man/, package.json's `man`) are generated from the README by scripts/man.mjs:
// they must be what the README gives now, and a README change must make them stale.
import test from 'ava';
import {readFileSync, readdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {ROOT} from '../helpers/paths.js';
import {run} from '../helpers/processes.js';
import {tmpDir} from '../helpers/tmp.js';

const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {man: string[]; bin: Record<string, string>};
const check = (args: string[] = []) => run(process.execPath, [join(ROOT, 'scripts', 'man.mjs'), '--check', ...args], {cwd: ROOT});

test('man/ is what the README gives (npm run build makes it)', async (t) => {
  const result = await check();
  t.deepEqual([result.code, result.stderr], [0, '']);
});

test('a README edit makes the page of that section stale', async (t) => {
  const readme = join(tmpDir(t), 'README.md');
  const text = readFileSync(join(ROOT, 'README.md'), 'utf8');
  writeFileSync(readme, text.replace('### svok\n', '### svok\n\nOne more sentence.\n'));
  const result = await check(['--readme', readme]);
  t.deepEqual([result.code, result.stderr], [1, 'man/svok.8: not what the README gives (run npm run build)\n']);
});

test('package.json installs every page: keepup(1), watchdog.config.yaml(5), one per daemontools command', (t) => {
  const pages = readdirSync(join(ROOT, 'man')).sort();
  t.deepEqual(
    [...manifest.man].sort(),
    pages.map((page) => `man/${page}`),
  );
  const expected = [
    'keepup.1',
    'watchdog.config.yaml.5',
    ...Object.keys(manifest.bin)
      .filter((name) => name !== 'keepup')
      .map((name) => `${name}.8`),
  ].sort();
  t.deepEqual(pages, expected);
});

test('man renders keepup(1) with its subcommands and exit codes', async (t) => {
  const result = await run('man', ['-l', join(ROOT, 'man', 'keepup.1')], {env: {...process.env, MANPAGER: 'cat', MANWIDTH: '100'}});
  t.is(result.code, 0);
  for (const text of ['keepup check', 'keepup supervise', 'Exit codes']) t.true(result.stdout.includes(text), text);
});
