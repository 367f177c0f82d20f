import {closeSync, constants, fstatSync, openSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {errorText} from '../cli/errno-text.js';
import type {Reporter} from '../cli/messages.js';
import {DEFAULT_NOTIFY, type MailSettings, type NotifySettings} from '../config/watchdog-config.js';
import {parseEvent, type KeepupEvent} from '../events/event.js';
import {createMailer, deliveryError, type Mailer, type MailerOptions, type MailMessage, type TransportSpec} from '../mailer/mailer.js';
import {deadLetter, flushSpool, isPermanentFailure, spoolMessage} from '../mailer/spool.js';
import {isErrno} from '../sys/errno.js';
import {writeFileAtomicSync} from '../sys/fs-atomic.js';
import type {TimerHandle, Time} from '../time/time.js';
import {SPOOL_DIR} from '../watchdog/state-dir.js';
import {runHook} from './exec.js';
import {composeNotification, wanted, type Notification} from './message.js';
import {WebhookQueue} from './webhook.js';

/**
 * Turns events into messages: mail (through the config's `mail:` and its spool), a webhook
 * (webhook.ts) and an exec hook (exec.ts), per each service's `notify:` settings. Throttled per
 * service: the first wanted event of a quiet service goes out at once; those within `throttle`
 * after a message wait, and go out together, counted, when the throttle ends. Nothing is dropped:
 * the event log has every event, and a summary names every event it stands for.
 *
 * A check pass mails its own report, so events from check mode (`source: check`) go to the
 * webhook and the exec hook only. Delivery never throws: failures are warnings, mail and webhook
 * messages are spooled and retried (the mail spool also by every check pass).
 */
export interface NotifierOptions {
  readonly host: string;
  readonly stateDir: string;
  readonly time: Time;
  readonly reporter: Reporter;
  readonly uids: readonly number[];
  readonly env: NodeJS.ProcessEnv;
  /** The service's notify settings (its daemon's, else the config's, else the defaults). */
  readonly settings: (service: string) => NotifySettings | undefined;
  /** The config's `mail:` now; undefined: no mail. */
  readonly mail: () => MailSettings | undefined;
  /** The last lines of a service's log, when it has one. */
  readonly logTail?: (service: string) => string | undefined;
  readonly createMailer?: (spec: TransportSpec, options: MailerOptions) => Mailer;
  /**
   * Keep the throttle across processes (a check pass is one): `start` reads
   * `stateDir/THROTTLE_FILE` and `stop` writes it, holding back what is still within a
   * service's throttle instead of sending it at shutdown. A summary whose throttle has ended by
   * the next pass goes out then, with or without new events.
   */
  readonly persistThrottle?: boolean;
}

/** The throttle state a check pass leaves for the next one (JSON, mode 0600). */
export const THROTTLE_FILE = 'notify-throttle';

/** How often the mail spool is retried while it holds something. */
export const MAIL_RETRY_MS = 60_000;

interface Throttle {
  lastSent: number;
  pending: KeepupEvent[];
  timer: TimerHandle | undefined;
}

export class Notifier {
  private readonly options: NotifierOptions;
  private readonly throttles = new Map<string, Throttle>();
  private readonly lastExit = new Map<string, KeepupEvent>();
  private readonly webhooks: WebhookQueue;
  private readonly inflight = new Set<Promise<void>>();
  private mailer: {spec: string; mailer: Mailer} | undefined;
  private mailRetry: TimerHandle | undefined;
  private stopped = false;
  /** The throttles changed since they were read (persistThrottle: only then is the file written). */
  private throttleChanged = false;

  constructor(options: NotifierOptions) {
    this.options = options;
    this.webhooks = new WebhookQueue({stateDir: options.stateDir, time: options.time, reporter: options.reporter, uids: options.uids});
  }

  /** Sends what earlier runs left spooled (and, persisting the throttle, the summaries now due). */
  start(): void {
    this.webhooks.kick();
    if (!this.options.persistThrottle) return;
    const now = this.options.time.now();
    for (const [service, saved] of readThrottles(join(this.options.stateDir, THROTTLE_FILE), this.options.reporter)) {
      const throttle: Throttle = {lastSent: saved.lastSent, pending: saved.pending, timer: undefined};
      this.throttles.set(service, throttle);
      if (throttle.pending.length === 0) continue;
      const due = throttle.lastSent + (this.options.settings(service) ?? DEFAULT_NOTIFY).throttleMs - now;
      if (due <= 0) this.flushThrottle(service, throttle);
      else throttle.timer = this.options.time.setTimeout(() => this.flushThrottle(service, throttle), due);
    }
  }

  /** An EventBus listener. */
  handle(event: KeepupEvent): void {
    if (this.stopped) return;
    if (event.kind === 'exited') this.lastExit.set(event.service, event);
    const settings = this.options.settings(event.service) ?? DEFAULT_NOTIFY;
    if (!wanted(settings.events, event)) return;
    const now = this.options.time.now();
    this.throttleChanged = true;
    let throttle = this.throttles.get(event.service);
    if (throttle === undefined || now - throttle.lastSent >= settings.throttleMs) {
      throttle ??= {lastSent: now, pending: [], timer: undefined};
      throttle.lastSent = now;
      this.throttles.set(event.service, throttle);
      this.send(event.service, [event], settings);
      return;
    }
    throttle.pending.push(event);
    if (throttle.timer === undefined) {
      const entry = throttle;
      entry.timer = this.options.time.setTimeout(() => this.flushThrottle(event.service, entry), Math.max(0, entry.lastSent + settings.throttleMs - now));
    }
  }

  /** Resolves when every message under way has been handed over (or spooled). */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.all([...this.inflight]);
    await this.webhooks.idle();
  }

  /** Sends the summaries still waiting for their throttle, then stops (shutdown). */
  async stop(): Promise<void> {
    if (this.options.persistThrottle) this.saveThrottles();
    else for (const [service, throttle] of this.throttles) this.flushThrottle(service, throttle);
    this.stopped = true;
    await this.idle();
    this.webhooks.stop();
    if (this.mailRetry !== undefined) this.options.time.clearTimeout(this.mailRetry);
    this.mailRetry = undefined;
  }

  /** Writes what is still within its throttle for the next process; what is due is sent now. */
  private saveThrottles(): void {
    const now = this.options.time.now();
    const kept: Record<string, {lastSent: number; pending: KeepupEvent[]}> = {};
    for (const [service, throttle] of this.throttles) {
      if (throttle.timer !== undefined) this.options.time.clearTimeout(throttle.timer);
      throttle.timer = undefined;
      const throttleMs = (this.options.settings(service) ?? DEFAULT_NOTIFY).throttleMs;
      if (throttle.pending.length > 0 && now - throttle.lastSent >= throttleMs) this.flushThrottle(service, throttle);
      if (now - throttle.lastSent < throttleMs) kept[service] = {lastSent: throttle.lastSent, pending: throttle.pending};
    }
    // A pass that sent and held back nothing leaves the file to the run that did (a concurrent one).
    if (!this.throttleChanged) return;
    const path = join(this.options.stateDir, THROTTLE_FILE);
    try {
      writeFileAtomicSync(path, Buffer.from(`${JSON.stringify(kept)}\n`), {mode: 0o600});
    } catch (error) {
      // The held-back events are in the event log; sending them now beats losing them.
      this.options.reporter.warn(`unable to write ${path}: ${errorText(error)}; sending what the throttle held back now`);
      for (const [service, throttle] of this.throttles) this.flushThrottle(service, throttle);
    }
  }

  private flushThrottle(service: string, throttle: Throttle): void {
    if (throttle.timer !== undefined) this.options.time.clearTimeout(throttle.timer);
    throttle.timer = undefined;
    if (throttle.pending.length === 0 || this.stopped) return;
    const events = throttle.pending;
    this.throttleChanged = true;
    throttle.pending = [];
    throttle.lastSent = this.options.time.now();
    this.send(service, events, this.options.settings(service) ?? DEFAULT_NOTIFY);
  }

  private send(service: string, events: KeepupEvent[], settings: NotifySettings): void {
    const lastExit = this.lastExit.get(service);
    let logTail: string | undefined;
    try {
      logTail = this.options.logTail?.(service);
    } catch {
      logTail = undefined;
    }
    const notification = composeNotification(this.options.host, service, events, {...(lastExit ? {lastExit} : {}), ...(logTail ? {logTail} : {})});
    const fromCheck = events.every((event) => event.source === 'check');
    const mail = this.options.mail();
    if (settings.mail && mail && !fromCheck) this.track(this.mail(mail, notification));
    if (settings.webhook) this.webhooks.enqueue(settings.webhook, JSON.stringify(notification));
    if (settings.exec) {
      const argv = settings.exec;
      this.track(
        runHook(argv, notification, {time: this.options.time, uids: this.options.uids, env: this.options.env}).then((problem) => {
          if (problem !== undefined) this.options.reporter.warn(`notify exec hook: ${problem}`);
        }),
      );
    }
  }

  private track(work: Promise<void>): void {
    const tracked = work.catch((error: unknown) => this.options.reporter.warn(`notification failed: ${String(error)}`)).finally(() => this.inflight.delete(tracked));
    this.inflight.add(tracked);
  }

  private mailerFor(mail: MailSettings): Mailer {
    const spec = JSON.stringify(mail.transport);
    if (this.mailer?.spec !== spec)
      this.mailer = {spec, mailer: (this.options.createMailer ?? createMailer)(mail.transport, this.options.env.PATH !== undefined ? {path: this.options.env.PATH} : {})};
    return this.mailer.mailer;
  }

  private async mail(mail: MailSettings, notification: Notification): Promise<void> {
    const mailer = this.mailerFor(mail);
    const now = this.options.time.now();
    const message: MailMessage = {from: mail.from, to: mail.to, subject: notification.subject, text: notification.text, date: new Date(now).toISOString()};
    const spool = join(this.options.stateDir, SPOOL_DIR);
    try {
      await mailer.send(message);
      return;
    } catch (error) {
      let where: string;
      try {
        where = isPermanentFailure(error) ? `refused for good; kept in ${deadLetter(spool, message, now)}` : `kept in ${spoolMessage(spool, message, now)}, retrying`;
      } catch (spoolError) {
        where = `and unable to spool it in ${spool}: ${errorText((spoolError as {cause?: unknown}).cause ?? spoolError)}`;
      }
      this.options.reporter.warn(`unable to send mail via ${mailer.description}: ${deliveryError(error)}; ${where}`);
      this.scheduleMailRetry(mail);
    }
  }

  private scheduleMailRetry(mail: MailSettings): void {
    if (this.mailRetry !== undefined || this.stopped) return;
    this.mailRetry = this.options.time.setTimeout(() => {
      this.mailRetry = undefined;
      this.track(this.retryMail(mail));
    }, MAIL_RETRY_MS);
  }

  private async retryMail(mail: MailSettings): Promise<void> {
    const spool = join(this.options.stateDir, SPOOL_DIR);
    const result = await flushSpool(spool, this.mailerFor(mail), {now: this.options.time.now()});
    if (result.failed) this.scheduleMailRetry(mail);
  }
}

