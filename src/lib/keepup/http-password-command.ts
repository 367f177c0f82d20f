import {readFileSync} from 'node:fs';
import {UsageError} from '../cli/errors.js';
import {EXIT_OK} from '../cli/exit-codes.js';
import type {Subcommand} from '../cli/subcommands.js';
import {hashPassword} from '../http/credentials.js';
import type {KeepupContext} from './context.js';
import {HELP} from './help.js';

const SYNOPSIS = HELP.httpPassword.synopsis;

/** `keepup http-password NAME`: reads a password (the first line of stdin) and prints `NAME:scrypt$SALT$HASH` for `http.credentials`. */
export const httpPasswordCommand: Subcommand<KeepupContext> = {
  synopsis: SYNOPSIS,
  summary: HELP.httpPassword.summary,
  options: HELP.httpPassword.options,
  run(args, context) {
    const name = args[0];
    if (args.length !== 1 || name === undefined || !/^[A-Za-z0-9._@+-]+$/.test(name)) {
      throw new UsageError(`keepup http-password ${SYNOPSIS}   (NAME: letters, digits, . _ @ + -)`);
    }
    const password = readFileSync(0, 'utf8').split('\n')[0] ?? '';
    if (password === '') throw new UsageError('keepup http-password: no password on stdin');
    context.out(`${name}:${hashPassword(password)}\n`);
    return EXIT_OK;
  },
};
