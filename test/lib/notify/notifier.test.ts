import test from 'ava';
import {chmodSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import type {NotifySettings} from '../../../src/lib/config/watchdog-config.js';
import {EventBus} from '../../../src/lib/events/event.js';
import {runHook} from '../../../src/lib/notify/exec.js';
import {composeNotification} from '../../../src/lib/notify/message.js';
import {Notifier, THROTTLE_FILE} from '../../../src/lib/notify/notifier.js';
import type {MailMessage} from '../../../src/lib/mailer/mailer.js';
import {FakeTime} from '../../helpers/fake-time.js';
import {mailText, startSmtp} from '../../helpers/smtp.js';
import {tmpDir} from '../../helpers/tmp.js';
import {waitFor} from '../../helpers/wait-for.js';

interface World {
  readonly stateDir: string;
  readonly time: FakeTime;
  readonly warnings: string[];
  readonly sent: MailMessage[];
}

/** A notifier in `world`: mail to a real SMTP server on `mail.port`, else collected in `sent`. */
function notifierIn(world: World, settings: NotifySettings, options: {mail?: {port: number}; persistThrottle?: boolean} = {}) {
  const {mail} = options;
  const notifier = new Notifier({
    host: 'box',
    stateDir: world.stateDir,
    time: world.time,
    reporter: {warn: (message) => world.warnings.push(message)},
    uids: [0, process.getuid!()],
    env: {PATH: process.env.PATH},
    settings: () => settings,
    mail: () => ({to: ['ops@example.org'], from: 'keepup@box', transport: mail ? {kind: 'smtp', url: `smtp://127.0.0.1:${mail.port}`, tls: 'any'} : {kind: 'sendmail'}}),
    logTail: () => 'line one\nline two\n',
    ...(mail ? {} : {createMailer: () => ({description: 'test', send: async (message: MailMessage) => void world.sent.push(message)})}),
    ...(options.persistThrottle ? {persistThrottle: true} : {}),
  });
  const bus = new EventBus(() => world.time.now(), {warn: (message) => world.warnings.push(message)});
  bus.subscribe((event) => notifier.handle(event));
  return {notifier, bus};
}

function setup(t: Parameters<typeof tmpDir>[0], settings: NotifySettings, mail?: {port: number}) {
  const world: World = {stateDir: tmpDir(t), time: new FakeTime(Date.parse('2026-12-02T10:00:00Z')), warnings: [], sent: []};
  const {notifier, bus} = notifierIn(world, settings, mail ? {mail} : {});
  t.teardown(() => notifier.stop());
  return {...world, notifier, bus};
}

test('throttle: the first message at once, the rest summarised and counted when the throttle ends; unwanted kinds never', async (t) => {
  const {time, sent, notifier, bus} = setup(t, {events: ['restarted', 'gave-up'], throttleMs: 600_000, mail: true});
  bus.emit({service: 'web', kind: 'exited', source: 'supervise', code: 3, uptime: 0.1});
  bus.emit({service: 'web', kind: 'restarting', source: 'supervise', delay: 1});
  await notifier.idle();
  t.is(sent.length, 1);
  t.regex(sent[0]!.subject, /^keepup on box: web restarted$/);
  t.regex(sent[0]!.text, /last exit: .* exited: exit code 3, up 0\.1 s/);
  t.regex(sent[0]!.text, /last lines of its log:\n {4}line one\n {4}line two\n/);
  time.advance(1000);
  bus.emit({service: 'web', kind: 'restarting', source: 'supervise', delay: 2});
  bus.emit({service: 'web', kind: 'started', source: 'supervise', pid: 5});
  bus.emit({service: 'web', kind: 'gave-up', source: 'supervise', reason: 'started 10 times within 300 s'});
  bus.emit({service: 'db', kind: 'gave-up', source: 'supervise', reason: 'x'});
  await notifier.idle();
  t.is(sent.length, 2, 'another service is not throttled by the first');
  t.regex(sent[1]!.subject, /db gave up restarting/);
  time.advance(598_999);
  await notifier.idle();
  t.is(sent.length, 2);
  time.advance(1);
  await notifier.idle();
  t.is(sent.length, 3);
  t.regex(sent[2]!.subject, /web gave up restarting \(2 events\)/);
  t.regex(sent[2]!.text, /2 events since the last message \(1 restarting, 1 gave-up\)/);
});

test('events from check mode are not mailed (its pass mails its own report)', async (t) => {
  const {sent, notifier, bus} = setup(t, {events: ['gave-up'], throttleMs: 0, mail: true});
  bus.emit({service: 'cron', kind: 'gave-up', source: 'check', reason: 'r'});
  await notifier.idle();
  t.is(sent.length, 0);
});

test('a real SMTP server down: the message is spooled, and delivered by the retry once it is up', async (t) => {
  const smtp = await startSmtp(t);
  const port = smtp.port;
  await smtp.close();
  const {time, notifier, bus, warnings, stateDir} = setup(t, {events: ['gave-up'], throttleMs: 0, mail: true}, {port});
  bus.emit({service: 'web', kind: 'gave-up', source: 'supervise', reason: 'r'});
  await notifier.idle();
  t.regex(warnings.join('\n'), new RegExp(`unable to send mail via smtp://127.0.0.1:${port}: .*; kept in ${stateDir}/spool/`));
  const again = await startSmtp(t, port);
  time.advance(60_000);
  await waitFor(() => again.received.length === 1, 'the spooled mail');
  await notifier.idle();
  t.regex(mailText(again.received[0]!.raw), /web on box: gave up restarting/);
});

test('exec hook: the event in the environment and as JSON on stdin; a failure is reported; a hung hook is killed at its time limit', async (t) => {
  const dir = tmpDir(t);
  const out = join(dir, 'out');
  const hook = join(dir, 'hook');
  writeFileSync(hook, `#!/bin/sh\n{ echo "$KEEPUP_SERVICE $KEEPUP_EVENT $KEEPUP_EVENTS $KEEPUP_REASON"; cat; } > "${out}"\nexit 4\n`);
  chmodSync(hook, 0o755);
  const time = new FakeTime();
  const notification = composeNotification('box', 'web', [{time: '2026-12-02T10:00:00.000Z', service: 'web', kind: 'gave-up', source: 'supervise', reason: 'too many'}], {});
  const problem = await runHook([hook], notification, {time, uids: [0, process.getuid!()], env: {PATH: process.env.PATH}});
  t.is(problem, `${hook} exited 4`);
  const [line, json] = readFileSync(out, 'utf8').split('\n');
  t.is(line, 'web gave-up 1 too many');
  t.like(JSON.parse(json!), {version: 1, host: 'box', service: 'web', counts: {'gave-up': 1}});
  const hung = join(dir, 'hung');
  writeFileSync(hung, '#!/bin/sh\nexec sleep 600\n');
  chmodSync(hung, 0o755);
  const pending = runHook([hung], notification, {time, uids: [0, process.getuid!()], env: {PATH: process.env.PATH}, timeoutMs: 5000});
  await waitFor(() => time.delays().includes(5000), 'the time limit armed');
  time.advance(5000);
  t.is(await pending, `${hung} still running after 5 s: killed`);
  chmodSync(hung, 0o777);
  t.regex((await runHook([hung], notification, {time, uids: [0], env: {}})) ?? '', /^refusing to run .*hung: .*writable/);
});

test('persistThrottle: one process per pass still throttles; what was held back goes out, summarised, at the first pass after the throttle', async (t) => {
  const world: World = {stateDir: tmpDir(t), time: new FakeTime(Date.parse('2026-12-02T10:00:00Z')), warnings: [], sent: []};
  const {stateDir, time, sent, warnings} = world;
  const settings: NotifySettings = {events: ['restarted', 'gave-up'], throttleMs: 600_000, mail: true};
  /** One check pass: a notifier of its own, the events it emits, then its stop. */
  const pass = async (events: ReadonlyArray<Parameters<EventBus['emit']>[0]>) => {
    const {notifier, bus} = notifierIn(world, settings, {persistThrottle: true});
    notifier.start();
    for (const event of events) bus.emit(event);
    await notifier.stop();
  };
  const restarted = {service: 'web', kind: 'restarted', source: 'supervise'} as const;
  await pass([restarted]);
  t.is(sent.length, 1, 'the first at once');
  time.advance(60_000);
  await pass([restarted]);
  time.advance(60_000);
  await pass([restarted, {service: 'web', kind: 'gave-up', source: 'supervise', reason: 'started 3 times within 300 s'}]);
  t.is(sent.length, 1, 'held back by the throttle across processes, not sent at each shutdown');
  const saved = JSON.parse(readFileSync(join(stateDir, THROTTLE_FILE), 'utf8')) as Record<string, {pending: unknown[]}>;
  t.is(saved.web!.pending.length, 3);
  t.is((statSync(join(stateDir, THROTTLE_FILE)).mode & 0o777).toString(8), '600');
  time.advance(480_000);
  await pass([]);
  t.is(sent.length, 2, 'due at the first pass after the throttle, with no new event');
  t.regex(sent[1]!.subject, /web .*\(3 events\)/);
  t.regex(sent[1]!.text, /3 events since the last message \(2 restarted, 1 gave-up\)/);
  time.advance(60_000);
  await pass([]);
  t.is(sent.length, 2, 'sent once');
  t.deepEqual(warnings, []);
});
