export { freePort } from '../../core/free-port.js';
