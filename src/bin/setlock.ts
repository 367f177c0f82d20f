import {runChain} from '../lib/chainload/chain.js';

// setlock [-nNxX] FILE PROGRAM...: run PROGRAM holding an exclusive flock on FILE; the locked
// fd is inherited, so the lock lasts until PROGRAM (and whatever inherits it) is gone. A chain
// of keepup's loaders runs in this one process (lib/chainload/chain.ts).
void runChain('setlock');
