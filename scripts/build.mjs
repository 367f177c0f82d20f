// Builds the installed commands (one bundle per src/bin/*.ts into dist/bin/, and
// dist/commands/NAME, each command by its own name, for svscanboot's PATH) and a file-for-file
// transpile of src/, test/ and bench/ into compiled/ for the test runner.
import {build} from 'esbuild';
import {chmodSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync} from 'node:fs';
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
// Loaded from the package's node_modules when used, not bundled: node-cron by `keepup cron` only,
// nodemailer only when a mail is sent (~0.5 MB that every start would otherwise compile),
// prom-client only when metrics are served.
const EXTERNAL = ['node-cron', 'nodemailer', 'prom-client'];
// The commands are CommonJS bundles (dist/bin/package.json says so, keeping the .js bin paths):
// Node loads a CommonJS file ~8 ms faster than an ES module (issue 16), which is most of what
// svc, svstat and svok cost above `node -e 0`. import.meta.url becomes the bundle's own file URL.
const importMetaUrl = 'const __keepupImportMetaUrl = require("node:url").pathToFileURL(__filename).href;';
// Without a SIGUSR1 listener Node 20 opens its inspector on 127.0.0.1:9229 when sent SIGUSR1: a
// debugger with root's powers for any local user. The first statement of every installed
// command installs one, so no command can forget (src/lib/sys/signals.ts says the same for the
// library). A program exec'd from a chain-loader still gets SIGUSR1 at its default (pathexec).
const inspectorGuard = 'process.on("SIGUSR1", () => {});';
// The chain-loaders exec their program, and supervise and svscan start services: they must hand
// on the open-files soft limit they were started with, which Node raises at start-up and forgets. Their bundles start as /bin/sh
// scripts that export that limit and exec node on the same file (the second line is a
// no-op statement plus a comment in JavaScript). /bin/sh always exports PWD, so env(1) first
// saves the caller's PWD (empty when unset). src/lib/limits/open-files.ts reads the limit
// (KEEPUP_NOFILE, its NOFILE_VARIABLE), src/lib/sys/launcher.ts the PWD (KEEPUP_PWD).
const LAUNCHER_SHEBANG = '#!/usr/bin/env -S KEEPUP_PWD=${PWD} /bin/sh';
const RECORD_NOFILE = 'export KEEPUP_NOFILE="$(ulimit -Sn)"';
const LAUNCHED = new Set(['envdir', 'envuidgid', 'fghack', 'pgrphack', 'setlock', 'setuidgid', 'softlimit', 'supervise', 'svscan']);
const isLaunched = (bin) => LAUNCHED.has(relative('src/bin', bin).replace(/\.ts$/, ''));
// The other commands start under the first `node` on the PATH. Naming the building Node in the
// shebang would save an exec of env per start (issue 16), but a packed tarball must run on
// machines whose Node lives elsewhere, so the portable form stays.
const banners = [
  ['#!/usr/bin/env node', bins.filter((bin) => !isLaunched(bin))],
  [`${LAUNCHER_SHEBANG}\n":" //; ${RECORD_NOFILE}; exec node "$0" "$@"`, bins.filter(isLaunched)],
];
/** What every installed bundle shares: CommonJS for Node 20 and later, the externals, import.meta.url as the file's URL. */
const BUNDLE = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: EXTERNAL,
  define: {'import.meta.url': '__keepupImportMetaUrl', KEEPUP_BUNDLES: 'true'},
  logLevel: 'warning',
};
rmSync(join(root, 'dist'), {recursive: true, force: true});
for (const [launcher, entryPoints] of banners) {
  if (entryPoints.length === 0) continue;
  await build({
    entryPoints,
    outdir: 'dist/bin',
    ...BUNDLE,
    banner: {js: `${launcher}\n${inspectorGuard}\n${importMetaUrl}`},
  });
}
writeFileSync(join(root, 'dist/bin/package.json'), '{"type": "commonjs"}\n');
// dist/keepup/NAME.js: each keepup subcommand as a whole `keepup` of its own, which dist/bin/keepup.js
// requires by the name typed (src/bin/keepup.ts). One bundle of everything made `keepup check`
// compile 1.4 MB (the supervisor, HTTP server, metrics) to run a pass: ~23 ms of its start-up.
// Each is self-contained, so no object (an error class, say) crosses from one copy of a module to another.
const SUBCOMMANDS = {
  check: 'checkCommand',
  cron: 'cronCommand',
  supervise: 'superviseCommand',
  status: 'statusCommand',
  reset: 'resetCommand',
  events: 'eventsCommand',
  'http-password': 'httpPasswordCommand',
};
mkdirSync(join(root, 'dist/keepup'));
for (const [name, symbol] of Object.entries(SUBCOMMANDS)) {
  await build({
    stdin: {
      contents: [
        `import {keepupMain, keepupTable} from './src/lib/keepup/main.ts';`,
        `import {${symbol} as command} from './src/lib/keepup/${name}-command.ts';`,
        `keepupMain(keepupTable(async (name) => {`,
        `  if (name !== ${JSON.stringify(name)}) throw new Error('keepup ' + name + ' is not in this bundle');`,
        `  return command;`,
        `}));`,
      ].join('\n'),
      resolveDir: root,
      sourcefile: `keepup-${name}.ts`,
      loader: 'ts',
    },
    outfile: `dist/keepup/${name}.js`,
    ...BUNDLE,
    banner: {js: `${inspectorGuard}\n${importMetaUrl}`},
  });
}
writeFileSync(join(root, 'dist/keepup/package.json'), '{"type": "commonjs"}\n');
for (const bin of bins) {
  const out = join(root, 'dist/bin', relative('src/bin', bin).replace(/\.ts$/, '.js'));
  chmodSync(out, statSync(out).mode | 0o111);
}
// dist/commands/NAME: what run scripts under svscanboot find on PATH. Files, not symlinks (npm
// packs no symlinks): two lines of /bin/sh that run node on dist/bin/NAME.js, recording the
// caller's open-files limit and PWD first for the commands that need them, as their own banner.
mkdirSync(join(root, 'dist/commands'));
for (const bin of bins) {
  const name = relative('src/bin', bin).replace(/\.ts$/, '');
  const target = `"\${0%/*}/../bin/${name}.js" "$@"`;
  const text = isLaunched(bin) ? `${LAUNCHER_SHEBANG}\n${RECORD_NOFILE}; exec node ${target}\n` : `#!/bin/sh\nexec node ${target}\n`;
  writeFileSync(join(root, 'dist/commands', name), text, {mode: 0o755});
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
  define: {KEEPUP_BUNDLES: 'false'},
  sourcemap: 'inline',
  logLevel: 'warning',
});
