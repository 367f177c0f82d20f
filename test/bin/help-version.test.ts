// keepup --help and keepup NAME --help list every subcommand and every option; --version
// works on every installed command.
import test from 'ava';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {ROOT, bin} from '../helpers/paths.js';
import {run} from '../helpers/processes.js';

const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {version: string; bin: Record<string, string>};
const keepup = (args: string[]) => run(process.execPath, [bin('keepup'), ...args]);

test('keepup --help names every subcommand, --version and NAME --help', async (t) => {
  const help = await keepup(['--help']);
  t.is(help.code, 0);
  for (const name of ['check', 'cron', 'supervise', 'status', 'reset', 'events', 'http-password']) t.regex(help.stdout, new RegExp(`^  keepup ${name} `, 'm'), name);
  t.regex(help.stdout, /^  keepup --version\n/m);
  t.regex(help.stdout, /^  keepup NAME --help\n/m);
});

test('keepup NAME --help: every option of the synopsis, with what it does', async (t) => {
  const help = await keepup(['--help']);
  const synopses = [...help.stdout.matchAll(/^ {2}keepup ([a-z-]+) (.*)$/gm)].map((match) => [match[1]!, match[2]!] as const);
  t.true(synopses.length >= 7);
  for (const [name, synopsis] of synopses) {
    const sub = await keepup([name, '--help']);
    t.is(sub.code, 0, name);
    t.true(sub.stdout.startsWith(`usage: keepup ${name} ${synopsis}\n`), name);
    const listed = [...sub.stdout.matchAll(/^ {2}(--[a-z-]+)( [A-Z]+)?  +\S/gm)].map((match) => `${match[1]}${match[2] ?? ''}`);
    const inSynopsis = [...synopsis.matchAll(/(--[a-z-]+)( [A-Z]+)?/g)].map((match) => `${match[1]}${match[2] ?? ''}`);
    t.deepEqual(listed, [...inSynopsis, '--help'], name);
  }
});

test('every installed command prints its version with a lone --version and exits 0', async (t) => {
  for (const name of Object.keys(manifest.bin)) {
    const result = await run(bin(name), ['--version']);
    const expected = name === 'keepup' ? `keepup ${manifest.version}\n` : `${name} (keepup ${manifest.version})\n`;
    t.deepEqual([result.code, result.stdout, result.stderr], [0, expected, ''], name);
  }
});
