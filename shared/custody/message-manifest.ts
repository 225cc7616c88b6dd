// Content integrity (shared by the CLI and the portal): verifies one message's signed manifest against the
// sender member's key as the directory lists it, and binds it to the exchange, the message, its kind and its
// documents, and checks that the label shown is the one the sender signed. The CLI's fetch and the portal's
// exchange page both call this, before any document is opened.
import type { AuthorityWire } from '../api/directory.ts';
import type { ExchangeLabel, ExchangeMessage } from '../api/exchange.ts';
import { PouchError } from '../domain/errors.ts';
import { describeLabelMismatch, type Manifest, readManifestKid, verifyManifest } from './manifest.ts';

/**
 * Verify a message's manifest: the signing key is looked up by `kid` among the sender member's keys in the
 * directory (never taken from the JWS), must have been active when the message was sent, and the manifest must
 * be bound to this exchange, message, kind, sender and document list.
 */
export async function verifyMessageManifest(
  label: ExchangeLabel,
  message: ExchangeMessage,
  sender: AuthorityWire,
): Promise<{ manifest: Manifest; kid: string }> {
  const kid = readManifestKid(message.manifest);
  const separator = message.senderClientId.indexOf(':');
  const authorityId = message.senderClientId.slice(0, separator);
  const memberId = message.senderClientId.slice(separator + 1);
  if (separator < 1 || authorityId !== message.senderAuthorityId || sender.id !== authorityId) {
    throw new PouchError('ERR_MANIFEST_INVALID', `Message ${message.messageId} names an unexpected sender`);
  }
  const key = sender.members.find((m) => m.id === memberId)?.keys.find((k) => k.kid === kid);
  if (!key) {
    throw new PouchError(
      'ERR_SIGNATURE_INVALID',
      `The manifest of message ${message.messageId} is signed with key ${kid}, which the directory does not list for ${message.senderClientId}`,
    );
  }
  if (key.status !== 'active' && !(key.revokedAt && Date.parse(key.revokedAt) > Date.parse(message.sentAt))) {
    throw new PouchError(
      'ERR_SIGNATURE_INVALID',
      `The manifest of message ${message.messageId} is signed with key ${kid}, revoked before the message was sent`,
    );
  }
  const { manifest } = await verifyManifest(message.manifest, key.jwk, {
    exchangeId: label.id,
    messageId: message.messageId,
    sender: message.senderClientId,
  });
  const listed = manifest.documents.map((d) => d.documentId);
  if (
    manifest.messageKind !== message.kind ||
    listed.length !== message.documentIds.length ||
    listed.some((id, i) => id !== message.documentIds[i])
  ) {
    throw new PouchError(
      'ERR_MANIFEST_INVALID',
      `The signed manifest of message ${message.messageId} does not match the message`,
    );
  }
  if (manifest.label) {
    // The label the sender sealed under must be the label the exchange shows: the operator cannot bend it.
    const side = authorityId === label.requesterId ? 'requester' : 'requested';
    const field = describeLabelMismatch(manifest.label, label, side);
    if (field) {
      throw new PouchError(
        'ERR_LABEL_MISMATCH',
        `The label of ${label.id} differs from the one message ${message.messageId} was signed and sealed under (${field})`,
        { details: { field, messageId: message.messageId } },
      );
    }
  }
  return { manifest, kid };
}
