import {runChain} from '../lib/chainload/chain.js';

// pgrphack CHILD...: run CHILD in a new session and process group of its own (setsid; a
// failure, as when already a group leader, is ignored as daemontools does). A chain of
// keepup's loaders runs in this one process (lib/chainload/chain.ts).
void runChain('pgrphack');
