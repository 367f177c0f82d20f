// The control commands' wall time, keepup's against Debian's daemontools in the same run, each
// against a service its own supervise runs, with the machine's `node -e 0` as the floor a Node
// command cannot go below (the goal: ≤ 1.2× that floor):
//   svstat, svok, svc -u (a no-op on a running service) alone: median of REPS runs
//   svc -d, then svstat until it says down (each svstat a new process, as an admin's script does)
// Figures and ratios only; no thresholds.
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {pidOf} from '../test/helpers/service-pid.js';
import {descendants, waitUntil} from './service-probes.js';
import {median, record} from './summary.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const REPS = Number(process.env.BENCH_REPS ?? 21);
type Side = 'daemontools' | 'keepup';
const command = (side: Side, name: string, args: string[]): [string, string[]] => (side === 'daemontools' ? [`/usr/bin/${name}`, args] : [join(ROOT, 'dist', 'bin', `${name}.js`), args]);

function time([file, args]: [string, string[]]): {ms: number; stdout: string} {
  const started = process.hrtime.bigint();
  const result = spawnSync(file, args, {stdio: ['ignore', 'pipe', 'ignore'], encoding: 'latin1'});
  return {ms: Number(process.hrtime.bigint() - started) / 1e6, stdout: result.stdout};
}

const base = mkdtempSync(join(tmpdir(), 'keepup-bench-cli-'));
const supervisors: ChildProcess[] = [];
const dirs = {} as Record<Side, string>;
try {
  for (const side of ['daemontools', 'keepup'] as const) {
    const dir = join(base, side);
    mkdirSync(dir);
    writeFileSync(join(dir, 'run'), '#!/bin/sh\nexec sleep 100000\n');
    chmodSync(join(dir, 'run'), 0o755);
    dirs[side] = dir;
    const [file, args] = side === 'daemontools' ? ['supervise', [dir]] : [process.execPath, [join(ROOT, 'dist', 'bin', 'supervise.js'), dir]];
    supervisors.push(spawn(file, args, {stdio: 'ignore', detached: true}));
    waitUntil(() => pidOf(dir) > 0, `${side} up`);
  }
  const node: number[] = [];
  // The same svstat with node named directly: what the portable `#!/usr/bin/env node` costs.
  const direct: number[] = [];
  const alone: Record<string, Record<Side, number[]>> = {};
  const cases: Array<[string, string, (dir: string) => string[]]> = [
    ['`svstat` alone', 'svstat', (dir) => [dir]],
    ['`svok` alone', 'svok', (dir) => [dir]],
    ['`svc -u` alone (service up)', 'svc', (dir) => ['-u', dir]],
  ];
  for (let rep = 0; rep < REPS; rep++) {
    node.push(time([process.execPath, ['-e', '0']]).ms);
    direct.push(time([process.execPath, [join(ROOT, 'dist', 'bin', 'svstat.js'), dirs.keepup]]).ms);
    for (const [label, name, args] of cases) {
      alone[label] ??= {daemontools: [], keepup: []};
      for (const side of ['daemontools', 'keepup'] as const) alone[label][side].push(time(command(side, name, args(dirs[side]))).ms);
    }
  }
  const floor = median(node);
  const down = {daemontools: [] as number[], keepup: [] as number[]};
  for (let rep = 0; rep < Math.max(3, Math.round(REPS / 3)); rep++) {
    for (const side of ['daemontools', 'keepup'] as const) {
      const dir = dirs[side];
      const started = process.hrtime.bigint();
      time(command(side, 'svc', ['-d', dir]));
      while (!time(command(side, 'svstat', [dir])).stdout.includes(': down')) {
        // each look is a new svstat process
      }
      down[side].push(Number(process.hrtime.bigint() - started) / 1e6);
      time(command(side, 'svc', ['-u', dir]));
      waitUntil(() => time(command(side, 'svstat', [dir])).stdout.includes(': up'), `${side} up again`);
    }
  }
  process.stdout.write(
    `median of ${REPS} runs, ms; \`node -e 0\`: ${floor.toFixed(1)} ms\n\n| command | daemontools | keepup | keepup / daemontools | keepup / node -e 0 |\n|---|---|---|---|---|\n`,
  );
  const report = (label: string, values: Record<Side, number[]>) => {
    const theirs = median(values.daemontools);
    const ours = median(values.keepup);
    process.stdout.write(`| ${label} | ${theirs.toFixed(2)} | ${ours.toFixed(1)} | ${(ours / theirs).toFixed(1)}× | ${(ours / floor).toFixed(2)}× |\n`);
    record({figure: label, unit: 'ms', keepup: ours, peers: {daemontools: theirs}, note: `${(ours / floor).toFixed(2)}× \`node -e 0\` of the same run`});
  };
  report('`svc -d` then `svstat` until down', down);
  for (const [label] of cases) report(label, alone[label]!);
  const shebang = median(alone['`svstat` alone']!.keepup) - median(direct);
  process.stdout.write(`\n\`svstat\` started as \`node svstat.js\`: ${median(direct).toFixed(1)} ms; \`#!/usr/bin/env node\` costs ${shebang.toFixed(1)} ms of it\n`);
  record({
    figure: '`svstat`, node named directly (no `env` in the shebang)',
    unit: 'ms',
    keepup: median(direct),
    peers: {daemontools: median(alone['`svstat` alone']!.daemontools)},
    note: `${(median(direct) / floor).toFixed(2)}× \`node -e 0\`; the env shebang costs ${shebang.toFixed(1)} ms`,
  });
} finally {
  for (const supervisor of supervisors) {
    for (const pid of [...descendants(supervisor.pid!), supervisor.pid!]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
  rmSync(base, {recursive: true, force: true});
}
