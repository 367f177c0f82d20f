import {spawn} from 'node:child_process';
import {errorText} from '../cli/errno-text.js';
import {checkTrustedPath} from '../security/trusted-path.js';
import type {Time} from '../time/time.js';
import type {Notification} from './message.js';
import {sendSignal} from '../sys/signals.js';

/**
 * The exec hook: `notify.exec` (an argument vector, never a shell line) run once per message,
 * with the message as JSON on stdin and as environment variables: KEEPUP_SERVICE, KEEPUP_EVENT
 * (the kind of the newest event), KEEPUP_EVENTS (how many it tells of), KEEPUP_TIME (the newest
 * event's), KEEPUP_HOST, KEEPUP_SUBJECT, KEEPUP_REASON (when the newest event has one). It gets
 * HOOK_TIMEOUT_MS; then its process group is killed. The program must pass the trust rule (root's
 * or the invoking user's, written by nobody else, the whole path). Resolves with what went wrong,
 * or undefined: a failing hook is reported by the caller, never fatal.
 */
export const HOOK_TIMEOUT_MS = 30_000;

export interface HookOptions {
  readonly time: Time;
  readonly uids: readonly number[];
  readonly env: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
}

export function runHook(argv: readonly string[], notification: Notification, options: HookOptions): Promise<string | undefined> {
  const program = argv[0]!;
  const trusted = checkTrustedPath(program, 'executable', options.uids);
  if (!trusted.ok) return Promise.resolve(`refusing to run ${program}: ${trusted.problem}`);
  const newest = notification.events.at(-1)!;
  const env: NodeJS.ProcessEnv = {
    ...options.env,
    KEEPUP_SERVICE: notification.service,
    KEEPUP_EVENT: newest.kind,
    KEEPUP_EVENTS: String(notification.events.length),
    KEEPUP_TIME: newest.time,
    KEEPUP_HOST: notification.host,
    KEEPUP_SUBJECT: notification.subject,
    ...(newest.reason !== undefined ? {KEEPUP_REASON: newest.reason} : {}),
  };
  const timeoutMs = options.timeoutMs ?? HOOK_TIMEOUT_MS;
  return new Promise((resolve) => {
    const child = spawn(program, argv.slice(1), {env, stdio: ['pipe', 'ignore', 'pipe'], detached: true});
    let stderr = '';
    let timedOut = false;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      if (stderr.length < 2000) stderr += chunk;
    });
    child.stdin.on('error', () => {
      // A hook that does not read its stdin is fine.
    });
    child.stdin.end(`${JSON.stringify(notification)}\n`);
    const timer = options.time.setTimeout(() => {
      timedOut = true;
      sendSignal(child.pid, 'SIGKILL', true);
    }, timeoutMs);
    child.on('error', (error) => {
      options.time.clearTimeout(timer);
      resolve(`unable to run ${program}: ${errorText(error)}`);
    });
    child.on('close', (code, signal) => {
      options.time.clearTimeout(timer);
      const said = stderr.trim().split('\n').at(-1);
      if (timedOut) return resolve(`${program} still running after ${timeoutMs / 1000} s: killed`);
      if (signal) return resolve(`${program} killed by ${signal}${said ? `: ${said}` : ''}`);
      resolve(code === 0 ? undefined : `${program} exited ${code}${said ? `: ${said}` : ''}`);
    });
  });
}
