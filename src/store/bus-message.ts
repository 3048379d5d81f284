/**
 * Shared by the MessageBus adapters: the wire form of a bus message, its size limit, and handler
 * isolation. Every adapter enforces the same limit, so code that works on SQLite or in memory does not
 * start failing when moved to PostgreSQL.
 */
import type { BusMessage, JsonObject } from './port.js';

/**
 * Largest encoded message (UTF-8 bytes of the JSON envelope {channel, payload}). PostgreSQL rejects a
 * NOTIFY payload of 8000 bytes or more; bus messages are hints, so callers send ids, not data.
 */
export const BUS_MAX_MESSAGE_BYTES = 7999;

/**
 * Encodes a message: `payload` is the payload's JSON (what SQLite stores), `envelope` the whole message
 * {channel, payload} as JSON (what PostgreSQL sends). Throws when the envelope is over the limit.
 */
export function encodeBusMessage(channel: string, payload: JsonObject): { envelope: string; payload: string } {
  if (typeof channel !== 'string' || channel.length === 0) throw new TypeError('bus channel must be a non-empty string');
  const payloadText = JSON.stringify(payload);
  if (typeof payloadText !== 'string' || payloadText[0] !== '{') throw new TypeError('bus payload must be a JSON object');
  // Byte for byte what JSON.stringify({ channel, payload }) gives.
  const envelope = `{"channel":${JSON.stringify(channel)},"payload":${payloadText}}`;
  const bytes = Buffer.byteLength(envelope, 'utf8');
  if (bytes > BUS_MAX_MESSAGE_BYTES) {
    throw new RangeError(
      `bus message on channel "${channel.slice(0, 100)}" is ${bytes} bytes encoded, over the ${BUS_MAX_MESSAGE_BYTES}-byte ` +
        'limit (PostgreSQL NOTIFY); publish ids and let subscribers re-read the store instead of sending data',
    );
  }
  return { envelope, payload: payloadText };
}

/** Parses an envelope; null for anything that is not one (another program notifying on our channel). */
export function decodeBusMessage(text: string): { channel: string; payload: JsonObject } | null {
  try {
    const value = JSON.parse(text) as { channel?: unknown; payload?: unknown };
    if (typeof value?.channel !== 'string' || typeof value.payload !== 'object' || value.payload === null) return null;
    return { channel: value.channel, payload: value.payload as JsonObject };
  } catch {
    return null;
  }
}

/**
 * Calls a subscriber without letting its failure stop delivery to the others (or break the adapter's
 * poll loop or connection). The error is rethrown on a later tick, where it surfaces like any other
 * uncaught exception: a handler that throws is a bug in the handler.
 */
export function callHandler(handler: (message: BusMessage) => void, message: BusMessage): void {
  try {
    handler(message);
  } catch (err) {
    setImmediate(() => {
      throw err;
    });
  }
}
