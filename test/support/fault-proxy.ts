/** The tests cut links with the same fault-injecting TCP proxy the drills use (product code). */
export { FaultProxy } from '../../src/drills/topology/fault-proxy.js';
