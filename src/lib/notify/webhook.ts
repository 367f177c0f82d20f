import {createHmac} from 'node:crypto';
import {closeSync, readFileSync, unlinkSync} from 'node:fs';
import {join} from 'node:path';
import {errorText} from '../cli/errno-text.js';
import type {Reporter} from '../cli/messages.js';
import type {WebhookSettings} from '../config/watchdog-config.js';
import {openTrusted} from '../security/trusted-path.js';
import {listSpoolFiles, moveToDead, readSpoolFile, writeSpoolFile} from '../sys/spool-dir.js';
import type {TimerHandle, Time} from '../time/time.js';

/**
 * Webhook delivery: one JSON POST per message, spooled first and retried like mail, so nothing
 * is lost while the receiver is down. Each message is a file in `stateDir/webhook-spool/`
 * (`UNIXMS-PID-N.json`, 0600, written atomically, never read through a symlink or when someone
 * else owns it): `{"url","secretFile"?,"body"}`. They are sent oldest first; a 2xx reply removes
 * one; a 4xx reply other than 408 and 429 is a refusal for good (moved to `dead/`, reported once);
 * anything else (no answer, 5xx) stops the round, which is tried again after RETRY_MS, doubling
 * up to MAX_RETRY_MS. With a `secretFile` (trusted like the config, read at each send, so it
 * is never copied into the spool) the request carries `X-Keepup-Signature: sha256=HEX`, the
 * HMAC-SHA256 of the body under the file's contents (a final newline removed).
 */
export const WEBHOOK_SPOOL_DIR = 'webhook-spool';
export const SIGNATURE_HEADER = 'x-keepup-signature';
export const RETRY_MS = 5000;
export const MAX_RETRY_MS = 300_000;
const REQUEST_TIMEOUT_MS = 10_000;

interface Spooled {
  readonly url: string;
  readonly secretFile?: string;
  readonly body: string;
}

