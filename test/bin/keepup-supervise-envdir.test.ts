// keepup supervise and the env dirs its config names, with `nobody` as the attacker: an env dir
// someone else owns is refused (its LD_PRELOAD never runs), a trusted one reaches `./run` only
// as the service's own execve environment (never a root process's: the preloaded library,
// built here with cc, records getuid() of every process that loads it), and a FIFO in an env
// dir blocks nothing (control of other services and SIGTERM are still served).
// Not tested: a device node in an env dir (refused by the same rule as the FIFO).
import test, {type ExecutionContext} from 'ava';
import {chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {mkfifoSync} from '../../src/lib/sys/mkfifo.js';
import {uniqueName, watchdogSetup, type WatchdogSetup} from '../helpers/daemons.js';
import {run} from '../helpers/processes.js';
import {startResident} from '../helpers/resident.js';
import {pidOf} from '../helpers/service-pid.js';
import {tmpDir} from '../helpers/tmp.js';
import {PATIENT, waitFor} from '../helpers/wait-for.js';

const NOBODY = 65534;

function setup(t: ExecutionContext): WatchdogSetup & {serviceDir: string} {
  const base = watchdogSetup(t);
  return {...base, serviceDir: join(base.dir, 'service')};
}

function writeConfig(s: WatchdogSetup, daemons: string[]): void {
  s.writeConfig(`serviceDir: service\ncheckInterval: 0.5\ndaemons:\n${daemons.join('\n')}\n`);
}

/**
 * A shared library whose constructor appends getuid() to `marker` in every process that loads
 * it; the library and the marker's directory are open to nobody.
 */
async function markerLibrary(t: ExecutionContext): Promise<{library: string; marker: string}> {
  const dir = tmpDir(t, 'keepup-preload-');
  chmodSync(dir, 0o777);
  const marker = join(dir, 'uids');
  const source = join(dir, 'mark.c');
  writeFileSync(
    source,
    [
      '#include <fcntl.h>',
      '#include <stdio.h>',
      '#include <unistd.h>',
      '__attribute__((constructor)) static void mark(void) {',
      `  int fd = open("${marker}", O_WRONLY | O_APPEND | O_CREAT, 0666);`,
      '  if (fd < 0) return;',
      '  char line[32];',
      '  int n = snprintf(line, sizeof line, "%d\\n", (int)getuid());',
      '  if (write(fd, line, (size_t)n) < 0) {}',
      '  close(fd);',
      '}',
      '',
    ].join('\n'),
  );
  const library = join(dir, 'mark.so');
  const built = await run('cc', ['-shared', '-fPIC', '-o', library, source]);
  if (built.code !== 0) throw new Error(`cc failed: ${built.stderr}`);
  chmodSync(library, 0o755);
  return {library, marker};
}

/** Processes running as root whose environment holds `needle`. */
function rootProcessesWith(needle: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(name)) continue;
    try {
      const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${name}/status`, 'latin1'))?.[1];
      if (uid === '0' && readFileSync(`/proc/${name}/environ`, 'latin1').split('\0').includes(needle)) found.push(Number(name));
    } catch {
      // gone
    }
  }
  return found;
}

test('an env dir owned by nobody is refused with a warning and a failed start: its LD_PRELOAD never runs', async (t) => {
  const s = setup(t);
  const {library, marker} = await markerLibrary(t);
  const envdir = join(s.dir, 'env');
  mkdirSync(envdir);
  writeFileSync(join(envdir, 'LD_PRELOAD'), `${library}\n`);
  chownSync(envdir, NOBODY, NOBODY);
  chownSync(join(envdir, 'LD_PRELOAD'), NOBODY, NOBODY);
  const [victim, witness] = [uniqueName('sv'), uniqueName('sv')];
  writeConfig(s, [`  - name: ${victim}`, '    run: [sleep, "600"]', '    envdir: env', `  - name: ${witness}`, '    run: [sleep, "600"]']);
  const resident = startResident(t, s.config, s.serviceDir);
  await waitFor(() => pidOf(join(s.serviceDir, witness)), 'the witness service up', PATIENT);
  const refusal = `unable to start ${join(s.serviceDir, victim)}/run: refusing env dir ${envdir}: it is owned by uid ${NOBODY}, not by uid 0`;
  // Refused at the first start and again at the retry one second later.
  await waitFor(() => resident.stderr().split(refusal).length > 2, 'the refusal, twice', PATIENT);
  t.is(pidOf(join(s.serviceDir, victim)), 0);
  t.false(existsSync(marker), 'the library never ran');
});

test('a trusted env dir setting LD_PRELOAD for a user: service: only the service, as that user, ever has it', async (t) => {
  const s = setup(t);
  const {library, marker} = await markerLibrary(t);
  const envdir = join(s.dir, 'env');
  mkdirSync(envdir);
  writeFileSync(join(envdir, 'LD_PRELOAD'), `${library}\n`);
  const name = uniqueName('sv');
  writeConfig(s, [`  - name: ${name}`, '    run: [sleep, "600"]', '    user: nobody', '    envdir: env', '    limits: {openFiles: 512}']);
  const dir = join(s.serviceDir, name);
  startResident(t, s.config, s.serviceDir);
  const needle = `LD_PRELOAD=${library}`;
  const seen: number[] = [];
  // Watch /proc from the start through two starts of the service (the second by svc -t).
  let first = 0;
  await waitFor(
    () => {
      seen.push(...rootProcessesWith(needle));
      first = pidOf(dir);
      return first !== 0 && existsSync(marker) && readFileSync(marker, 'latin1').split('\n').length > 2;
    },
    'the service up, its shell and sleep preloaded',
    {...PATIENT, intervalMs: 1},
  );
  t.is((await run('svc', ['-t', dir])).code, 0);
  await waitFor(
    () => {
      seen.push(...rootProcessesWith(needle));
      const pid = pidOf(dir);
      return pid !== 0 && pid !== first && readFileSync(marker, 'latin1').split('\n').length > 4;
    },
    'the second start preloaded too',
    {...PATIENT, intervalMs: 1},
  );
  const uids = readFileSync(marker, 'latin1').split('\n').filter(Boolean);
  t.true(uids.length >= 4);
  t.deepEqual([...new Set(uids)], [String(NOBODY)], 'every process that loaded the library ran as nobody');
  t.deepEqual(seen, [], 'no root process ever had the variable');
});

test('a FIFO in an env dir blocks nothing: refused, while svc -d on another service and SIGTERM are served', async (t) => {
  const s = setup(t);
  const envdir = join(s.dir, 'env');
  mkdirSync(envdir);
  mkfifoSync([join(envdir, 'STUCK')]);
  const [blocked, other] = [uniqueName('sv'), uniqueName('sv')];
  writeConfig(s, [`  - name: ${blocked}`, '    run: [sleep, "600"]', '    envdir: env', `  - name: ${other}`, '    run: [sleep, "600"]']);
  const resident = startResident(t, s.config, s.serviceDir);
  const otherDir = join(s.serviceDir, other);
  await waitFor(() => pidOf(otherDir), 'the other service up', PATIENT);
  await waitFor(() => resident.stderr().includes(`refusing env file ${envdir}/STUCK: it is not a regular file`), 'the FIFO refused', PATIENT);
  t.is((await run('svc', ['-d', otherDir])).code, 0);
  await waitFor(async () => /: down /.test((await run('svstat', [otherDir])).stdout), 'svstat to say down', PATIENT);
  resident.child.kill('SIGTERM');
  const deadline = setTimeout(() => resident.child.kill('SIGKILL'), PATIENT.timeoutMs);
  const code = await resident.exited;
  clearTimeout(deadline);
  t.is(code, 0, 'SIGTERM obeyed');
});
