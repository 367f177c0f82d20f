import {request} from 'node:http';
import type {ExecutionContext} from 'ava';
import {run} from './processes.js';
import {startResident, type ResidentKeepup} from './resident.js';
import {PATIENT, waitFor} from './wait-for.js';

/** The base URL a resident keepup printed (`keepup: serving http://HOST:PORT/ …`). */
export async function servedUrl(output: () => string): Promise<string> {
  return waitFor(() => /keepup: serving (http:\/\/\S+\/)/.exec(output())?.[1], 'keepup to say where it serves http', PATIENT);
}

/** `keepup supervise` with an http listener: the process and its base URL. */
export async function startObserved(t: ExecutionContext, config: string, serviceDir: string): Promise<ResidentKeepup & {url: string}> {
  const resident = startResident(t, config, serviceDir);
  const url = await servedUrl(() => resident.stdout());
  return {...resident, url};
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request with node:http (so the Host header can be anything). */
export function fetchRaw(url: string, options: {method?: string; headers?: Record<string, string>} = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, {method: options.method ?? 'GET', headers: options.headers ?? {}}, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({status: res.statusCode ?? 0, headers: res.headers, body}));
      res.on('error', reject);
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`no answer from ${url}`)));
    req.on('error', reject);
    req.end();
  });
}

/** `promtool check metrics` on the text: its exit code and what it said. */
export async function promtoolCheckMetrics(text: string): Promise<{code: number | null; output: string}> {
  const result = await run('promtool', ['check', 'metrics'], {input: text});
  return {code: result.code, output: result.stdout + result.stderr};
}

/** `Authorization: Basic` for NAME:SECRET. */
export function basic(name: string, secret: string): string {
  return `Basic ${Buffer.from(`${name}:${secret}`).toString('base64')}`;
}

/** The CSRF token the status page carries. */
export async function pageCsrf(url: string): Promise<string> {
  const page = await fetchRaw(url);
  const match = /<meta name="keepup-csrf" content="([^"]+)">/.exec(page.body);
  if (!match) throw new Error('no CSRF token in the page');
  return match[1]!;
}
