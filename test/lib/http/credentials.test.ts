import test from 'ava';
import {chmodSync, chownSync, mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {authenticate, hashPassword, readCredentials, sameSecret} from '../../../src/lib/http/credentials.js';
import {tmpDir} from '../../helpers/tmp.js';

const basic = (name: string, secret: string) => `Basic ${Buffer.from(`${name}:${secret}`).toString('base64')}`;

function credentialsFile(t: Parameters<typeof tmpDir>[0], text: string, mode = 0o600): string {
  const dir = join(tmpDir(t, 'keepup-credentials-'), 'etc');
  mkdirSync(dir, {mode: 0o755});
  const file = join(dir, 'http-credentials');
  writeFileSync(file, text);
  chmodSync(file, mode);
  return file;
}

test('tokens and scrypt password hashes authenticate by name; anything else does not', (t) => {
  const file = credentialsFile(t, `# comment\n\nalice:a-long-token\nbob:${hashPassword('correct horse')}\n`);
  const outcome = readCredentials(file, [0]);
  if (!outcome.ok) return t.fail(outcome.problem);
  const {credentials} = outcome;
  t.deepEqual(
    credentials.map((credential) => [credential.name, credential.secret.kind]),
    [
      ['alice', 'token'],
      ['bob', 'scrypt'],
    ],
  );
  t.is(authenticate(basic('alice', 'a-long-token'), credentials), 'alice');
  t.is(authenticate(basic('bob', 'correct horse'), credentials), 'bob');
  t.is(authenticate(basic('bob', 'correct horsE'), credentials), undefined);
  t.is(authenticate(basic('alice', 'a-long-toke'), credentials), undefined);
  t.is(authenticate(basic('bob', 'a-long-token'), credentials), undefined, "alice's token is not bob's");
  t.is(authenticate(basic('eve', 'a-long-token'), credentials), undefined);
  t.is(authenticate(undefined, credentials), undefined);
  t.is(authenticate('Bearer a-long-token', credentials), undefined);
  t.is(authenticate(`Basic ${Buffer.from('no colon').toString('base64')}`, credentials), undefined);
});

test('a hash is salted: the same password hashes differently and both verify', (t) => {
  const one = hashPassword('pw');
  const two = hashPassword('pw');
  t.not(one, two);
  t.regex(one, /^scrypt\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
  const file = credentialsFile(t, `a:${one}\nb:${two}\n`);
  const outcome = readCredentials(file, [0]);
  t.true(outcome.ok && authenticate(basic('a', 'pw'), outcome.credentials) === 'a' && authenticate(basic('b', 'pw'), outcome.credentials) === 'b');
});

test('a credentials file others can read or write, or owned by someone else, is refused; so is a bad line', (t) => {
  const problem = (file: string) => {
    const outcome = readCredentials(file, [0]);
    return outcome.ok ? undefined : outcome.problem;
  };
  t.regex(problem(credentialsFile(t, 'a:b\n', 0o640))!, /: group or others may read it \(chmod 600 it\)$/);
  t.regex(problem(credentialsFile(t, 'a:b\n', 0o604))!, /: group or others may read it/);
  t.regex(problem(credentialsFile(t, 'a:b\n', 0o620))!, /: it is group-writable$/);
  const foreign = credentialsFile(t, 'a:b\n');
  chownSync(foreign, 65534, 65534);
  t.regex(problem(foreign)!, /it is owned by uid 65534, not by uid 0$/);
  t.regex(problem(credentialsFile(t, 'a:b\nno colon here\n'))!, /http-credentials:2:1: expected NAME:SECRET/);
  t.regex(problem(credentialsFile(t, 'a:\n'))!, /http-credentials:1:1: expected NAME:SECRET/);
  t.regex(problem(credentialsFile(t, '# only a comment\n'))!, /it has no NAME:SECRET line$/);
  t.regex(problem('/nonexistent/keepup-credentials')!, /^refusing credentials \/nonexistent\/keepup-credentials: /);
});

test('sameSecret compares in constant time and refuses a missing value', (t) => {
  t.true(sameSecret('abc', 'abc'));
  t.false(sameSecret('abd', 'abc'));
  t.false(sameSecret('ab', 'abc'));
  t.false(sameSecret(undefined, 'abc'));
});
