import test from 'ava';
import {spawnSync} from 'node:child_process';
import {mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {openTestWriter} from '../../helpers/log-writer.js';
import {tmpDir} from '../../helpers/tmp.js';

// A real full disk: a 256 KiB tmpfs (we run as root). If mounting is not allowed the test
// fails loudly rather than skipping: the retry-without-loss behaviour must be exercised.
test('a full disk: multilog warns, pauses, retries and loses nothing once space is back', async (t) => {
  const root = tmpDir(t);
  const mountPoint = join(root, 'small');
  mkdirSync(mountPoint);
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k,mode=0755', 'tmpfs', mountPoint], {encoding: 'utf8'});
  if (mounted.status !== 0) {
    t.fail(`cannot mount a tmpfs for the full-disk test (need root and mount rights): ${mounted.stderr || mounted.error}`);
    return;
  }
  t.teardown(() => {
    spawnSync('umount', [mountPoint]);
  });
  const filler = join(mountPoint, 'filler');
  let freed = false;
  let pauses = 0;
  const {writer, warnings} = await openTestWriter(mountPoint, ['s4096', 'n100', './log'], {
    sleep: async () => {
      pauses++;
      if (pauses === 3) {
        rmSync(filler);
        freed = true;
      }
    },
  });
  try {
    writeFileSync(filler, Buffer.alloc(1024 * 1024));
  } catch (error) {
    t.is((error as NodeJS.ErrnoException).code, 'ENOSPC');
  }
  const input = Array.from({length: 2000}, (_, i) => `line ${i} ${'w'.repeat(i % 90)}`).join('\n') + '\n';
  await writer.feed(Buffer.from(input));
  await writer.end();
  t.true(freed, 'the writer had to wait for space');
  t.true(warnings.length >= 3);
  t.regex(warnings[0]!, /^unable to (write to \.\/log\/current|write \.\/log\/current to disk|link to \.\/log\/@[0-9a-f]{24}\.s|create \.\/log\/current), pausing: out of disk space$/);
  const dir = join(mountPoint, 'log');
  const names = readdirSync(dir)
    .filter((name) => name.startsWith('@'))
    .sort();
  const logged = names.map((name) => readFileSync(join(dir, name), 'latin1')).join('') + readFileSync(join(dir, 'current'), 'latin1');
  t.is(logged, input, 'every byte arrived, in order, exactly once');
  await writer.end().catch(() => {});
});
