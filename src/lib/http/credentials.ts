import {closeSync, readFileSync} from 'node:fs';
import {createHash, randomBytes, scryptSync, timingSafeEqual} from 'node:crypto';
import {openTrusted} from '../security/trusted-path.js';

/**
 * Who may use the status page's control actions: `http.credentials`, a root-only file (owned by
 * root or keepup's user, every directory above it trusted as for the config, and neither
 * readable nor writable by group or others), one `NAME:SECRET` per line (`#` comments). SECRET
 * is either a password hash `scrypt$SALT$HASH` (base64, from `keepup http-password`) or a
 * token, used as it is. A request authenticates with `Authorization: Basic` (NAME and the
 * password or token); every comparison is constant-time, and an unknown name costs the same as
 * a known one.
 */
export interface Credential {
  readonly name: string;
  readonly secret: {kind: 'scrypt'; salt: Buffer; hash: Buffer} | {kind: 'token'; digest: Buffer};
}

export type CredentialsOutcome = {ok: true; credentials: Credential[]} | {ok: false; problem: string};

const SCRYPT_KEY_BYTES = 32;
const NAME = /^[A-Za-z0-9._@+-]+$/;

/** The password hash line's secret for `password`: `scrypt$SALT$HASH`. */
export function hashPassword(password: string, salt: Buffer = randomBytes(16)): string {
  return `scrypt$${salt.toString('base64')}$${scryptSync(password, salt, SCRYPT_KEY_BYTES).toString('base64')}`;
}

/** Reads and checks the credentials file; a problem says what is wrong, with `FILE:LINE:` for a bad line. */
export function readCredentials(file: string, uids: readonly number[]): CredentialsOutcome {
  const opened = openTrusted(file, 'file', uids);
  if (!opened.ok) return {ok: false, problem: `refusing credentials ${file}: ${opened.problem}`};
  let text: string;
  try {
    if ((opened.stats.mode & 0o077) !== 0) return {ok: false, problem: `refusing credentials ${file}: group or others may read it (chmod 600 it)`};
    text = readFileSync(opened.fd, 'utf8');
  } finally {
    closeSync(opened.fd);
  }
  const credentials: Credential[] = [];
  const lines = text.split('\n');
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    const name = line.slice(0, colon);
    const secret = line.slice(colon + 1);
    if (colon <= 0 || !NAME.test(name) || secret === '')
      return {ok: false, problem: `${file}:${index + 1}:1: expected NAME:SECRET (a token or a scrypt$SALT$HASH from keepup http-password)`};
    credentials.push({name, secret: parseSecret(secret)});
  }
  if (credentials.length === 0) return {ok: false, problem: `refusing credentials ${file}: it has no NAME:SECRET line`};
  return {ok: true, credentials};
}

function parseSecret(secret: string): Credential['secret'] {
  const parts = secret.split('$');
  if (parts.length === 3 && parts[0] === 'scrypt') {
    const salt = Buffer.from(parts[1]!, 'base64');
    const hash = Buffer.from(parts[2]!, 'base64');
    if (salt.length > 0 && hash.length === SCRYPT_KEY_BYTES) return {kind: 'scrypt', salt, hash};
  }
  return {kind: 'token', digest: digest(secret)};
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

const DUMMY: Credential = {name: '', secret: {kind: 'scrypt', salt: Buffer.alloc(16), hash: Buffer.alloc(SCRYPT_KEY_BYTES)}};

/** The name an `Authorization` header authenticates, or undefined. */
export function authenticate(header: string | undefined, credentials: readonly Credential[]): string | undefined {
  const match = header === undefined ? null : /^Basic ([A-Za-z0-9+/=]+)$/.exec(header.trim());
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const name = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  const found = credentials.find((credential) => credential.name === name);
  return matches(found ?? DUMMY, password) && found ? found.name : undefined;
}

function matches(credential: Credential, password: string): boolean {
  const {secret} = credential;
  if (secret.kind === 'token') return timingSafeEqual(digest(password), secret.digest);
  return timingSafeEqual(scryptSync(password, secret.salt, SCRYPT_KEY_BYTES), secret.hash);
}

/** Constant-time equality of two strings (a CSRF token). */
export function sameSecret(given: string | undefined, expected: string): boolean {
  return given !== undefined && timingSafeEqual(digest(given), digest(expected));
}
