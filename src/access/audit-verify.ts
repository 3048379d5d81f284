import { auditEntryHash, GENESIS_HASH } from '../store/audit-chain.js';
import type { AuditEntry } from '../store/control-port.js';

export type AuditVerdict =
  | { ok: true; checked: number; head: string }
  | { ok: false; checked: number; position: number; problem: string };

/**
 * Walks the chain from the first entry: every position follows the one before (a gap is a deleted
 * entry), every prevHash is the hash of the entry before, and every hash matches the entry's content
 * (a mismatch is an edited entry). Reports the first bad entry. Removing the newest entries leaves a
 * shorter chain that is still valid; comparing `head` with a copy kept elsewhere catches that.
 */
export class AuditChainVerifier {
  private checked = 0;
  private last: { position: number; hash: string } | null = null;
  private failure: Extract<AuditVerdict, { ok: false }> | null = null;

  /** Feeds the next page of entries (in position order); returns false once a bad entry was found. */
  feed(entries: AuditEntry[]): boolean {
    for (const e of entries) {
      if (this.failure) return false;
      const expectedPosition = (this.last?.position ?? 0) + 1;
      const expectedPrev = this.last?.hash ?? GENESIS_HASH;
      if (e.position !== expectedPosition) {
        const missing = e.position - expectedPosition === 1 ? `entry ${expectedPosition} is` : `entries ${expectedPosition}-${e.position - 1} are`;
        this.fail(e.position, `${missing} missing (deleted): entry ${e.position} follows entry ${expectedPosition - 1}`);
      } else if (e.prevHash !== expectedPrev) {
        this.fail(e.position, `its prevHash does not match the hash of entry ${expectedPosition - 1} (an entry before it was replaced)`);
      } else if (auditEntryHash(e.position, e.prevHash, e) !== e.hash) {
        this.fail(e.position, 'its content does not match its hash (the entry was edited)');
      } else {
        this.checked++;
        this.last = { position: e.position, hash: e.hash };
      }
    }
    return this.failure === null;
  }

  verdict(): AuditVerdict {
    return this.failure ?? { ok: true, checked: this.checked, head: this.last?.hash ?? GENESIS_HASH };
  }

  private fail(position: number, problem: string): void {
    this.failure = { ok: false, checked: this.checked, position, problem };
  }
}

export function verifyAuditEntries(entries: AuditEntry[]): AuditVerdict {
  const v = new AuditChainVerifier();
  v.feed(entries);
  return v.verdict();
}
