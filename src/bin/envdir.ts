import {runChain} from '../lib/chainload/chain.js';

// envdir DIR CHILD...: run CHILD with the environment changed by the files in DIR (one
// variable per file). A usage error exits 111, as daemontools' envdir (its rts.tests says so).
// A chain of keepup's loaders runs in this one process (lib/chainload/chain.ts).
void runChain('envdir');
