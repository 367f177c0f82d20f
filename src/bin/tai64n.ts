import {runMain} from '../lib/cli/run-main.js';
import {EXIT_TEMPORARY} from '../lib/cli/exit-codes.js';
import {chunksOf, openChunkReader} from '../lib/sys/fd-reader.js';
import {writeAllSync} from '../lib/sys/fd-writer.js';
import {systemTime} from '../lib/time/time.js';
import {Stamper} from '../lib/tai64n/stamper.js';

// tai64n: puts a TAI64N label in front of every line of stdin. Exit 0 at end of input,
// 111 (silently, as daemontools) when reading or writing fails.
void runMain('tai64n', async () => {
  const stamper = new Stamper(systemTime);
  try {
    const input = openChunkReader(0, {chunkSize: 65536});
    for await (const chunk of chunksOf(input)) {
      writeAllSync(1, stamper.stamp(chunk));
    }
    input.close();
    return 0;
  } catch {
    return EXIT_TEMPORARY;
  }
});
