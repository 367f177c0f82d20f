// Builds the installed commands (one bundle per src/bin/*.ts into dist/bin/) and a
// file-for-file transpile of src/, test/ and bench/ into compiled/ for the test runner.
import {build} from 'esbuild';
import {chmodSync, readdirSync, rmSync, statSync} from 'node:fs';
import {join, relative} from 'node:path';

const root = new URL('..', import.meta.url).pathname;

function tsFiles(dir) {
  const out = [];
  let entries;
  try {
    entries = readdirSync(join(root, dir), {withFileTypes: true});
  } catch (error) {
    if (error.code === 'ENOENT') return out;
    throw error;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...tsFiles(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

const bins = tsFiles('src/bin');
rmSync(join(root, 'dist'), {recursive: true, force: true});
await build({
  absWorkingDir: root,
  entryPoints: bins,
  outdir: 'dist/bin',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['node-cron'],
  banner: {
    js: '#!/usr/bin/env node\nimport {createRequire as __keepupRequire} from "node:module"; const require = __keepupRequire(import.meta.url);',
  },
  logLevel: 'warning',
});
for (const bin of bins) {
  const out = join(root, 'dist/bin', relative('src/bin', bin).replace(/\.ts$/, '.js'));
  chmodSync(out, statSync(out).mode | 0o111);
}

rmSync(join(root, 'compiled'), {recursive: true, force: true});
await build({
  absWorkingDir: root,
  entryPoints: [...tsFiles('src'), ...tsFiles('test'), ...tsFiles('bench')],
  outdir: 'compiled',
  outbase: '.',
  bundle: false,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'inline',
  logLevel: 'warning',
});
