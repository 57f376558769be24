/** Opaque, URL-safe, prefixed identifiers: `st_…` for studies, `tr_…` for trials. */
import { randomBytes } from 'node:crypto';

export function newId(prefix: 'st' | 'tr'): string {
  return `${prefix}_${randomBytes(12).toString('base64url')}`;
}

/** A seed for a study created without one: 32 random bits. */
export function newSeed(): number {
  return randomBytes(4).readUInt32LE(0);
}
