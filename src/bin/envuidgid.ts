import {runChain} from '../lib/chainload/chain.js';

// envuidgid ACCOUNT CHILD...: run CHILD with $UID and $GID set to ACCOUNT's, for programs that
// drop privileges themselves (multilog's caller, servers that read $UID/$GID). The process
// becomes CHILD; a chain of keepup's loaders runs in this one process (lib/chainload/chain.ts).
void runChain('envuidgid');
