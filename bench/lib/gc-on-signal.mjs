// Preloaded into Continuum by the memory benchmark (node --expose-gc --import <this> bin/continuum.js ...):
// SIGUSR2 runs a full garbage collection, so RSS can be read after a GC without an endpoint for it.
if (typeof globalThis.gc === 'function') process.on('SIGUSR2', () => globalThis.gc());
