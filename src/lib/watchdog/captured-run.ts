import {spawn} from 'node:child_process';
import type {Readable} from 'node:stream';
import {systemTime, type Time} from '../time/time.js';
import {sendSignal} from '../sys/signals.js';

/**
 * Runs a program (argv, never a shell line) with stdin from /dev/null and collects what it
 * writes to stdout and stderr for at most `timeoutMs`. It never waits past the deadline: a
 * daemon left running by a start script may hold the pipes for ever, so at the deadline the
 * pipes are closed and the child is let go (or killed, for helpers the caller owns).
 */
export interface CapturedRun {
  /** Undefined when the program could not be started. */
  pid?: number;
  output: string;
  /** True when more than `maxOutput` bytes came and the rest was dropped. */
  truncated: boolean;
  ending: {kind: 'exited'; code: number} | {kind: 'killed'; signal: string} | {kind: 'running'} | {kind: 'failed'; error: NodeJS.ErrnoException};
  /** Milliseconds from the start to the end of collection. */
  elapsedMs: number;
}

export interface CaptureOptions {
  cwd: string;
  timeoutMs: number;
  /** Own session and process group, like `&` plus setsid: for start scripts. */
  detached: boolean;
  /** SIGKILL the child (its group when detached) at the deadline instead of letting it go. */
  killAtDeadline: boolean;
  env?: NodeJS.ProcessEnv;
  maxOutput?: number;
  /** The deadline's timer and the elapsed time. Default systemTime. */
  time?: Time;
}

export function runCaptured(argv: readonly string[], options: CaptureOptions): Promise<CapturedRun> {
  const time = options.time ?? systemTime;
  const started = time.now();
  const maxOutput = options.maxOutput ?? 64 * 1024;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    let ending: CapturedRun['ending'] = {kind: 'running'};
    let openStreams = 2;
    let exited = false;
    let done = false;
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: options.cwd,
      detached: options.detached,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: options.env ?? process.env,
    });
    const finish = () => {
      if (done) return;
      done = true;
      time.clearTimeout(timer);
      for (const stream of [child.stdout, child.stderr]) stream?.destroy();
      if (!exited && ending.kind === 'running' && options.killAtDeadline) sendSignal(child.pid, 'SIGKILL', options.detached);
      child.unref();
      resolve({
        ...(child.pid !== undefined ? {pid: child.pid} : {}),
        output: Buffer.concat(chunks).toString('utf8'),
        truncated,
        ending,
        elapsedMs: time.now() - started,
      });
    };
    const timer = time.setTimeout(finish, options.timeoutMs);
    const collect = (stream: Readable | null) => {
      stream?.on('data', (chunk: Buffer) => {
        if (size >= maxOutput) {
          truncated = true;
          return;
        }
        const room = maxOutput - size;
        if (chunk.length > room) truncated = true;
        chunks.push(chunk.subarray(0, room));
        size += Math.min(chunk.length, room);
      });
      stream?.on('error', () => {});
      stream?.on('close', () => {
        openStreams--;
        if (openStreams === 0 && exited) finish();
      });
    };
    collect(child.stdout);
    collect(child.stderr);
    child.on('error', (error) => {
      ending = {kind: 'failed', error};
      exited = true;
      finish();
    });
    child.on('exit', (code, signal) => {
      exited = true;
      ending = signal !== null ? {kind: 'killed', signal} : {kind: 'exited', code: code ?? 0};
      if (openStreams === 0) finish();
    });
  });
}
