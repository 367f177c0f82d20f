import {runChain} from '../lib/chainload/chain.js';

// softlimit [-acdflmoprst N|=]... CHILD...: run CHILD with lower soft resource limits (a value
// above the hard limit is the hard limit; `=` raises the soft limit to the hard one). A chain of
// keepup's loaders runs in this one process (lib/chainload/chain.ts).
void runChain('softlimit');
