// tai64nlocal in every TZ form localtime(3) knows, differential against Debian's tai64nlocal
// (daemontools linked against glibc): zone files (plain, `:`-prefixed, absolute, under TZDIR,
// the right/ zones with leap seconds), POSIX rule strings (Mm.w.d, Jn and n days, times,
// quoted names, southern hemisphere), unset, empty and unusable values; stamps around DST
// transitions, leap seconds, before 1970 and after the TZif files' last transition.
import test from 'ava';
import {bin} from '../helpers/paths.js';
import {run} from '../helpers/processes.js';

const TAI_BASE = 2n ** 62n + 10n;
const label = (t: number, ns = 123456789) => `@${(TAI_BASE + BigInt(t)).toString(16).padStart(16, '0')}${ns.toString(16).padStart(8, '0')}`;

const utc = (iso: string) => Date.parse(`${iso}Z`) / 1000;
const around = (t: number, spread: readonly number[] = [-3601, -3600, -1, 0, 1, 3599, 3600]) => spread.map((d) => t + d);

const STAMPS = [
  0,
  1,
  -1,
  utc('1800-06-01T00:00:00'),
  utc('1900-01-01T00:00:00'),
  utc('1965-07-01T12:00:00'),
  utc('1969-12-31T23:00:00'),
  ...around(utc('2024-03-10T07:00:00')),
  ...around(utc('2024-11-03T06:00:00')),
  ...around(utc('2024-03-31T01:00:00')),
  ...around(utc('2024-10-27T01:00:00')),
  ...around(utc('2024-04-07T16:00:00')),
  ...around(utc('2024-10-05T16:00:00')),
  ...around(utc('2040-03-11T07:00:00')),
  ...around(utc('2040-11-04T06:00:00')),
  utc('2100-02-28T12:00:00'),
  utc('2100-03-01T12:00:00'),
  utc('2024-02-29T12:00:00'),
  utc('2024-03-01T02:30:00'),
  utc('2023-03-01T02:30:00'),
  utc('2024-10-26T12:00:00'),
  // Leap seconds: right/ time_t counts them (the 27th, at the end of 2016, and the first, mid-1972).
  ...around(utc('2017-01-01T00:00:00'), [23, 24, 25, 26, 27, 28, 29]),
  ...around(utc('1972-07-01T00:00:00'), [-1, 0, 1, 2]),
  utc('2030-06-15T12:00:00'),
];
const INPUT = STAMPS.map((t, i) => `${label(t, i * 1000)} line ${i}\n`).join('');

const ZONES = [
  'UTC',
  'America/New_York',
  ':America/New_York',
  '/usr/share/zoneinfo/Asia/Tokyo',
  ':/usr/share/zoneinfo/Europe/Paris',
  'Europe/London',
  'Australia/Sydney',
  'Asia/Kolkata',
  'America/Sao_Paulo',
  'Pacific/Chatham',
  'EST5EDT',
  'CET',
  'right/UTC',
  'right/America/New_York',
  'right/Europe/Berlin',
  ':right/Australia/Sydney',
  'EST5EDT,M3.2.0,M11.1.0',
  'CET-1CEST,M3.5.0,M10.5.0/3',
  'AEST-10AEDT,M10.1.0,M4.1.0/3',
  '<+0330>-3:30',
  '<-03>3',
  '<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45',
  'XXX3YYY,J60/2,J300/2',
  'XXX3YYY,59/1:30,299/1:30',
  'XXX3YYY,J1/0,J365/25',
  'IST-2IDT,M3.4.4/26,M10.5.0',
  'WGT3WGST,M3.5.0/-2,M10.5.0/-1',
  'EST+05:00:30',
  'ABC-14',
  'ABC3DEF2,M4.1.0,M10.5.0',
  '',
  'Nonexistent/Zone',
  'garbage',
  'A1',
  '<AB>5',
];

for (const zone of ZONES) {
  test(`TZ=${JSON.stringify(zone)}: the same local times as Debian's tai64nlocal`, async (t) => {
    const env = {PATH: '/usr/bin:/bin', TZ: zone};
    const [ours, theirs] = await Promise.all([run(process.execPath, [bin('tai64nlocal')], {input: INPUT, env}), run('/usr/bin/tai64nlocal', [], {input: INPUT, env})]);
    t.is(theirs.code, 0);
    t.is(ours.code, 0, ours.stderr);
    t.is(ours.stdout, theirs.stdout);
  });
}

test("TZ unset (/etc/localtime) and TZDIR: the same as Debian's tai64nlocal", async (t) => {
  for (const env of [{PATH: '/usr/bin:/bin'}, {PATH: '/usr/bin:/bin', TZDIR: '/usr/share/zoneinfo/right', TZ: 'America/Chicago'}]) {
    const [ours, theirs] = await Promise.all([run(process.execPath, [bin('tai64nlocal')], {input: INPUT, env}), run('/usr/bin/tai64nlocal', [], {input: INPUT, env})]);
    t.is(ours.stdout, theirs.stdout, JSON.stringify(env));
  }
});

test('a right/ zone shows the leap second as :60, as glibc does', async (t) => {
  const leap = utc('2017-01-01T00:00:00') + 26;
  const ours = await run(process.execPath, [bin('tai64nlocal')], {input: `${label(leap, 0)} x\n`, env: {TZ: 'right/UTC'}});
  t.is(ours.stdout, '2016-12-31 23:59:60.000000000 x\n');
});
