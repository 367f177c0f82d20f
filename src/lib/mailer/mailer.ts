import {accessSync, constants, statSync} from 'node:fs';
import {randomBytes} from 'node:crypto';
import {hostname} from 'node:os';
import {delimiter, isAbsolute, join} from 'node:path';
import type {Transporter} from 'nodemailer';

/**
 * Delivers one plain-text message through SMTP (smtp://, smtps://) or a sendmail program.
 * It knows nothing about what the message says.
 *
 * The message is composed here, not by nodemailer: the body goes as it is (`7bit`, or `8bit`
 * when it is not ASCII), never quoted-printable, so a plain mail reader shows it as written;
 * only a line longer than SMTP can carry (998 octets) is wrapped.
 */
export type SmtpTls = 'verify' | 'any' | 'plain';
export type TransportSpec = {kind: 'smtp'; url: string; tls?: SmtpTls} | {kind: 'sendmail'; path?: string};

export interface MailMessage {
  from: string;
  to: string[];
  subject: string;
  text: string;
  /** When the message was written (ISO 8601), kept across spooling. */
  date: string;
}

export interface Mailer {
  /** Resolves when the transport accepted the message; rejects with the transport's error. */
  send(message: MailMessage): Promise<void>;
  /** Says where mail goes, for messages: `smtp://host:25`, `sendmail /usr/sbin/sendmail`. */
  readonly description: string;
}

const TIMEOUTS = {connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 60_000};

/** Where MTAs put sendmail besides the PATH (cron's PATH is /usr/bin:/bin): Debian's exim4, postfix, nullmailer, msmtp-mta; BSD and old Unix. */
export const SENDMAIL_DIRS: readonly string[] = ['/usr/sbin', '/usr/lib', '/usr/local/sbin', '/sbin'];

/** The sendmail program to run: the first executable `sendmail` in PATH, then in SENDMAIL_DIRS; or every place tried. */
export function findSendmail(pathVariable: string | undefined, dirs: readonly string[] = SENDMAIL_DIRS): {path: string} | {tried: string[]} {
  const candidates = [...(pathVariable ?? '').split(delimiter).filter((dir) => isAbsolute(dir)), ...dirs].map((dir) => join(dir, 'sendmail'));
  const tried = [...new Set(candidates)];
  for (const candidate of tried) {
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return {path: candidate};
    } catch {
      // not here
    }
  }
  return {tried};
}

export interface MailerOptions {
  /** The PATH to look for sendmail in (the default transport); SENDMAIL_DIRS come after it. */
  path?: string;
  sendmailDirs?: readonly string[];
}

export function createMailer(spec: TransportSpec, options: MailerOptions = {}): Mailer {
  let transport: Promise<Transporter> | undefined;
  const sendmail = spec.kind === 'sendmail' ? (spec.path !== undefined ? {path: spec.path} : findSendmail(options.path ?? process.env.PATH, options.sendmailDirs)) : undefined;
  const tls = spec.kind === 'smtp' ? (spec.tls ?? 'verify') : undefined;
  // nodemailer is loaded on first use: most passes send nothing, and it is most of the start-up time.
  const open = async (): Promise<Transporter> => {
    const {default: nodemailer} = await import('nodemailer');
    if (spec.kind === 'smtp') {
      const security = tls === 'plain' ? {ignoreTLS: true} : tls === 'any' ? {tls: {rejectUnauthorized: false}} : {};
      // Built here: nodemailer.createTransport({url}) would drop every option but the URL's.
      const {default: SMTPTransport} = await import('nodemailer/lib/smtp-transport');
      return nodemailer.createTransport(new SMTPTransport({url: spec.url, ...TIMEOUTS, ...security}));
    }
    return nodemailer.createTransport({sendmail: true, newline: 'unix', path: sendmail && 'path' in sendmail ? sendmail.path : 'sendmail'});
  };
  const description = spec.kind === 'smtp' ? redact(spec.url) : sendmail && 'path' in sendmail ? `sendmail ${sendmail.path}` : 'sendmail';
  return {
    description,
    async send(message) {
      if (sendmail && 'tried' in sendmail) {
        throw Object.assign(new Error(`no sendmail program: tried ${sendmail.tried.join(', ')}; set mail.transport: sendmail:/PATH or smtp://HOST`), {code: 'ENOENT'});
      }
      transport ??= open();
      try {
        // nodemailer's types say a string; a list is what it sends to.
        const envelope = envelopeOf(message, spec.kind === 'smtp') as unknown as {from: string; to: string};
        await (await transport).sendMail({envelope, raw: composeMessage(message)});
      } catch (error) {
        throw tls !== undefined ? explainTls(error, tls) : error;
      }
    },
  };
}

