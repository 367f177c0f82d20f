import {spawnSync} from 'node:child_process';
import {errnoException, optionalProcessCall} from '../sys/native.js';

/** What setuidgid and envuidgid need from a passwd entry. */
export interface Account {
  name: string;
  uid: number;
  gid: number;
}

/**
 * getpwnam(3) for any account, not just the current user's (Node only has os.userInfo()):
 * the addon's getpwnam_r, or where the addon is missing `getent passwd NAME`; both ask the C library, so NSS sources (LDAP, sssd, …) count as they do
 * for daemontools. Only an entry whose name is exactly NAME is accepted: getent also looks up
 * numeric uids, getpwnam does not. 'unknown' when there is no such account.
 */
export function lookupAccount(name: string): Account | 'unknown' {
  if (name === '' || name.includes('\n') || name.includes('\0')) return 'unknown';
  // In this process when the addon is built (a supervisor looks the user up at every start;
  // a getent process costs milliseconds), else through getent.
  const native = optionalProcessCall('getpwnam');
  if (native) {
    const found = native.getpwnam(name);
    if (typeof found === 'number') throw errnoException(found, `unable to look up account ${name}`);
    return found === null ? 'unknown' : {name, uid: found[0], gid: found[1]};
  }
  const result = spawnSync('getent', ['passwd', '--', name], {stdio: ['ignore', 'pipe', 'ignore'], encoding: 'utf8'});
  if (result.error) throw result.error;
  if (result.status !== 0) return 'unknown';
  return parsePasswdLine(result.stdout.split('\n')[0] ?? '', name) ?? 'unknown';
}

/** One passwd(5) line for account `name`, or undefined when it names someone else or is malformed. */
export function parsePasswdLine(line: string, name: string): Account | undefined {
  const fields = line.split(':');
  if (fields.length < 4 || fields[0] !== name) return undefined;
  const uid = decimal(fields[2]!);
  const gid = decimal(fields[3]!);
  return uid === undefined || gid === undefined ? undefined : {name, uid, gid};
}

function decimal(text: string): number | undefined {
  return /^[0-9]{1,10}$/.test(text) && Number(text) <= 0xffffffff ? Number(text) : undefined;
}
