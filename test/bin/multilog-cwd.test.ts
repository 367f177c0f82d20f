// multilog run as another user in a directory whose parents that user cannot search (djbdns'
// `setuidgid dnslog multilog t ./main` under a root-only tree): relative log directories are
// opened relative to the working directory, never through an absolute path, as daemontools'
// chdir-based multilog does. Debian's multilog is the oracle.
import test from 'ava';
import {chownSync, mkdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {daemontools} from '../helpers/differential.js';
import {stripLabels} from '../helpers/log-dir.js';
import {run} from '../helpers/processes.js';
import {tmpDir} from '../helpers/tmp.js';
import {worldReadableBuild} from '../helpers/world-readable.js';

const NOBODY = 65534;
const LINES = 'one\ntwo\nthree\n';

for (const side of ['keepup', 'daemontools'] as const) {
  test(`${side}: setuidgid nobody multilog t ./main logs in a directory under a parent nobody cannot search`, async (t) => {
    const multilog = side === 'keepup' ? [process.execPath, join(worldReadableBuild(t), 'dist', 'bin', 'multilog.js')] : [daemontools('multilog')];
    const root = tmpDir(t, 'keepup-private-'); // mode 0700, root's
    const logDir = join(root, 'log');
    mkdirSync(join(logDir, 'main'), {recursive: true});
    chownSync(join(logDir, 'main'), NOBODY, NOBODY);
    const result = await run(daemontools('setuidgid'), ['nobody', ...multilog, 't', './main'], {cwd: logDir, input: LINES});
    t.is(result.stderr, '');
    t.is(result.code, 0);
    t.is(stripLabels(readFileSync(join(logDir, 'main', 'current'), 'latin1')).replace(/^@x /gm, ''), LINES);
  });
}
