/**
 * Rules shared by the LeaseStore adapters.
 *
 * Epochs: a lease row is never deleted, so its epoch only grows. The epoch stays the same only while
 * one holder keeps the lease without a gap (acquire by the current holder before expiry, or renew).
 * Every other way of taking it increments it: from nobody (first epoch is 1), from another holder once
 * lapsed or released, and also by the same holder re-taking its own lapsed or released lease, because
 * another holder may have taken and lost it in between and the old epoch's writes must stay fenced off.
 *
 * Times are the store's (see Store.now()); a lease with expiresAt <= store now has lapsed.
 */

/** Rejects a ttl that would make a lease that is lapsed on arrival or never lapses. */
export function checkTtl(ttlMs: number): void {
  if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) throw new RangeError(`lease ttl must be a positive integer of ms, got ${ttlMs}`);
}
