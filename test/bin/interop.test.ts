// Interoperability with Debian's daemontools 0.76, both directions: the same scenario is played
// with every pairing of supervisor (ours, real) and tools (svc/svstat/svok: ours, real), and the
// svstat transcripts, normalised as rts.tests does (pid x, x seconds), must be identical.
// Not tested here: the 1 s deepsleep of the real supervise (our throttle never holds control).
import test, {type ExecutionContext} from 'ava';
import {existsSync} from 'node:fs';
import {join} from 'node:path';
import {addService, makeService, normalise} from '../helpers/service-dir.js';
import {startSupervise, stderrOf, tool, waitForStatus, type Side} from '../helpers/supervisors.js';
import {PATIENT, waitFor} from '../helpers/wait-for.js';

async function scenario(t: ExecutionContext, supervisor: Side, tools: Side): Promise<string[]> {
  const {parent, dir} = makeService(t);
  const downDir = addService(parent, 'd1', {down: true});
  const transcript: string[] = [];
  const svc = async (flags: string, name = 's1') => {
    const result = await tool(tools, 'svc', [flags, name], parent);
    transcript.push(`svc ${flags} ${name}: rc ${result.code} ${result.stderr}`);
  };
  const svstat = async (...names: string[]) => {
    const result = await tool(tools, 'svstat', names, parent);
    transcript.push(normalise(result.stdout) + `rc ${result.code}`);
  };
  const svok = async (name = 's1') => transcript.push(`svok ${name}: rc ${(await tool(tools, 'svok', [name], parent)).code}`);

  await svstat('s1');
  await svok();
  startSupervise(t, supervisor, parent, 's1');
  startSupervise(t, supervisor, parent, 'd1');
  await waitFor(async () => (await tool(tools, 'svok', ['s1'], parent)).code === 0, 'svok s1', PATIENT);
  await waitFor(async () => (await tool(tools, 'svok', ['d1'], parent)).code === 0, 'svok d1', PATIENT);
  const first = await waitForStatus(dir, (r) => r.pid > 0, 's1 up');
  await svok();
  await svstat('s1', 'd1');
  await svc('-p');
  await waitForStatus(dir, (r) => r.paused, 'paused');
  await svstat('s1');
  await svc('-c');
  await waitForStatus(dir, (r) => !r.paused, 'continued');
  await svc('-d');
  await waitForStatus(dir, (r) => r.pid === 0 && r.want === 'down', 's1 down');
  await svstat('s1');
  await svc('-u');
  const second = await waitForStatus(dir, (r) => r.pid > 0 && r.pid !== first.pid, 's1 up again');
  await svstat('s1');
  await svc('-d');
  await waitForStatus(dir, (r) => r.pid === 0, 's1 down again');
  await svc('-o');
  await waitForStatus(dir, (r) => r.pid > 0 && r.pid !== second.pid, 's1 once');
  await svstat('s1');
  await svc('-u', 'd1');
  await waitForStatus(downDir, (r) => r.pid > 0, 'd1 up');
  await svstat('d1');
  await svc('-dx', 'd1');
  await waitFor(async () => (await tool(tools, 'svok', ['d1'], parent)).code === 100, 'd1 supervisor gone', PATIENT);
  await svstat('d1');
  await svc('-x');
  await svok();
  await svc('-k');
  await waitFor(async () => (await tool(tools, 'svok', ['s1'], parent)).code === 100, 's1 supervisor gone', PATIENT);
  await svstat('s1', 'nonexistent');
  await svok();
  await svc('-u');
  return transcript;
}

/** The reference: daemontools against daemontools, played in the same test (tests stay independent). */
function realTranscript(t: ExecutionContext): Promise<string[]> {
  return scenario(t, 'real', 'real');
}

test('real svc/svstat/svok against our supervise: same transcript as against the real supervise', async (t) => {
  const [expected, actual] = await Promise.all([realTranscript(t), scenario(t, 'ours', 'real')]);
  t.deepEqual(actual, expected);
  t.true(
    expected.some((line) => line.includes('paused')),
    'the scenario exercises pause',
  );
});

test('our svc/svstat/svok against the real supervise: same transcript as the real tools', async (t) => {
  const [expected, actual] = await Promise.all([realTranscript(t), scenario(t, 'real', 'ours')]);
  t.deepEqual(actual, expected);
});

test('ours against ours: same transcript as daemontools against daemontools', async (t) => {
  const [expected, actual] = await Promise.all([realTranscript(t), scenario(t, 'ours', 'ours')]);
  t.deepEqual(actual, expected);
});

for (const [first, second] of [
  ['ours', 'real'],
  ['real', 'ours'],
] as Array<[Side, Side]>) {
  test(`${first} supervise holds the lock: ${second} supervise refuses with the same message`, async (t) => {
    const {parent, dir} = makeService(t);
    startSupervise(t, first, parent, 's1');
    await waitForStatus(dir, (r) => r.pid > 0, 'first supervisor up');
    const refused = await tool(second, 'supervise', ['s1'], parent);
    t.is(refused.code, 111);
    t.is(refused.stderr, 'supervise: fatal: unable to acquire s1/supervise/lock: temporary failure\n');
  });
}

test('a missing run: the same line from ours and the real supervise, repeated', async (t) => {
  const lines: string[] = [];
  for (const side of ['real', 'ours'] as Side[]) {
    const {parent} = makeService(t, {run: null}, `m-${side}`);
    const child = startSupervise(t, side, parent, `m-${side}`);
    await waitFor(() => stderrOf(child).split('\n').length > 2, `${side}: two failures`, {timeoutMs: 20_000});
    lines.push(stderrOf(child).split('\n')[0]!.replace(`m-${side}`, 'm'));
  }
  t.deepEqual(lines, ['supervise: fatal: unable to start m/run: file does not exist', 'supervise: fatal: unable to start m/run: file does not exist']);
});

/** A service that ignores TERM: `d` leaves it up with want down; `p` then pauses it; `k` ends it. */
async function stubbornScenario(t: ExecutionContext, supervisor: Side): Promise<string[]> {
  const {parent, dir} = makeService(t, {run: "trap '' TERM\necho > ready\nexec sleep 1000"}, 'st');
  const transcript: string[] = [];
  const step = async (flags: string, until: (r: {pid: number; paused: boolean; want: string}) => boolean, what: string) => {
    await tool('real', 'svc', [flags, 'st'], parent);
    await waitForStatus(dir, until, what);
    transcript.push(normalise((await tool('real', 'svstat', ['st'], parent)).stdout));
  };
  startSupervise(t, supervisor, parent, 'st');
  await waitForStatus(dir, (r) => r.pid > 0, 'st up');
  await waitFor(() => existsSync(join(dir, 'ready')), 'trap installed', PATIENT);
  await step('-d', (r) => r.want === 'down', 'want down');
  await step('-p', (r) => r.paused, 'paused');
  await step('-c', (r) => !r.paused, 'continued');
  await step('-k', (r) => r.pid === 0, 'killed');
  return transcript;
}

test('a TERM-proof service: d, p, c, k read the same from our supervise and the real one', async (t) => {
  const [expected, actual] = await Promise.all([stubbornScenario(t, 'real'), stubbornScenario(t, 'ours')]);
  t.deepEqual(actual, expected);
  t.deepEqual(expected, [
    'st: up (pid x) x seconds, want down\n',
    'st: up (pid x) x seconds, paused, want down\n',
    'st: up (pid x) x seconds, want down\n',
    'st: down x seconds, normally up\n',
  ]);
});
