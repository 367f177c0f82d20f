import {runMain} from '../lib/cli/run-main.js';
import {EXIT_TEMPORARY} from '../lib/cli/exit-codes.js';
import {chunksOf, openChunkReader} from '../lib/sys/fd-reader.js';
import {writeAllSync} from '../lib/sys/fd-writer.js';
import {Localizer} from '../lib/tai64n/local.js';

// tai64nlocal: turns leading TAI64N labels into local time. Malformed labels pass through
// unchanged (daemontools 0.76 crashes on them). Exit 0 at end of input, 111 on I/O errors.
void runMain('tai64nlocal', async () => {
  const localizer = new Localizer();
  try {
    const input = openChunkReader(0, {chunkSize: 65536});
    for await (const chunk of chunksOf(input)) {
      writeAllSync(1, localizer.push(chunk));
    }
    writeAllSync(1, localizer.end());
    input.close();
    return 0;
  } catch {
    return EXIT_TEMPORARY;
  }
});
