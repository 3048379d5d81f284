import { randomBytes } from 'node:crypto';

/** Randomness source, injectable so tests can be deterministic. */
export interface Random {
  bytes(n: number): Uint8Array;
}

export const cryptoRandom: Random = { bytes: (n) => randomBytes(n) };

/**
 * An unguessable identifier of visible ASCII (base64url: A-Z a-z 0-9 - _), as the MCP spec asks of
 * session ids (0x21-0x7E). 24 bytes = 192 bits of entropy.
 */
export function randomId(random: Random = cryptoRandom, bytes = 24): string {
  return Buffer.from(random.bytes(bytes)).toString('base64url');
}
