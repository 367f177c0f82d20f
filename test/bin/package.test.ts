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

// A command is a Node script started through `env node` (portable: a packed tarball runs
// wherever Node is on the PATH), or (the chain-loaders) a /bin/sh launcher that records what
// Node's start-up changes and then execs node on the same file (see scripts/build.mjs).
const NODE_SHEBANG = '#!/usr/bin/env node\n';
const CHAINLOADER_LAUNCHER = /^#!\/usr\/bin\/env -S KEEPUP_PWD=\$\{PWD\} \/bin\/sh\n":" \/\/; export KEEPUP_NOFILE="\$\(ulimit -Sn\)"; exec node "\$0" "\$@"\n/;

test('every installed command is built and executable', (t) => {
  const problems: string[] = [];
  for (const path of Object.values(manifest.bin)) {
    try {
      accessSync(join(ROOT, path), constants.X_OK);
      const text = readFileSync(join(ROOT, path), 'utf8');
      if (!text.startsWith(NODE_SHEBANG) && !CHAINLOADER_LAUNCHER.test(text)) problems.push(`${path}: neither a node shebang nor the chain-loader launcher`);
    } catch (error) {
      problems.push(`${path}: ${(error as NodeJS.ErrnoException).code}`);
    }
  }
  t.deepEqual(problems, []);
});

test('dist/commands holds every command by its own name (svscanboot puts it first on PATH)', async (t) => {
  const problems: string[] = [];
  for (const name of Object.keys(manifest.bin)) {
    try {
      accessSync(join(ROOT, 'dist', 'commands', name), constants.X_OK);
    } catch (error) {
      problems.push(`${name}: ${(error as NodeJS.ErrnoException).code}`);
    }
  }
  t.deepEqual(problems, []);
});
