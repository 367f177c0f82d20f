import test from 'ava';
import {isLoopbackHost, parseListen, parseWatchdogConfig} from '../../../src/lib/config/watchdog-config.js';
import {ConfigError} from '../../../src/lib/config/schema.js';

const root = {uid: 0, env: {}};
const parse = (text: string) => parseWatchdogConfig(`${text}daemons: [inetd]\n`, '/etc/keepup/watchdog.config.yaml', root).config;

test('http: {} listens on 127.0.0.1:9113; no http: means no listener; metricsFile is resolved from the config', (t) => {
  t.deepEqual(parse('http: {}\n').http, {host: '127.0.0.1', port: 9113});
  t.is(parse('').http, undefined);
  t.is(parse('').metricsFile, undefined);
  t.is(parse('metricsFile: textfile/keepup.prom\n').metricsFile, '/etc/keepup/textfile/keepup.prom');
  t.deepEqual(parse('http:\n  listen: "[::1]:0"\n  credentials: http-credentials\n').http, {host: '::1', port: 0, credentials: '/etc/keepup/http-credentials'});
  t.deepEqual(parse('http:\n  listen: 0.0.0.0:9113\n  credentials: /etc/keepup/creds\n').http, {host: '0.0.0.0', port: 9113, credentials: '/etc/keepup/creds'});
});

test('a listener off loopback without credentials, a bad address or an unknown key fail at FILE:LINE:COL', (t) => {
  const error = (text: string) => t.throws(() => parse(text), {instanceOf: ConfigError})?.message;
  t.is(
    error('http:\n  listen: 192.0.2.1:9113\n'),
    '/etc/keepup/watchdog.config.yaml:2:11: http.listen 192.0.2.1:9113 is not a loopback address: control over the network needs http.credentials (a root-only file)',
  );
  t.is(error('http:\n  listen: 9113\n'), '/etc/keepup/watchdog.config.yaml:2:11: http.listen must be a string, not a number');
  t.is(error('http:\n  listen: "127.0.0.1:99999"\n'), '/etc/keepup/watchdog.config.yaml:2:11: http.listen must be HOST:PORT or [IPV6]:PORT, such as 127.0.0.1:9113');
  t.regex(error('http:\n  port: 1\n'), /^\/etc\/keepup\/watchdog\.config\.yaml:2:3: unknown key "port" in http \(known: listen, credentials\)$/);
  t.regex(error('metricsFile: [a]\n'), /:1:14: metricsFile must be a string, not a list$/);
});

test('loopback hosts and listen addresses', (t) => {
  for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) t.true(isLoopbackHost(host), host);
  for (const host of ['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', 'example.org', '127.0.0.1.example.org']) t.false(isLoopbackHost(host), host);
  t.deepEqual(parseListen('[::1]:9113'), {host: '::1', port: 9113});
  t.deepEqual(parseListen('example.org:80'), {host: 'example.org', port: 80});
  for (const bad of ['9113', ':9113', '127.0.0.1', '127.0.0.1:', '127.0.0.1:65536', '::1:9113', 'a b:1']) t.is(parseListen(bad), undefined, bad);
});
