import type {Transporter} from 'nodemailer';

/**
 * Delivers one plain-text message through SMTP (smtp://, smtps://) or a sendmail program.
 * It knows nothing about what the message says.
 */
export type TransportSpec = {kind: 'smtp'; url: string} | {kind: 'sendmail'; path?: string};

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
  /** Says where mail goes, for messages: `smtp://host:25`, `sendmail`. */
  readonly description: string;
}

const TIMEOUTS = {connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 60_000};

export function createMailer(spec: TransportSpec): Mailer {
  let transport: Promise<Transporter> | undefined;
  // nodemailer is loaded on first use: most passes send nothing, and it is most of the start-up time.
  const open = async (): Promise<Transporter> => {
    const {default: nodemailer} = await import('nodemailer');
    return spec.kind === 'smtp'
      ? nodemailer.createTransport({url: spec.url, ...TIMEOUTS} as Parameters<typeof nodemailer.createTransport>[0])
      : nodemailer.createTransport({sendmail: true, newline: 'unix', ...(spec.path ? {path: spec.path} : {})});
  };
  return {
    description: spec.kind === 'smtp' ? redact(spec.url) : spec.path ? `sendmail ${spec.path}` : 'sendmail',
    async send(message) {
      transport ??= open();
      await (
        await transport
      ).sendMail({
        from: message.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        date: new Date(message.date),
      });
    },
  };
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
