import test from 'ava';
import {readdirSync, statSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {createMailer, deliveryError, type MailMessage} from '../../../src/lib/mailer/mailer.js';
import {flushSpool, listSpool, readSpooled, spoolMessage} from '../../../src/lib/mailer/spool.js';
import {mailText, startSmtp} from '../../helpers/smtp.js';
import {tmpDir} from '../../helpers/tmp.js';

const message = (n: number): MailMessage => ({
  from: 'keepup@example.org',
  to: ['root@localhost'],
  subject: `report ${n}`,
  text: `line ${n}\n`,
  date: new Date(1_700_000_000_000 + n).toISOString(),
});

test('spooled messages are private files, listed oldest first, read back whole', (t) => {
  const dir = join(tmpDir(t), 'spool');
  const later = spoolMessage(dir, message(2), 2000);
  const earlier = spoolMessage(dir, message(1), 1000);
  const same = spoolMessage(dir, message(3), 2000);
  t.deepEqual(listSpool(dir), [earlier, later, same]);
  t.is(statSync(later).mode & 0o777, 0o600);
  t.is(statSync(dir).mode & 0o777, 0o700);
  t.deepEqual(readSpooled(later), message(2));
  writeFileSync(join(dir, '5-5-5.json'), '{"not": "a message"}');
  t.is(readSpooled(join(dir, '5-5-5.json')), undefined);
  t.deepEqual(listSpool(join(dir, 'absent')), []);
});

test('flushing stops at the first failure and delivers everything in order once SMTP is back', async (t) => {
  const dir = join(tmpDir(t), 'spool');
  spoolMessage(dir, message(1), 1000);
  spoolMessage(dir, message(2), 2000);
  writeFileSync(join(dir, '1500-1-0.json'), 'garbage');
  const down = await startSmtp(t);
  await down.close();
  const failed = await flushSpool(dir, createMailer({kind: 'smtp', url: `smtp://127.0.0.1:${down.port}`}));
  t.deepEqual(failed.sent, []);
  t.is(failed.remaining, 3);
  t.regex(deliveryError(failed.failed?.error), /^ESOCKET: connect ECONNREFUSED/);
  t.is(readdirSync(dir).length, 3);

  const up = await startSmtp(t, down.port);
  const flushed = await flushSpool(dir, createMailer({kind: 'smtp', url: `smtp://127.0.0.1:${up.port}`}));
  t.is(flushed.sent.length, 2);
  t.is(flushed.failed, undefined);
  t.deepEqual(flushed.unreadable, [join(dir, '1500-1-0.json')]);
  t.deepEqual(up.received.map((mail) => /Subject: (.*)\r?\n/.exec(mail.raw)?.[1]), ['report 1', 'report 2']);
  t.regex(mailText(up.received[0]!.raw), /line 1/);
  t.deepEqual(readdirSync(dir), ['1500-1-0.json']);
});
