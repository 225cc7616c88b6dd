// Keystore (core): the shape of a pins file — the authority-key fingerprints a user compared out of band and
// trusts. The CLI keeps one at <home>/pins.json (client/keystore/pins.ts, `pouch directory pin`); the portal
// imports the same file (portal/src/pages/directory-page.tsx). Runtime-neutral: no Node built-in.
import { z } from 'zod';

/** An RFC 7638 SHA-256 thumbprint: 43 base64url characters. */
export const fingerprintPattern = /^[A-Za-z0-9_-]{43}$/;
export const pinAuthorityIdPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/;

export const AuthorityPinSchema = z.strictObject({
  authorityId: z.string().regex(pinAuthorityIdPattern),
  fingerprint: z.string().regex(fingerprintPattern),
  pinnedAt: z.string(),
  /** Free text: who confirmed it and how (display only). */
  note: z.string().max(200).optional(),
});
export const PinsFileSchema = z.strictObject({ version: z.literal(1), pins: z.array(AuthorityPinSchema) });

export type AuthorityPin = z.infer<typeof AuthorityPinSchema>;
export type PinsFile = z.infer<typeof PinsFileSchema>;
