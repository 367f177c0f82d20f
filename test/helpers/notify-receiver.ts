import type {ExecutionContext} from 'ava';
import {spawnTracked} from './processes.js';
import {waitFor} from './wait-for.js';

// Node has no datagram AF_UNIX socket, so the receiving end (systemd's side) is Python's.
const RECEIVER = `
import json, socket, sys
name = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\\0" + name[1:] if name.startswith("@") else name)
print("bound", flush=True)
while True:
    print(json.dumps(s.recv(65536).decode()), flush=True)
`;

/**
 * A datagram socket bound at `name` (a path, or `@name` for an abstract one), as systemd binds
 * NOTIFY_SOCKET; `messages()` is every datagram received so far. Killed when the test ends.
 */
export async function notifyReceiver(t: ExecutionContext, name: string): Promise<{messages: () => string[]}> {
  const child = spawnTracked(t, 'python3', ['-c', RECEIVER, name], {stdio: ['ignore', 'pipe', 'inherit']});
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  await waitFor(() => out.startsWith('bound\n'), `the receiver to bind ${name}`);
  return {
    messages: () =>
      out
        .split('\n')
        .slice(1, -1)
        .map((line) => JSON.parse(line) as string),
  };
}
