/**
 * Tiny binary fixtures, inlined as base64 so the example has no files to ship.
 *
 * Both were generated for this example: a 2x2 RGB PNG (teal/orange checker)
 * and a 16-sample, 8 kHz, 8-bit mono WAV (a short square wave).
 */

export const PNG_MIME_TYPE = 'image/png';
export const SAMPLE_PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGOQ7+//tNKa4dNKa/n+fgArpgYnX41+GwAAAABJRU5ErkJggg==';

export const WAV_MIME_TYPE = 'audio/wav';
export const SAMPLE_WAV_BASE64 = 'UklGRjQAAABXQVZFZm10IBAAAAABAAEAQB8AAEAfAAABAAgAZGF0YRAAAACgoGBgoKBgYKCgYGCgoGBg';
