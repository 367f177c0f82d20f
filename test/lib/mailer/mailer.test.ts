// The mailer against real peers: smtp-server on loopback (plain and STARTTLS with a self-signed
// certificate made here by openssl) and stand-in sendmail programs found the way cron's PATH needs.
import test from 'ava';
import {chmodSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {hostname} from 'node:os';
import {join} from 'node:path';
import {createMailer, findSendmail, MAX_LINE_OCTETS, SENDMAIL_DIRS, wrapLongLines, type MailMessage} from '../../../src/lib/mailer/mailer.js';
import {selfSignedCertificate, startSmtp} from '../../helpers/smtp.js';
import {tmpDir} from '../../helpers/tmp.js';

const message = (text: string, to: string[] = ['root@localhost']): MailMessage => ({
  from: 'keepup@example.org',
  to,
  subject: 'keepup on h: restarted x',
  text,
  date: new Date(1_700_000_000_000).toISOString(),
});

function standIn(dir: string, log: string): string {
  mkdirSync(dir, {recursive: true});
  const path = join(dir, 'sendmail');
  writeFileSync(path, `#!/bin/sh\nprintf '%s\\n' "$@" > "${log}.argv"\ncat > "${log}"\n`);
  chmodSync(path, 0o755);
  return path;
}

test('sendmail is found outside a cron PATH of /usr/bin:/bin, in the sbin directories', async (t) => {
  const dir = tmpDir(t);
  const sbin = join(dir, 'usr', 'sbin');
  const log = join(dir, 'message');
  const path = standIn(sbin, log);
  t.deepEqual(findSendmail('/usr/bin:/bin', [join(dir, 'nothing'), sbin]), {path});
  const mailer = createMailer({kind: 'sendmail'}, {path: '/usr/bin:/bin', sendmailDirs: [sbin]});
  t.is(mailer.description, `sendmail ${path}`);
  await mailer.send(message('hello\n'));
  t.regex(readFileSync(log, 'utf8'), /\n\nhello\n$/);
  t.is(readFileSync(`${log}.argv`, 'utf8'), '-i\n-f\nkeepup@example.org\nroot@localhost\n');
});

test('the real lookup order: PATH first, then /usr/sbin and /usr/lib; a failure names every binary tried', async (t) => {
  const dir = tmpDir(t);
  const first = standIn(join(dir, 'bin'), join(dir, 'm'));
  t.deepEqual(findSendmail(`relative:${join(dir, 'bin')}:/usr/bin`), {path: first});
  t.deepEqual(SENDMAIL_DIRS.slice(0, 2), ['/usr/sbin', '/usr/lib']);
  const none = findSendmail(join(dir, 'empty'), [join(dir, 'a'), join(dir, 'b')]);
  t.deepEqual(none, {tried: [join(dir, 'empty', 'sendmail'), join(dir, 'a', 'sendmail'), join(dir, 'b', 'sendmail')]});
  const mailer = createMailer({kind: 'sendmail'}, {path: join(dir, 'empty'), sendmailDirs: [join(dir, 'a')]});
  const error = await t.throwsAsync(mailer.send(message('x\n')));
  t.is(error?.message, `no sendmail program: tried ${join(dir, 'empty', 'sendmail')}, ${join(dir, 'a', 'sendmail')}; set mail.transport: sendmail:/PATH or smtp://HOST`);
});

test('STARTTLS with a self-signed certificate: refused under tls verify (the error names the setting), delivered under any, plain sends without TLS', async (t) => {
  const smtp = await startSmtp(t, 0, {tls: selfSignedCertificate(tmpDir(t))});
  const url = `smtp://127.0.0.1:${smtp.port}`;
  const error = await t.throwsAsync(createMailer({kind: 'smtp', url, tls: 'verify'}).send(message('one\n')));
  t.regex(error?.message ?? '', /self[- ]signed certificate.*\(mail\.tls: verify; mail\.tls: any accepts any certificate, plain sends without TLS\)$/);
  t.is(smtp.received.length, 0);
  await createMailer({kind: 'smtp', url, tls: 'any'}).send(message('two\n'));
  await createMailer({kind: 'smtp', url, tls: 'plain'}).send(message('three\n'));
  t.deepEqual(
    smtp.received.map((mail) => [mail.secure, /\r\n\r\n(.*)\r\n$/.exec(mail.raw)?.[1]]),
    [
      [true, 'two'],
      [false, 'three'],
    ],
  );
});

test('the body goes as written: 8bit, no quoted-printable for long lines; only lines over 998 octets are wrapped', async (t) => {
  const smtp = await startSmtp(t);
  const ps = `root  1234  0.0  0.1  12345  6789 ?  Ss  10:00  0:00 /usr/sbin/nginx -g daemon on; master_process on; key=value ${'x'.repeat(40)}`;
  const huge = 'é'.repeat(600);
  await createMailer({kind: 'smtp', url: `smtp://127.0.0.1:${smtp.port}`}).send(message(`Restarting nginx\n${ps}\n${huge}\n`));
  const raw = smtp.received[0]!.raw;
  t.regex(raw, /\r\nContent-Transfer-Encoding: 8bit\r\n/);
  const body = raw.slice(raw.indexOf('\r\n\r\n') + 4);
  t.is(body, `Restarting nginx\r\n${ps}\r\n${'é'.repeat(499)}\r\n${'é'.repeat(101)}\r\n`);
  t.deepEqual(
    wrapLongLines('a'.repeat(MAX_LINE_OCTETS + 1)).map((line) => line.length),
    [MAX_LINE_OCTETS, 1],
  );
});

test('recipients as cron MAILTO takes them: a local name and "Name <address>"; over SMTP the local name is qualified with the host', async (t) => {
  const smtp = await startSmtp(t);
  await createMailer({kind: 'smtp', url: `smtp://127.0.0.1:${smtp.port}`}).send(message('hi\n', ['root', 'Admin <admin@example.org>']));
  t.deepEqual(smtp.received[0]!.to, [`root@${hostname()}`, 'admin@example.org']);
  t.regex(smtp.received[0]!.raw, /\r\nTo: root, Admin <admin@example.org>\r\n/);
  const dir = tmpDir(t);
  const log = join(dir, 'message');
  const path = standIn(join(dir, 'sbin'), log);
  await createMailer({kind: 'sendmail', path}).send(message('hi\n', ['root', 'Admin <admin@example.org>']));
  t.is(readFileSync(`${log}.argv`, 'utf8'), '-i\n-f\nkeepup@example.org\nroot\nadmin@example.org\n');
});