/** `sha256=HEX`: the signature of `body` under `secret`. */
export function signature(secret: string | Buffer, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export interface WebhookQueueOptions {
  readonly stateDir: string;
  readonly time: Time;
  readonly reporter: Reporter;
  /** Owners a secret file may have. */
  readonly uids: readonly number[];
}

export class WebhookQueue {
  private readonly dir: string;
  private readonly options: WebhookQueueOptions;
  private sending: Promise<void> | undefined;
  private again = false;
  private timer: TimerHandle | undefined;
  private backoffMs = RETRY_MS;
  private stopped = false;
  private lastFailure: string | undefined;

  constructor(options: WebhookQueueOptions) {
    this.options = options;
    this.dir = join(options.stateDir, WEBHOOK_SPOOL_DIR);
  }

  /** Spools one message and starts sending; a spool that cannot be written is reported, and the POST tried once anyway. */
  enqueue(settings: WebhookSettings, body: string): void {
    const record: Spooled = {url: settings.url, ...(settings.secretFile !== undefined ? {secretFile: settings.secretFile} : {}), body};
    try {
      writeSpoolFile(this.dir, record, this.options.time.now());
    } catch (error) {
      this.options.reporter.warn(`unable to spool a webhook message in ${this.dir}: ${errorText(error)}; sending it once`);
      void this.post(record).catch((failure: unknown) => this.options.reporter.warn(`unable to deliver a webhook message to ${record.url}: ${String(failure)}`));
      return;
    }
    this.kick();
  }

  /** Sends what is spooled now (at start: what an earlier run left). */
  kick(): void {
    if (this.stopped) return;
    if (this.sending) {
      this.again = true;
      return;
    }
    if (this.timer !== undefined) this.options.time.clearTimeout(this.timer);
    this.timer = undefined;
    this.sending = this.round().finally(() => {
      this.sending = undefined;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  /** Resolves when the current round (if any) is over. */
  async idle(): Promise<void> {
    while (this.sending) await this.sending;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.options.time.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async round(): Promise<void> {
    for (const path of listSpoolFiles(this.dir)) {
      if (this.stopped) return;
      const record = readSpooled(path);
      if ('problem' in record) {
        this.options.reporter.warn(`webhook spool file ${path} is not a message keepup spooled (${record.problem}); left alone`);
        continue;
      }
      let status: number;
      try {
        status = await this.post(record);
      } catch (error) {
        return this.retryLater(record.url, error instanceof Error ? error.message : String(error));
      }
      if (status >= 200 && status < 300) {
        unlinkSync(path);
        this.backoffMs = RETRY_MS;
        this.lastFailure = undefined;
        continue;
      }
      if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
        const dead = moveToDead(this.dir, path);
        this.options.reporter.warn(`webhook ${record.url} refused a message for good (HTTP ${status}); moved to ${dead}`);
        continue;
      }
      return this.retryLater(record.url, `HTTP ${status}`);
    }
  }

  private retryLater(url: string, why: string): void {
    const text = `unable to deliver a webhook message to ${url}: ${why}; kept in ${this.dir}, retrying`;
    // One warning per outage, not one per retry.
    if (text !== this.lastFailure) this.options.reporter.warn(text);
    this.lastFailure = text;
    const wait = this.backoffMs;
    this.backoffMs = Math.min(MAX_RETRY_MS, this.backoffMs * 2);
    if (!this.stopped) this.timer = this.options.time.setTimeout(() => this.kick(), wait);
  }

  /** One POST; resolves with the HTTP status, rejects when there was no answer. */
  private post(record: Spooled): Promise<number> {
    const headers: Record<string, string> = {'content-type': 'application/json', 'user-agent': 'keepup'};
    if (record.secretFile !== undefined) {
      const secret = readSecret(record.secretFile, this.options.uids);
      if (typeof secret !== 'string') return Promise.reject(new Error(secret.problem));
      headers[SIGNATURE_HEADER] = signature(secret, record.body);
    }
    const url = new URL(record.url);
    // node:http and node:https are loaded at the first POST: a check pass that sends nothing saves ~8 ms of start-up.
    const request = url.protocol === 'https:' ? process.getBuiltinModule('node:https').request : process.getBuiltinModule('node:http').request;
    return new Promise((resolve, reject) => {
      const req = request(url, {method: 'POST', headers: {...headers, 'content-length': String(Buffer.byteLength(record.body))}, timeout: REQUEST_TIMEOUT_MS}, (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)));
      req.on('error', (error) => reject(new Error(errorText(error))));
      req.end(record.body);
    });
  }
}

/** The secret, read through a trusted path; a final newline is not part of it. */
function readSecret(path: string, uids: readonly number[]): string | {problem: string} {
  const opened = openTrusted(path, 'file', uids);
  if (!opened.ok) return {problem: `refusing secretFile ${path}: ${opened.problem}`};
  try {
    return readFileSync(opened.fd, 'utf8').replace(/\r?\n$/, '');
  } finally {
    closeSync(opened.fd);
  }
}

const NOT_A_MESSAGE = 'it does not hold a webhook message';

function readSpooled(path: string): Spooled | {problem: string} {
  let read: {value: unknown} | {problem: string};
  try {
    read = readSpoolFile(path, NOT_A_MESSAGE);
  } catch (error) {
    return {problem: errorText(error)};
  }
  if ('problem' in read) return read;
  const value = read.value as Partial<Spooled> | null;
  if (typeof value !== 'object' || value === null || typeof value.url !== 'string' || typeof value.body !== 'string') return {problem: NOT_A_MESSAGE};
  if (!(value.secretFile === undefined || typeof value.secretFile === 'string')) return {problem: NOT_A_MESSAGE};
  return {url: value.url, body: value.body, ...(value.secretFile !== undefined ? {secretFile: value.secretFile} : {})};
}
