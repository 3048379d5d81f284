/** A free TCP port on 127.0.0.1, as the drills' topology picks them. */
export { freePort } from '../../src/drills/topology/ports.js';
