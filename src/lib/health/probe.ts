import {spawn} from 'node:child_process';
import {statSync} from 'node:fs';
import type {Agent as HttpAgent, ClientRequest, IncomingMessage, request as httpRequest} from 'node:http';
import {connect} from 'node:net';
import {join} from 'node:path';
import {errnoText} from '../cli/errno-text.js';
import {errnoCode} from '../sys/errno.js';
import type {Time} from '../time/time.js';
import {sendSignal} from '../sys/signals.js';

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

/**
 * Idle connections kept per target (scheme, host, port) between checks. Checks of one target
 * reuse them (most recent first) instead of opening a connection each time: the connect, the
 * server's accept and the close were most of a check's CPU (bench/health.bench.ts). As many as
 * may run at once: with fewer, a round of checks of many services behind one target closed and
 * opened most of them again (measured: 2 kept 70% of the checks on a reused connection, 16 kept 92%).
 */
const IDLE_SOCKETS_PER_TARGET = 16;
/** An idle connection is closed after this long unused (and never keeps keepup's event loop alive). */
const IDLE_SOCKET_MS = 30_000;
/** Connections per target at once; the monitor runs at most 16 checks at once anyway. */
const SOCKETS_PER_TARGET = 16;

interface HttpTarget {
  readonly url: URL;
  readonly request: typeof httpRequest;
  readonly agent: HttpAgent;
}

const agents = new Map<string, HttpAgent>();
const targets = new Map<string, HttpTarget>();

/** The parsed URL and the keep-alive agent of its target, made once per configured URL. */
function httpTarget(text: string): HttpTarget {
  let target = targets.get(text);
  if (target) return target;
  const url = new URL(text);
  const https = url.protocol === 'https:';
  let agent = agents.get(url.origin);
  if (!agent) {
    const options = {keepAlive: true, maxSockets: SOCKETS_PER_TARGET, maxFreeSockets: IDLE_SOCKETS_PER_TARGET, timeout: IDLE_SOCKET_MS, scheduling: 'lifo' as const};
    // node:http and node:https are loaded by the first HTTP check, not by every keepup start.
    agent = https ? new (process.getBuiltinModule('node:https').Agent)(options) : new (process.getBuiltinModule('node:http').Agent)(options);
    agents.set(url.origin, agent);
  }
  target = {url, request: https ? process.getBuiltinModule('node:https').request : process.getBuiltinModule('node:http').request, agent};
  targets.set(text, target);
  return target;
}

const HEADERS = {'user-agent': 'keepup-health'};

/** A reused idle connection the server had closed meanwhile: not the service's fault, tried once more on a new one. */
const STALE_CONNECTION = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

function http(probe: Extract<HealthProbe, {kind: 'http'}>, finish: Finish): () => void {
  const target = httpTarget(probe.url);
  let request: ClientRequest;
  // Once an answer came, its connection is left to finish and go back to the agent (not destroyed).
  let answered = false;
  const judge = (response: IncomingMessage, body: string): void => {
    answered = true;
    const status = response.statusCode ?? 0;
    const statusOk = probe.status !== undefined ? status === probe.status : status >= 200 && status < 300;
    if (!statusOk) return finish({ok: false, reason: `HTTP ${status}${probe.status !== undefined ? ` (expected ${probe.status})` : ''}`});
    if (probe.body !== undefined && !body.includes(probe.body)) return finish({ok: false, reason: `HTTP ${status} without ${JSON.stringify(probe.body)} in the answer`});
    finish({ok: true});
  };
  const attempt = (retry: boolean): void => {
    request = target.request(target.url, {method: 'GET', agent: target.agent, headers: HEADERS});
    request.on('response', (response) => {
      if (probe.body === undefined) {
        // Read to the end, so that the connection goes back to the agent for the next check.
        response.resume();
        response.on('error', () => {});
        return judge(response, '');
      }
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
        if (body.length >= BODY_LIMIT) {
          judge(response, body);
          response.destroy();
        } else if (body.includes(probe.body ?? '')) {
          judge(response, body);
          response.removeAllListeners('data');
          response.resume();
        }
      });
      response.on('end', () => judge(response, body));
      response.on('error', (error) => finish({ok: false, reason: reasonOf(error)}));
    });
    // A connection that stalls after the answer is judged is not kept for ever.
    request.setTimeout(IDLE_SOCKET_MS, () => request.destroy());
    request.on('error', (error) => {
      if (answered) return;
      if (retry && request.reusedSocket && STALE_CONNECTION.has(errnoCode(error) ?? '')) return attempt(false);
      finish({ok: false, reason: reasonOf(error)});
    });
    request.end();
  };
  attempt(true);
  return () => {
    if (!answered) request.destroy();
  };
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
    if (!exited) sendSignal(child.pid, 'SIGKILL', true);
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
