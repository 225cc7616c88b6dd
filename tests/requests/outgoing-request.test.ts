// Tests (requests): the one builder of an outgoing request that `pouch send --draft` and the portal share — the
// label taken from the request and the inputs, and the documents a checked draft travels as.
import { describe, expect, it } from 'vitest';
import { buildSampleFor, NORTHLAND, SOUTHMARK } from '../../server/local/demo-profiles.ts';
import { checkDraft } from '../../shared/domain/requests/check.ts';
import {
  buildOutgoingRequest,
  buildSendLabel,
  checkContextFor,
  previewLetter,
} from '../../shared/domain/requests/outgoing-request.ts';

const sender = {
  id: 'auth_north',
  name: NORTHLAND.name,
  country: NORTHLAND.country,
  treaties: NORTHLAND.treaties,
};
const recipient = {
  id: 'auth_south',
  name: SOUTHMARK.name,
  country: SOUTHMARK.country,
  treaties: SOUTHMARK.treaties,
};

describe('the outgoing request builder', () => {
  it('checks between two directory parties as pouch check does', () => {
    expect(checkContextFor(sender, recipient, SOUTHMARK.profile)).toEqual({
      recipientProfile: SOUTHMARK.profile,
      senderTreaties: NORTHLAND.treaties,
      recipientTreaties: SOUTHMARK.treaties,
      senderCountry: NORTHLAND.country,
      recipientCountry: SOUTHMARK.country,
    });
    expect(checkContextFor(sender, recipient, undefined)).not.toHaveProperty('recipientProfile');
  });

  it('takes each label field from its input, else from the request', () => {
    const request = {
      kind: 'mla',
      requestedAuthority: { authorityId: 'auth_south' },
      urgency: { level: 'urgent', deadline: '2026-12-24' },
      caseReference: { reference: 'NL-1' },
    };
    expect(buildSendLabel({}, request)).toEqual({
      recipientId: 'auth_south',
      kind: 'mla',
      urgency: 'urgent',
      deadline: '2026-12-24',
      requesterReference: 'NL-1',
    });
    expect(buildSendLabel({ to: 'auth_x', reference: 'R' }, undefined)).toEqual({
      recipientId: 'auth_x',
      kind: undefined,
      urgency: 'normal',
      deadline: undefined,
      requesterReference: 'R',
    });
  });

  it('seals a valid draft as request.json with checkedAgainst and as the printable letter', () => {
    const draft = buildSampleFor('mla', SOUTHMARK.profile);
    const result = checkDraft(draft, checkContextFor(sender, recipient, SOUTHMARK.profile));
    expect(result.ok, JSON.stringify(result.findings)).toBe(true);
    const outgoing = buildOutgoingRequest(draft, result, { sender, recipient });
    expect(outgoing.documents.map((d) => d.name)).toEqual(['request.json', 'request.html']);
    expect(outgoing.request.checkedAgainst).toEqual({
      authorityId: recipient.id,
      profileVersion: SOUTHMARK.profile.version,
    });
    expect(JSON.parse(outgoing.documents[0]?.content ?? '')).toEqual(outgoing.request);
    expect(outgoing.check).toEqual({ profileVersion: SOUTHMARK.profile.version, errors: 0, forced: false });
    expect(previewLetter(draft, result, { sender, recipient })).toBe(outgoing.documents[1]?.content);
  });

  it('sends an invalid draft as JSON only, recorded as forced with its error count', () => {
    const draft = { kind: 'mla', facts: 'Only the facts.' };
    const result = checkDraft(draft, checkContextFor(sender, recipient, undefined));
    const outgoing = buildOutgoingRequest(draft, result, { sender, recipient });
    expect(outgoing.documents.map((d) => d.name)).toEqual(['request.json']);
    expect(outgoing.request).toEqual({ kind: 'mla', facts: 'Only the facts.' });
    expect(outgoing.check.forced).toBe(true);
    expect(outgoing.check.errors).toBe(result.findings.filter((f) => f.severity === 'error').length);
    expect(previewLetter(draft, result, { sender, recipient })).toBeUndefined();
  });
});
