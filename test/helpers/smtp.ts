import {execFileSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {once} from 'node:events';
import type {AddressInfo} from 'node:net';
import {SMTPServer} from 'smtp-server';
import type {ExecutionContext} from 'ava';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  secure: boolean;
}

export interface SmtpSink {
  port: number;
  received: ReceivedMail[];
  close(): Promise<void>;
}

/** A real SMTP server on 127.0.0.1 (port 0 unless told) that keeps every message; closed at test end. `secure` tells whether it came over TLS. */
export async function startSmtp(t: ExecutionContext, port = 0, options: {tls?: {key: string; cert: string}} = {}): Promise<SmtpSink> {
  const received: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    // With a key and certificate it offers STARTTLS, as a stock exim4 does with its snakeoil certificate.
    disabledCommands: options.tls ? ['AUTH'] : ['STARTTLS', 'AUTH'],
    ...(options.tls ?? {}),
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          secure: session.secure,
        });
        callback();
      });
    },
  });
  server.listen(port, '127.0.0.1');
  await once(server.server, 'listening');
  let closed = false;
  const close = () =>
    closed
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          closed = true;
          server.close(() => resolve());
        });
  t.teardown(close);
  return {port: (server.server.address() as AddressInfo).port, received, close};
}

/** The body of a raw message with quoted-printable soft breaks undone. */
export function mailText(raw: string): string {
  return raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** A self-signed certificate for CN=localhost made with openssl, as Debian's snakeoil one. */
export function selfSignedCertificate(dir: string): {key: string; cert: string} {
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '2', '-keyout', key, '-out', cert], {stdio: 'ignore'});
  return {key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8')};
}
