// keepup supervise's checker (daemons without run:) on the injected clock: with nothing to check
// it keeps no timer; a reload that adds a daemon starts real passes (process table, start script),
// then one every checkIntervalMs.
import test from 'ava';
import {chmodSync, mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {parseWatchdogConfig} from '../../../src/lib/config/watchdog-config.js';
import {Checker} from '../../../src/lib/keepup/checker.js';
import {FakeTime} from '../../helpers/fake-time.js';
import {tmpDir} from '../../helpers/tmp.js';
import {waitFor} from '../../helpers/wait-for.js';

test('no daemon to check: no timer; a reload that adds one starts the passes, one per checkIntervalMs', async (t) => {
  const dir = tmpDir(t);
  const startDir = join(dir, 'start-scripts');
  mkdirSync(startDir, {mode: 0o755});
  const name = `kp-check-${process.pid}-absent`;
  writeFileSync(join(startDir, name), '#!/bin/sh\necho started\n', {mode: 0o755});
  chmodSync(join(startDir, name), 0o755);
  const file = join(dir, 'w.yaml');
  const parse = (daemons: string) =>
    parseWatchdogConfig(`startDir: ${startDir}\nstateDir: ${join(dir, 'state')}\nserviceDir: ${join(dir, 'service')}\ncheckInterval: 7\ndaemons:\n${daemons}`, file, {uid: 0, env: {}})
      .config;
  const time = new FakeTime(1_000_000);
  const passes: number[] = [];
  const out: string[] = [];
  const checker = new Checker(
    parse('  - name: web\n    run: [sleep, "600"]\n'),
    {time, selfPid: process.pid, procRoot: '/proc', uids: [0], host: 'test', reporter: {warn: () => {}}, env: {PATH: '/usr/bin:/bin'}, onPassCompleted: (start) => passes.push(start)},
    {out: (text) => out.push(text)},
  );
  t.teardown(() => checker.stop());
  checker.start();
  await new Promise((resolve) => setImmediate(resolve));
  t.deepEqual(time.delays(), [], 'services only: nothing to wake for');
  checker.update(parse(`  - name: web\n    run: [sleep, "600"]\n  - name: ${name}\n`));
  await waitFor(() => passes.length === 1 && time.delays().length === 1, 'the first pass and the next timer');
  t.deepEqual(time.delays(), [7000]);
  t.true(out.join('').includes(`Restarting ${name}`));
  time.advance(7000);
  await waitFor(() => passes.length === 2, 'the second pass');
});
