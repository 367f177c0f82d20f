// softlimit against Debian's daemontools: usage paths, and the limits the program sees in
// /proc/PID/limits for every option, `=`, and values above the hard limit (clamped).
// Not tested: getrlimit/setrlimit failures (the kernel refuses neither for these inputs).
import test from 'ava';
import {bin} from '../helpers/paths.js';
import {daemontools, runBoth, transcript, viewExecd} from '../helpers/differential.js';

const USAGE_CASES: string[][] = [[], ['-z', 'true'], ['-o'], ['-o', '12x', 'true'], ['-o', '5'], ['-m', '-1', 'true'], ['-t', '1', '--']];

for (const args of USAGE_CASES) {
  test(`softlimit ${args.join(' ')}: same usage output, exit 100`, async (t) => {
    const {ours, theirs} = await runBoth('softlimit', args);
    t.is(ours.code, 100);
    t.deepEqual(transcript(ours), transcript(theirs));
  });
}

for (const args of [['/nonexistent/prog'], ['-o', '50', 'no-such-program-kp6'], ['-p0', 'echo', 'x'], ['-o', '', 'echo', 'empty is 0']]) {
  test(`softlimit ${args.join(' ')}: same output and exit code as daemontools`, async (t) => {
    const {ours, theirs} = await runBoth('softlimit', args);
    t.deepEqual(transcript(ours), transcript(theirs));
  });
}

const LIMIT_CASES: string[][] = [
  ['-a', '300000000'],
  ['-c', '0'],
  ['-d', '200000000'],
  ['-f', '1000000'],
  ['-l', '100000000000'],
  ['-m', '250000000'],
  ['-o', '77'],
  ['-o', '='],
  ['-p', '55'],
  ['-r', '4000000'],
  ['-s', '1000000'],
  ['-t', '30'],
  ['-m', '300000000', '-s', '=', '-o', '40', '-t', '='],
];

for (const options of LIMIT_CASES) {
  test(`softlimit ${options.join(' ')}: the program sees the same limits as under daemontools`, async (t) => {
    // Start from a lowered open-files soft limit so `-o =` and "left alone" are visible.
    const script = 'ulimit -Sn 900; ulimit -Ss 4096; ulimit -St 100; exec "$@"';
    const ours = await viewExecd(t, '/bin/sh', ['-c', script, 'sh', bin('softlimit'), ...options, 'sleep', '1000'], '/usr/bin/sleep');
    const theirs = await viewExecd(t, '/bin/sh', ['-c', script, 'sh', daemontools('softlimit'), ...options, 'sleep', '1000'], '/usr/bin/sleep');
    t.is(ours.limits, theirs.limits);
  });
}

test('softlimit -o: a chain-loader after softlimit keeps the lowered open-files limit', async (t) => {
  const chain = (first: string, second: string) => [first, '-o', '123', second, 'nobody', 'sleep', '1000'];
  const ours = await viewExecd(t, bin('softlimit'), chain(bin('softlimit'), bin('setuidgid')).slice(1), '/usr/bin/sleep');
  const theirs = await viewExecd(t, daemontools('softlimit'), chain(daemontools('softlimit'), daemontools('setuidgid')).slice(1), '/usr/bin/sleep');
  t.regex(ours.limits, /^Max open files\s+123\s/m);
  t.is(ours.limits, theirs.limits);
});

test('a tight address-space limit does not stop softlimit itself from running the program', async (t) => {
  const {ours, theirs} = await runBoth('softlimit', ['-a', '20000000', 'sh', '-c', 'echo ran']);
  t.is(ours.stdout, 'ran\n');
  t.deepEqual(transcript(ours), transcript(theirs));
});
