import test from 'ava';
import type {DaemonRule} from '../../../src/lib/config/watchdog-config.js';
import {formatSubject, type RestartRecord} from '../../../src/lib/watchdog/report.js';

const daemon = (name: string): DaemonRule => ({name, process: name, match: 'exact', script: name, args: [], diagnostics: []});
const base = (name: string): RestartRecord => ({daemon: daemon(name), time: 0, diagnostics: [], lastHour: 1, lastDay: 1});
const ran = (name: string): RestartRecord => ({...base(name), command: [`/s/${name}`], run: {output: '', truncated: false, ending: {kind: 'exited', code: 0}, elapsedMs: 1}});

test('the subject says restarted only for daemons whose script ran, and names the ones that could not be restarted', (t) => {
  const missing: RestartRecord = {...base('cupsd'), refused: 'unable to find start script /s/cupsd: file does not exist'};
  const unsafe: RestartRecord = {...base('exim4'), refused: 'refusing start script /s/exim4: it is group-writable'};
  const failed: RestartRecord = {
    ...base('lighttpd'),
    command: ['/s/lighttpd'],
    run: {output: '', truncated: false, ending: {kind: 'failed', error: Object.assign(new Error('x'), {code: 'ENOEXEC'})}, elapsedMs: 1},
  };
  t.is(formatSubject([ran('nginx'), ran('inetd')], 'h'), 'keepup on h: restarted nginx, inetd');
  t.is(formatSubject([ran('nginx'), missing], 'h'), 'keepup on h: restarted nginx; could not restart cupsd: no start script');
  t.is(formatSubject([unsafe], 'h'), 'keepup on h: could not restart exim4: start script refused');
  t.is(formatSubject([failed], 'h'), 'keepup on h: could not restart lighttpd: start script failed: ENOEXEC');
  t.is(formatSubject([missing, unsafe], 'h'), 'keepup on h: could not restart cupsd, exim4');
});
