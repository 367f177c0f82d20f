// What binding a supervisor to its directory costs: every file operation and the child's cwd go
// through /proc/self/fd/N (a held O_DIRECTORY descriptor) instead of a path relative to the scan
// directory. Measured in one run, side by side: a status write (open .new exclusive, write,
// rename) and a spawn of `true` with that cwd, by held directory and by plain path. daemontools
// gets the same binding from chdir, for nothing; its restart latency is compared in the
// supervise benchmark. No thresholds: figures and ratios only.
import {spawn} from 'node:child_process';
import {once} from 'node:events';
import {chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import * as status from '../src/lib/status/codec.js';
import {ServiceDir} from '../src/lib/supervisor/service-dir.js';
import {writeFileAtomicSync} from '../src/lib/sys/fs-atomic.js';
import * as tai64n from '../src/lib/tai64n/codec.js';

const WRITES = Number(process.env.BENCH_WRITES ?? 5000);
const SPAWNS = Number(process.env.BENCH_SPAWNS ?? 300);

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function timeUs(action: () => void): number {
  const start = process.hrtime.bigint();
  action();
  return Number(process.hrtime.bigint() - start) / 1000;
}

async function spawnUs(cwd: string): Promise<number> {
  const start = process.hrtime.bigint();
  const child = spawn('./run', [], {cwd, stdio: 'ignore'});
  await once(child, 'exit');
  return Number(process.hrtime.bigint() - start) / 1000;
}

const base = mkdtempSync(join(tmpdir(), 'keepup-bench-held-'));
try {
  const dir = join(base, 'svc');
  mkdirSync(join(dir, 'supervise'), {recursive: true});
  writeFileSync(join(dir, 'run'), '#!/bin/true\n');
  chmodSync(join(dir, 'run'), 0o755);
  const files = new ServiceDir(dir);
  files.open([process.getuid?.() ?? 0]);
  await files.lock([process.getuid?.() ?? 0]);
  const record = {stamp: tai64n.fromUnixMs(Date.now()), pid: 4242, paused: false, want: 'up' as const};
  const bytes = status.pack(record);
  const held: number[] = [];
  const byPath: number[] = [];
  for (let i = 0; i < WRITES; i++) {
    held.push(timeUs(() => files.writeStatus(record)));
    byPath.push(timeUs(() => writeFileAtomicSync(join(dir, 'supervise/status'), bytes)));
  }
  const cwdHeld: number[] = [];
  const cwdPath: number[] = [];
  const runDir = files.runDirectory().path;
  for (let i = 0; i < SPAWNS; i++) {
    cwdHeld.push(await spawnUs(runDir));
    cwdPath.push(await spawnUs(dir));
  }
  files.release();
  const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
  console.log(`\nheld directory vs path, medians in µs (${WRITES} status writes, ${SPAWNS} spawns each)\n`);
  console.log(row(['', 'by path', 'through /proc/self/fd/N', 'ratio held/path']));
  console.log(row(['---', '---', '---', '---']));
  console.log(row(['status write', median(byPath).toFixed(1), median(held).toFixed(1), (median(held) / median(byPath)).toFixed(2)]));
  console.log(row(['spawn ./run (cwd)', median(cwdPath).toFixed(0), median(cwdHeld).toFixed(0), (median(cwdHeld) / median(cwdPath)).toFixed(2)]));
} finally {
  rmSync(base, {recursive: true, force: true});
}
