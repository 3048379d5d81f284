import { MemoryStore } from '../../src/store/memory/index.js';
import { taskStoreContract } from './task-contract.js';

taskStoreContract('memory', async () => {
  const store = new MemoryStore();
  return { store, peer: async () => store };
});
