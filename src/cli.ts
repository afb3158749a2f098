#!/usr/bin/env node
/**
 * The executable. It sets the heap policy before anything else loads (V8 grows the young
 * generation while the modules load), then runs the command line (src/command-line.ts).
 */
import { limitYoungGeneration } from './runtime/heap';

limitYoungGeneration();
import('./command-line')
  .then(({ main }) => main(process.argv.slice(2)))
  .then(
    (code) => {
      if (code !== null) process.exit(code);
    },
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
