import { MemoryStore } from '../../src/store/memory/index.js';
import { auditStoreContract } from './audit-contract.js';
import { controlEventStoreContract } from './control-events-contract.js';
import { tokenStoreContract } from './tokens-contract.js';

tokenStoreContract('memory', async () => new MemoryStore());
controlEventStoreContract('memory', async () => new MemoryStore());
auditStoreContract('memory', async () => {
  const store = new MemoryStore();
  return {
    store,
    tamper: {
      editActor: async (position, actor) => void (store.audit.rows[position - 1].actor = actor),
      remove: async (position) => void store.audit.rows.splice(position - 1, 1),
    },
  };
});