/** A certificate failure says which setting decided it and what the others do. */
function explainTls(error: unknown, tls: SmtpTls): unknown {
  const value = error as {message?: string};
  if (typeof value.message !== 'string' || !/certificate|self.signed|unable to verify|SSL|TLS|handshake/i.test(value.message)) return error;
  value.message = `${value.message} (mail.tls: ${tls}; mail.tls: any accepts any certificate, plain sends without TLS)`;
  return error;
}

/** The bare addresses of a header value: `Admin <admin@example.org>` is admin@example.org; `root` stays root. */
export function addressOf(value: string): string {
  const angle = /<([^<>]*)>\s*$/.exec(value);
  return (angle ? angle[1]! : value).trim();
}

/**
 * The SMTP envelope: bare addresses (given as they are, nodemailer does not parse them again);
 * over SMTP a local name (`root`) is qualified with this host's name, as sendmail's
 * qualify_domain does, since SMTP servers refuse an unqualified RCPT TO.
 */
function envelopeOf(message: MailMessage, qualify: boolean): {from: string; to: string[]} {
  const bare = (value: string) => {
    const address = addressOf(value);
    return qualify && !address.includes('@') ? `${address}@${hostname()}` : address;
  };
  return {from: bare(message.from), to: message.to.map(bare)};
}

/** SMTP carries lines of at most 998 octets (RFC 5321 4.5.3.1.6); longer ones are cut there, at a character boundary. */
export const MAX_LINE_OCTETS = 998;

export function wrapLongLines(text: string): string[] {
  const out: string[] = [];
  for (const line of text.replace(/\r\n?/g, '\n').split('\n')) {
    let rest = line;
    while (Buffer.byteLength(rest) > MAX_LINE_OCTETS) {
      let cut = Math.min(rest.length, MAX_LINE_OCTETS);
      while (Buffer.byteLength(rest.slice(0, cut)) > MAX_LINE_OCTETS) cut--;
      // never split a surrogate pair
      if (/[\uD800-\uDBFF]/.test(rest.charAt(cut - 1))) cut--;
      out.push(rest.slice(0, cut));
      rest = rest.slice(cut);
    }
    out.push(rest);
  }
  return out;
}

/** A header value in RFC 2047 words when it is not ASCII. */
function headerText(value: string): string {
  const flat = value.replace(/[\r\n]+/g, ' ');
  if (/^[\x20-\x7e]*$/.test(flat)) return flat;
  return `=?UTF-8?B?${Buffer.from(flat, 'utf8').toString('base64')}?=`;
}

/** RFC 5322 date: `Wed, 02 Dec 2026 13:40:00 +0000`. */
function rfc5322Date(iso: string): string {
  return new Date(iso).toUTCString().replace(/GMT$/, '+0000');
}

/** The whole message, CRLF line ends: headers, then the body as written (7bit or 8bit). */
export function composeMessage(message: MailMessage): string {
  const lines = wrapLongLines(message.text);
  if (lines.at(-1) === '') lines.pop();
  const eightBit = /[^\p{ASCII}]/u.test(message.text);
  const headers = [
    `From: ${headerText(message.from)}`,
    `To: ${message.to.map(headerText).join(', ')}`,
    `Subject: ${headerText(message.subject)}`,
    `Date: ${rfc5322Date(message.date)}`,
    `Message-ID: <${randomBytes(12).toString('hex')}@${hostname()}>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    `Content-Transfer-Encoding: ${eightBit ? '8bit' : '7bit'}`,
  ];
  return `${headers.join('\r\n')}\r\n\r\n${lines.map((line) => `${line}\r\n`).join('')}`;
}

/** An SMTP URL without its password, fit for a message. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = 'xxx';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

/** The reason a delivery failed, in one line: errno text when there is one, else the message. */
export function deliveryError(error: unknown): string {
  const value = error as {code?: string; message?: string; response?: string};
  const first = (value.response ?? value.message ?? String(error)).split('\n')[0];
  return value.code ? `${value.code}: ${first}` : (first ?? 'unknown error');
}
