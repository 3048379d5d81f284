// Runs the CLI from source (no build needed), as bin/continuum.js runs the compiled one.
import { main } from '../../src/cli/index.js';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err: Error) => {
    process.stderr.write(`continuum: ${err.message}\n`);
    process.exitCode = 1;
  },
);
