import test from 'ava';
import {accessSync, constants, readFileSync, readdirSync} from 'node:fs';
import {join} from 'node:path';
import {ROOT} from '../helpers/paths.js';

const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {bin: Record<string, string>};

test('the bin map lists exactly the commands in src/bin', (t) => {
  const sources = readdirSync(join(ROOT, 'src', 'bin'))
    .filter((name) => name.endsWith('.ts'))
    .map((name) => name.slice(0, -3))
    .sort();
  t.deepEqual(Object.keys(manifest.bin).sort(), sources);
  for (const [name, path] of Object.entries(manifest.bin)) t.is(path, `dist/bin/${name}.js`);
});

test('every installed command is built and executable', (t) => {
  const problems: string[] = [];
  for (const path of Object.values(manifest.bin)) {
    try {
      accessSync(join(ROOT, path), constants.X_OK);
      if (!readFileSync(join(ROOT, path), 'utf8').startsWith('#!/usr/bin/env node\n')) problems.push(`${path}: no node shebang`);
    } catch (error) {
      problems.push(`${path}: ${(error as NodeJS.ErrnoException).code}`);
    }
  }
  t.deepEqual(problems, []);
});
