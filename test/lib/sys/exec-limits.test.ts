// The addon's exec with limits parks Node's other threads first. Rlimits are per process: a
// thread that maps memory between setrlimit and execve under a new RLIMIT_AS gets ENOMEM and
// V8 aborts the process before the program runs (Node 24 did so about once in 25 softlimit
// runs under load). The window is widened on purpose with a PATH of 50000 missing entries
// (each a failed execve, ~40 ms in all) while two workers map 64 MB buffers in a loop; without
// the parking every run here aborted (SIGABRT), on Node 20 and 24.
import test from 'ava';
import {addonCandidates} from '../../../src/lib/sys/native.js';
import {ROOT} from '../../helpers/paths.js';
import {run} from '../../helpers/processes.js';

// The child: two allocating workers, then exec(paths, argv, env, limits) once both run.
// argv: ADDON LIMIT(RLIMIT_AS soft, bytes, or 'core' for a harmless RLIMIT_CORE 0) PROGRAM.
const CHILD = `
const {Worker} = require('node:worker_threads');
const calls = require(process.argv[1]);
const [limit, program] = process.argv.slice(2);
const code = 'const {parentPort} = require("node:worker_threads"); const fs = require("node:fs");' +
  'parentPort.on("message", () => parentPort.postMessage("alive")); parentPort.postMessage("started");' +
  'const spin = () => { for (let i = 0; i < 200; i++) { try { new ArrayBuffer(64 << 20) } catch { fs.writeSync(2, "allocation failed\\\\n") } } setImmediate(spin) }; spin();';
const workers = [new Worker(code, {eval: true}), new Worker(code, {eval: true})];
let started = 0;
for (const worker of workers) worker.once('message', () => { if (++started === 2) setTimeout(go, 30) });
function go() {
  const resource = limit === 'core' ? calls.RLIMIT_CORE : calls.RLIMIT_AS;
  const hard = calls.getrlimit(resource)[1];
  const limits = [BigInt(resource), limit === 'core' ? 0n : BigInt(limit), hard];
  const errno = calls.exec([...Array(50000).fill('/nonexistent-keepup-test/x'), program], [program], calls.environ(), limits);
  // A failed exec returns with the other threads running again: each worker answers.
  let answers = 0;
  for (const worker of workers) { worker.on('message', (m) => { if (m === 'alive' && ++answers === 2) { console.log('returned ' + errno + ', workers alive'); process.exit(0) } }); worker.postMessage('ping') }
}
`;

const addon = () => addonCandidates(ROOT)[0];

test('exec with a memory limit: threads allocating meanwhile neither fail nor abort the process, and the program runs', async (t) => {
  for (let round = 0; round < 3; round++) {
    const result = await run(process.execPath, ['-e', CHILD, addon(), '150000000', '/bin/true']);
    t.is(result.signal, null, `round ${round}: killed by ${result.signal}: ${result.stderr.slice(0, 300)}`);
    t.is(result.code, 0, `round ${round}: ${result.stderr.slice(0, 300)}`);
    t.is(result.stderr, '');
    t.is(result.stdout, '', 'the program (true) ran, not the failure path');
  }
});

test('exec with limits that fails: the parked threads run again and Node goes on', async (t) => {
  const result = await run(process.execPath, ['-e', CHILD, addon(), 'core', '/nonexistent-keepup-test/y']);
  t.is(result.signal, null, result.stderr);
  t.is(result.stdout, 'returned 2, workers alive\n');
  t.is(result.code, 0);
});
