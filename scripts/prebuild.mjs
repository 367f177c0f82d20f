// Builds the Node-API addon for every platform the tarball ships a binary for (npm runs it at
// `prepack`), with prebuildify, into prebuilds/PLATFORM-ARCH/ where node-gyp-build finds it at
// install and at load time. A Node-API binary serves every Node version, so one per
// architecture is enough. arm64 is cross-compiled with Debian's gcc-aarch64-linux-gnu.
//
// The builds run in a scratch copy of the sources: prebuildify builds into ./build/Release, and
// the checkout's own build/Release (the source build that `npm ci` made, loaded first) must
// stay the host's.
import {cpSync, mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {promisify} from 'node:util';
import {createRequire} from 'node:module';

const root = new URL('..', import.meta.url).pathname;
const require = createRequire(import.meta.url);
const prebuildify = promisify(require('prebuildify'));

/** The platforms shipped, with the toolchain that builds for each on an x64 or arm64 Debian. */
const TARGETS = [
  {arch: 'x64', cross: 'x86_64-linux-gnu'},
  {arch: 'arm64', cross: 'aarch64-linux-gnu'},
];

// npm gives its own node-gyp to lifecycle scripts; run by hand, the one beside npm is used.
function nodeGyp() {
  if (process.env.npm_config_node_gyp) return process.env.npm_config_node_gyp;
  return join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
}

// Node-API headers come with Node (PREFIX/include/node); without a nodedir node-gyp would
// download them, and a build machine may have no network but the npm registry.
function nodeDir() {
  return process.env.npm_config_nodedir || join(dirname(process.execPath), '..');
}

async function buildFor({arch, cross}) {
  const scratch = mkdtempSync(join(tmpdir(), 'keepup-prebuild-'));
  try {
    cpSync(join(root, 'binding.gyp'), join(scratch, 'binding.gyp'));
    cpSync(join(root, 'src', 'native'), join(scratch, 'src', 'native'), {recursive: true});
    const native = process.arch === arch;
    const tool = (name) => (native ? name : `${cross}-${name}`);
    // node-gyp's Makefile links with $(CXX); the addon is C, so the C compiler links it too
    // (a cross g++ is not needed).
    Object.assign(process.env, {CC: tool('gcc'), CXX: tool('gcc'), LINK: tool('gcc'), npm_config_nodedir: nodeDir()});
    await prebuildify({cwd: scratch, out: root, napi: true, arch, strip: true, stripBin: tool('strip'), nodeGyp: nodeGyp(), shell: false, quiet: true});
  } finally {
    rmSync(scratch, {recursive: true, force: true});
  }
}

rmSync(join(root, 'prebuilds'), {recursive: true, force: true});
for (const target of TARGETS) {
  try {
    await buildFor(target);
  } catch (error) {
    console.error(`prebuild: linux-${target.arch}: ${error.message} (is ${target.cross}-gcc installed?)`);
    process.exit(1);
  }
}
