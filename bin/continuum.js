#!/usr/bin/env node
import { main } from '../dist/src/cli/index.js';

main(process.argv).then(
  (code) => {
    if (typeof code === 'number') process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`continuum: ${err?.message ?? err}\n`);
    process.exitCode = 1;
  },
);
