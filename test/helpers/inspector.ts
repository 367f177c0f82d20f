import {readdirSync, readFileSync, readlinkSync} from 'node:fs';

/** Node's default inspector port, the one SIGUSR1 opens. */
export const INSPECTOR_PORT = 9229;

/** Inodes of the sockets listening on `port` (TCP, IPv4 and IPv6), from /proc/net/tcp{,6}. */
export function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is ADDR:PORT; st 0A is LISTEN; the inode is field 9.
      if (fields.length > 9 && fields[1]!.endsWith(`:${hex}`) && fields[3] === '0A') inodes.add(fields[9]!);
    }
  }
  return inodes;
}

/** True when process `pid` holds a socket listening on `port`. */
export function listensOn(pid: number, port: number): boolean {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return false;
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  return fds.some((fd) => {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      return match !== null && inodes.has(match[1]!);
    } catch {
      return false;
    }
  });
}

/** The main thread's voluntary context switches, its wait channel and whether SIGUSR1 is pending. */
export function mainThread(pid: number): {switches: number; wchan: string; usr1Pending: boolean} {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => new RegExp(`^${name}:\\s*(\\S+)`, 'm').exec(status)?.[1] ?? '0';
  const usr1 = 1n << 9n;
  const pending = (BigInt(`0x${field('SigPnd')}`) | BigInt(`0x${field('ShdPnd')}`)) & usr1;
  return {switches: Number(field('voluntary_ctxt_switches')), wchan: readFileSync(`/proc/${pid}/wchan`, 'utf8'), usr1Pending: pending !== 0n};
}

/** True when `pid`'s epoll set has one of `fds` with one of the `events` bits (0x4: EPOLLOUT, 0x1: EPOLLIN). */
export function waitsFor(pid: number, fds: string[], events: number): boolean {
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let info: string;
    try {
      info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
    } catch {
      continue;
    }
    for (const match of info.matchAll(/^tfd:\s+(\d+)\s+events:\s+([0-9a-f]+)/gm)) {
      if (fds.includes(match[1]!) && (parseInt(match[2]!, 16) & events) !== 0) return true;
    }
  }
  return false;
}
