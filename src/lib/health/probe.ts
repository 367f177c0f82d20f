import {spawn} from 'node:child_process';
import {statSync} from 'node:fs';
import {request as httpRequest, type IncomingMessage} from 'node:http';
import {request as httpsRequest} from 'node:https';
import {connect} from 'node:net';
import {join} from 'node:path';
import {errnoText} from '../cli/errno-text.js';
import {errnoCode} from '../sys/errno.js';
import type {Time} from '../time/time.js';

/**
 * One health check of a daemon, as the config names it. A check opens nothing but what it names:
 * the one URL, the one address, the one command (no shell), the one log directory's `current`.
 */
export type HealthProbe =
  | {readonly kind: 'http'; readonly url: string; readonly status?: number; readonly body?: string}
  | {readonly kind: 'tcp'; readonly host: string; readonly port: number}
  | {readonly kind: 'command'; readonly argv: readonly string[]}
  | {readonly kind: 'logSilence'; readonly seconds: number; readonly dirs: readonly string[]};

export type ProbeResult = {readonly ok: true} | {readonly ok: false; readonly reason: string};

export interface ProbeOptions {
  /** The check is cut (and counts as failed) this long after it began. */
  readonly timeoutMs: number;
  readonly time: Time;
  /** A command check runs as this account (the daemon's user); undefined: keepup's own. */
  readonly account?: {readonly uid: number; readonly gid: number};
  /** Environment of a command check. */
  readonly env?: NodeJS.ProcessEnv;
}

/** How much of an HTTP answer is read to look for the expected body text. */
const BODY_LIMIT = 64 * 1024;

/** Runs one probe; never throws: every problem is a failed result with its reason. */
export function runProbe(probe: HealthProbe, options: ProbeOptions): Promise<ProbeResult> {
  if (probe.kind === 'logSilence') return Promise.resolve(logSilence(probe, options.time.now()));
  return new Promise<ProbeResult>((resolve) => {
    let settled = false;
    let cleanup: () => void = () => {};
    const finish = (result: ProbeResult): void => {
      if (settled) return;
      settled = true;
      options.time.clearTimeout(timer);
      cleanup();
      resolve(result);
    };
    const timer = options.time.setTimeout(() => finish({ok: false, reason: `no answer within ${options.timeoutMs / 1000} s`}), options.timeoutMs);
    try {
      if (probe.kind === 'http') cleanup = http(probe, finish);
      else if (probe.kind === 'tcp') cleanup = tcp(probe, finish);
      else cleanup = command(probe, options, finish);
    } catch (error) {
      finish({ok: false, reason: reasonOf(error)});
    }
  });
}

type Finish = (result: ProbeResult) => void;

function http(probe: Extract<HealthProbe, {kind: 'http'}>, finish: Finish): () => void {
  const url = new URL(probe.url);
  const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {method: 'GET', agent: false, headers: {'user-agent': 'keepup-health', connection: 'close'}});
  const judge = (response: IncomingMessage, body: string): void => {
    const status = response.statusCode ?? 0;
    const statusOk = probe.status !== undefined ? status === probe.status : status >= 200 && status < 300;
    if (!statusOk) return finish({ok: false, reason: `HTTP ${status}${probe.status !== undefined ? ` (expected ${probe.status})` : ''}`});
    if (probe.body !== undefined && !body.includes(probe.body)) return finish({ok: false, reason: `HTTP ${status} without ${JSON.stringify(probe.body)} in the answer`});
    finish({ok: true});
  };
  request.on('response', (response) => {
    if (probe.body === undefined) {
      response.resume();
      response.on('error', () => {});
      return judge(response, '');
    }
    let body = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      body += chunk;
      if (body.length >= BODY_LIMIT || body.includes(probe.body ?? '')) {
        judge(response, body);
        response.destroy();
      }
    });
    response.on('end', () => judge(response, body));
    response.on('error', (error) => finish({ok: false, reason: reasonOf(error)}));
  });
  request.on('error', (error) => finish({ok: false, reason: reasonOf(error)}));
  request.end();
  return () => request.destroy();
}

function tcp(probe: Extract<HealthProbe, {kind: 'tcp'}>, finish: Finish): () => void {
  const socket = connect({host: probe.host, port: probe.port});
  socket.on('connect', () => finish({ok: true}));
  socket.on('error', (error) => finish({ok: false, reason: reasonOf(error)}));
  return () => socket.destroy();
}

function command(probe: Extract<HealthProbe, {kind: 'command'}>, options: ProbeOptions, finish: Finish): () => void {
  const [file, ...args] = probe.argv;
  if (file === undefined) throw new Error('empty command');
  const child = spawn(file, args, {
    stdio: 'ignore',
    shell: false,
    detached: true,
    ...(options.env ? {env: options.env} : {}),
    ...(options.account ? {uid: options.account.uid, gid: options.account.gid} : {}),
  });
  let exited = false;
  child.on('error', (error) => finish({ok: false, reason: `${file}: ${reasonOf(error)}`}));
  child.on('exit', (code, signal) => {
    exited = true;
    if (code === 0) finish({ok: true});
    else finish({ok: false, reason: `${file} ${signal !== null ? `killed by ${signal}` : `exited ${code}`}`});
  });
  return () => {
    // A check cut at its timeout takes its whole process group along.
    if (!exited && child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
}

/** Unhealthy when no log directory's `current` changed for `seconds`. */
function logSilence(probe: Extract<HealthProbe, {kind: 'logSilence'}>, nowMs: number): ProbeResult {
  let latest = 0;
  for (const dir of probe.dirs) {
    try {
      latest = Math.max(latest, statSync(join(dir, 'current')).mtimeMs);
    } catch {
      // no log yet in this directory
    }
  }
  if (latest === 0) return {ok: false, reason: 'no log written yet'};
  const silentMs = nowMs - latest;
  if (silentMs > probe.seconds * 1000) return {ok: false, reason: `no log line for ${Math.floor(silentMs / 1000)} s`};
  return {ok: true};
}

/** Runs the probes in order; the first failure is the verdict. */
export async function runProbes(probes: readonly HealthProbe[], options: ProbeOptions): Promise<ProbeResult> {
  for (const probe of probes) {
    const result = await runProbe(probe, options);
    if (!result.ok) return {ok: false, reason: `${probe.kind}: ${result.reason}`};
  }
  return {ok: true};
}

/** djb's words for an errno, else the error's own message (`socket hang up`). */
function reasonOf(error: unknown): string {
  const text = errnoText(errnoCode(error));
  if (text !== 'unknown error') return text;
  return error instanceof Error ? error.message : String(error);
}
