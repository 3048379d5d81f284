import { MemoryStore } from '../../src/store/memory/index.js';
import { clusterContract } from './cluster-contract.js';
import { storeContract } from './contract.js';

// The in-memory store (sessions.durable=false) keeps the same contract, minus durability.
storeContract('memory', async ({ clock }) => new MemoryStore(clock));
clusterContract('memory', async ({ clock }) => { const store = new MemoryStore(clock); return { store, peer: async () => store }; });