/** The throttles a previous process left; none when there is no file or it is not ours (a warning). */
function readThrottles(path: string, reporter: Reporter): Map<string, {lastSent: number; pending: KeepupEvent[]}> {
  const throttles = new Map<string, {lastSent: number; pending: KeepupEvent[]}>();
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    if (!isErrno(error, 'ENOENT')) reporter.warn(`unable to read ${path}: ${errorText(error)}; the throttle starts afresh`);
    return throttles;
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile() || stats.uid !== (process.geteuid?.() ?? 0) || (stats.mode & 0o022) !== 0) {
      reporter.warn(`ignoring ${path}: not a private file of this user; the throttle starts afresh`);
      return throttles;
    }
    const raw = JSON.parse(readFileSync(fd, 'utf8')) as unknown;
    if (typeof raw !== 'object' || raw === null) return throttles;
    for (const [service, value] of Object.entries(raw as Record<string, unknown>)) {
      const entry = value as {lastSent?: unknown; pending?: unknown};
      if (typeof entry !== 'object' || entry === null || typeof entry.lastSent !== 'number' || !Array.isArray(entry.pending)) continue;
      const pending = entry.pending.map((event) => parseEvent(JSON.stringify(event))).filter((event): event is KeepupEvent => event !== undefined && event.service === service);
      throttles.set(service, {lastSent: entry.lastSent, pending});
    }
  } catch {
    reporter.warn(`ignoring ${path}: not a throttle record; the throttle starts afresh`);
  } finally {
    closeSync(fd);
  }
  return throttles;
}
