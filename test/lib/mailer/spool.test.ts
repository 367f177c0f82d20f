import test from 'ava';
import {chownSync, existsSync, readdirSync, statSync, symlinkSync, writeFileSync} from 'node:fs';
import {SMTPServer} from 'smtp-server';
import {once} from 'node:events';
import type {AddressInfo} from 'node:net';
import {join} from 'node:path';
import {createMailer, deliveryError, type MailMessage} from '../../../src/lib/mailer/mailer.js';
import {DEAD_AFTER_MS, flushSpool, listSpool, readSpooled, spoolMessage} from '../../../src/lib/mailer/spool.js';
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
  t.deepEqual(readSpooled(later), {message: message(2)});
  writeFileSync(join(dir, '5-5-5.json'), '{"not": "a message"}', {mode: 0o600});
  t.deepEqual(readSpooled(join(dir, '5-5-5.json')), {problem: 'it does not hold a message'});
  t.deepEqual(listSpool(join(dir, 'absent')), []);
});

test('flushing stops at the first failure and delivers everything in order once SMTP is back', async (t) => {
  const dir = join(tmpDir(t), 'spool');
  spoolMessage(dir, message(1), 1000);
  spoolMessage(dir, message(2), 2000);
  writeFileSync(join(dir, '1500-1-0.json'), 'garbage', {mode: 0o600});
  const down = await startSmtp(t);
  await down.close();
  const failed = await flushSpool(dir, createMailer({kind: 'smtp', url: `smtp://127.0.0.1:${down.port}`}), {now: 3000});
  t.deepEqual(failed.sent, []);
  t.is(failed.remaining, 3);
  t.regex(deliveryError(failed.failed?.error), /^ESOCKET: connect ECONNREFUSED/);
  t.is(readdirSync(dir).length, 3);

  const up = await startSmtp(t, down.port);
  const flushed = await flushSpool(dir, createMailer({kind: 'smtp', url: `smtp://127.0.0.1:${up.port}`}), {now: 3000});
  t.is(flushed.sent.length, 2);
  t.is(flushed.failed, undefined);
  t.deepEqual(flushed.unreadable, [{path: join(dir, '1500-1-0.json'), problem: 'it does not hold a message'}]);
  t.deepEqual(
    up.received.map((mail) => /Subject: (.*)\r?\n/.exec(mail.raw)?.[1]),
    ['report 1', 'report 2'],
  );
  t.regex(mailText(up.received[0]!.raw), /line 1/);
  t.deepEqual(readdirSync(dir), ['1500-1-0.json']);
});

/** An SMTP server on loopback that answers 554 to RCPT TO for `refused` and keeps the rest. */
async function rejectingSmtp(t: import('ava').ExecutionContext, refused: string): Promise<{port: number; subjects: string[]}> {
  const subjects: string[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (address.address === refused) {
        callback(Object.assign(new Error('5.7.1 no such user here'), {responseCode: 554}));
        return;
      }
      callback();
    },
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        subjects.push(/Subject: (.*)\r?\n/.exec(Buffer.concat(chunks).toString('utf8'))?.[1] ?? '');
        callback();
      });
    },
  });
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return {port: (server.server.address() as AddressInfo).port, subjects};
}

test('a message refused with 554 moves to dead/ once and the later messages are still delivered', async (t) => {
  const dir = join(tmpDir(t), 'spool');
  spoolMessage(dir, message(1), 1000);
  const bad = spoolMessage(dir, {...message(2), to: ['nobody@invalid.example']}, 2000);
  spoolMessage(dir, message(3), 3000);
  const smtp = await rejectingSmtp(t, 'nobody@invalid.example');
  const mailer = createMailer({kind: 'smtp', url: `smtp://127.0.0.1:${smtp.port}`});
  const first = await flushSpool(dir, mailer, {now: 4000});
  t.is(first.sent.length, 2);
  t.is(first.failed, undefined);
  t.deepEqual(
    first.dead.map((dead) => [dead.path, dead.why]),
    [[join(dir, 'dead', bad.slice(dir.length + 1)), 'refused']],
  );
  t.regex(deliveryError(first.dead[0]!.error), /554/);
  t.deepEqual(smtp.subjects, ['report 1', 'report 3']);
  t.deepEqual(readdirSync(dir), ['dead']);
  t.is(statSync(join(dir, 'dead')).mode & 0o777, 0o700);
  // Reported once: the next flush neither retries nor reports it.
  const second = await flushSpool(dir, mailer, {now: 5000});
  t.deepEqual([second.sent, second.dead, second.failed], [[], [], undefined]);
  t.true(existsSync(first.dead[0]!.path));
});

test('a message still undeliverable after the retry age moves to dead/; a younger one stays and stops the flush', async (t) => {
  const dir = join(tmpDir(t), 'spool');
  const old = spoolMessage(dir, message(1), 1000);
  const young = spoolMessage(dir, message(2), 1000 + DEAD_AFTER_MS);
  const down = await startSmtp(t);
  await down.close();
  const result = await flushSpool(dir, createMailer({kind: 'smtp', url: `smtp://127.0.0.1:${down.port}`}), {now: 1000 + DEAD_AFTER_MS});
  t.deepEqual(
    result.dead.map((dead) => dead.why),
    ['expired'],
  );
  t.false(existsSync(old));
  t.is(result.failed?.path, young);
  t.deepEqual(listSpool(dir), [young]);
});

test('a spool file that another user wrote or planted as a symlink is never mailed', async (t) => {
  const base = tmpDir(t);
  const dir = join(base, 'spool');
  spoolMessage(dir, message(1), 1000);
  const forged = join(dir, '1500-1-0.json');
  writeFileSync(forged, `${JSON.stringify({...message(9), to: ['victim@example.org'], subject: 'forged'})}\n`, {mode: 0o600});
  chownSync(forged, 65534, 65534);
  const target = join(base, 'elsewhere.json');
  writeFileSync(target, `${JSON.stringify({...message(8), subject: 'through a link'})}\n`, {mode: 0o600});
  symlinkSync(target, join(dir, '1600-1-0.json'));
  const wide = join(dir, '1700-1-0.json');
  writeFileSync(wide, `${JSON.stringify(message(7))}\n`, {mode: 0o644});
  const up = await startSmtp(t);
  const result = await flushSpool(dir, createMailer({kind: 'smtp', url: `smtp://127.0.0.1:${up.port}`}), {now: 2000});
  t.deepEqual(result.unreadable, [
    {path: forged, problem: 'it is owned by uid 65534, not by uid 0'},
    {path: join(dir, '1600-1-0.json'), problem: 'it is a symlink'},
    {path: wide, problem: 'its mode is 0644, not 0600'},
  ]);
  t.deepEqual(
    up.received.map((mail) => /Subject: (.*)\r?\n/.exec(mail.raw)?.[1]),
    ['report 1'],
  );
});
