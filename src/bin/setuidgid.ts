import {runChain} from '../lib/chainload/chain.js';

// setuidgid ACCOUNT CHILD...: run CHILD as ACCOUNT's uid and gid (supplementary groups: just
// that gid), without touching the environment. The process becomes CHILD (execve); a chain of
// keepup's loaders runs in this one process (lib/chainload/chain.ts).
void runChain('setuidgid');
