// Service directory names are bytes: one that is not UTF-8 is supervised like any other, and
// messages print its bytes as they are, as daemontools does.
import test from 'ava';
import {spawnSync} from 'node:child_process';
import {chmodSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import * as status from '../../src/lib/status/codec.js';
import {startSvscan} from '../helpers/svscan.js';
import {tmpDir} from '../helpers/tmp.js';
import {PATIENT, waitFor} from '../helpers/wait-for.js';

const NAME = Buffer.from([0xff, 0xfe]);
const OTHER = Buffer.from([0x78, 0xff]);

function byteDir(parent: string, name: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${parent}/`), name]);
}

function makeByteService(parent: string, name: Buffer, files: Record<string, string> = {}): Buffer {
  const dir = byteDir(parent, name);
  mkdirSync(dir);
  const run = Buffer.concat([dir, Buffer.from('/run')]);
  writeFileSync(run, '#!/bin/sh\nexec sleep 1000\n');
  chmodSync(run, 0o755);
  for (const [file, text] of Object.entries(files)) writeFileSync(Buffer.concat([dir, Buffer.from(`/${file}`)]), text);
  return dir;
}

function pidIn(dir: Buffer): number {
  try {
    return status.unpack(readFileSync(Buffer.concat([dir, Buffer.from('/supervise/status')])))?.pid ?? 0;
  } catch {
    return 0;
  }
}

test('a service directory named with the bytes ff fe is supervised, and Debian svstat reports it up', async (t) => {
  const root = tmpDir(t, 'keepup-names-');
  const scanDir = join(root, 'service');
  mkdirSync(scanDir);
  const dir = makeByteService(scanDir, NAME);
  makeByteService(scanDir, OTHER, {log: 'not a directory'});
  const scanner = startSvscan(t, 'ours', scanDir, root);
  const pid = await waitFor(() => pidIn(dir), 'the service to run', PATIENT);
  // The name reaches svstat as its raw bytes through the shell's printf.
  const svstat = spawnSync('sh', ['-c', 'exec /usr/bin/svstat "$(printf "\\377\\376")"'], {cwd: scanDir});
  t.is(svstat.status, 0);
  t.regex(svstat.stdout.toString('latin1'), new RegExp(`^\\xff\\xfe: up \\(pid ${pid}\\) [0-9]+ seconds\\n$`));
  const expected = 'svscan: warning: x\xff/log is not a directory: running x\xff without a logger\n';
  await waitFor(() => scanner.stderr().includes(expected), 'the warning with the raw bytes', PATIENT);
  t.false(scanner.stderr().includes('unable to stat'));
  t.false(scanner.stderr().includes('\ufffd'));
});
