// The signal wiring keepup cron and keepup supervise share, driven through an EventEmitter
// standing for the process (the bins' tests send the real signals).
import test from 'ava';
import {EventEmitter} from 'node:events';
import {residentSignals} from '../../../src/lib/keepup/resident-signals.js';

function wired(command: string) {
  const signals = new EventEmitter();
  const calls: string[] = [];
  const warnings: string[] = [];
  let resolved = false;
  const stopped = residentSignals({signals, reporter: {warn: (message) => warnings.push(message)}}, command, {
    reload: () => calls.push('reload'),
    alarm: () => calls.push('alarm'),
    stop: () => calls.push('stop'),
  }).then(() => {
    resolved = true;
  });
  return {signals, calls, warnings, stopped, isResolved: () => resolved};
}

test('HUP reloads and ALRM runs the work now, as often as they come, until TERM', async (t) => {
  const w = wired('keepup cron');
  w.signals.emit('SIGHUP');
  w.signals.emit('SIGALRM');
  w.signals.emit('SIGHUP');
  t.deepEqual(w.calls, ['reload', 'alarm', 'reload']);
  await Promise.resolve();
  t.false(w.isResolved());
  w.signals.emit('SIGTERM');
  await w.stopped;
  t.deepEqual(w.calls, ['reload', 'alarm', 'reload', 'stop']);
});

test('after the first TERM or INT, HUP, ALRM and further stops do nothing, and the handlers stay', async (t) => {
  const w = wired('keepup supervise');
  w.signals.emit('SIGINT');
  await w.stopped;
  w.signals.emit('SIGHUP');
  w.signals.emit('SIGALRM');
  w.signals.emit('SIGTERM');
  w.signals.emit('SIGINT');
  t.deepEqual(w.calls, ['stop']);
  for (const signal of ['SIGHUP', 'SIGALRM', 'SIGTERM', 'SIGINT']) t.is(w.signals.listenerCount(signal), 1, signal);
});

test('a stray signal is reported with the command name and ignored', async (t) => {
  const w = wired('keepup supervise');
  w.signals.emit('SIGUSR2');
  w.signals.emit('SIGQUIT');
  t.deepEqual(w.warnings, ['ignoring SIGUSR2: SIGTERM stops keepup supervise, SIGHUP reloads the config', 'ignoring SIGQUIT: SIGTERM stops keepup supervise, SIGHUP reloads the config']);
  t.deepEqual(w.calls, []);
  t.false(w.isResolved());
});
