/**
 * Loaded by ava into every test worker before any test file. A test that signals pid 0, 1 or
 * their negatives (a pid parsed from an empty file, `-undefined | 0`, ...) would kill the
 * worker's own process group (ava, npm and CI's shell with it) or, as root, every process on
 * the machine. Such a call throws here instead and says so on stderr.
 */
const kill = process.kill.bind(process);
process.kill = (pid: number, signal?: string | number): true => {
  if (Number.isInteger(pid) && Math.abs(pid) <= 1 && signal !== 0) {
    // Also on stderr: teardowns often swallow what process.kill throws.
    const message = `test bug: refusing to send ${String(signal ?? 'SIGTERM')} to pid ${pid}`;
    process.stderr.write(`${message}\n${new Error(message).stack ?? ''}\n`);
    throw new Error(message);
  }
  return kill(pid, signal);
};
