// Unit tests of the one authorization policy (server/policy/policy.ts): examples and fast-check properties.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  authorityDenialKind,
  authorize,
  canActOnExchange,
  canBuildCheckpoints,
  canCreateExchange,
  canListExchanges,
  canManageAuthority,
  canManageDirectory,
  canReadAuthorityAudit,
  canReadExchange,
  canReadExchangeLabel,
  canReadLedger,
  canReadPublicDirectory,
  canSeeLinkedExchange,
  denial,
  EXCHANGE_RULES,
  exchangeDenialKind,
  isOwnUpload,
  readsAsAuditor,
} from '../../server/policy/policy.ts';
import { isAccessDenied } from '../../shared/domain/identity/errors.ts';
import type { MemberRole, Principal } from '../../shared/domain/identity/types.ts';

const member = (authorityId: string, role: MemberRole): Principal => ({
  kind: 'member',
  clientId: `${authorityId}:m`,
  authorityId,
  memberId: 'm',
  role,
});
const operator: Principal = {
  kind: 'operator',
  clientId: 'operator:o',
  authorityId: 'operator',
  memberId: 'o',
  role: 'operator',
};
const label = { requesterId: 'A', requestedId: 'B' };

describe('exchange policy (examples)', () => {
  it.each([
    ['officer of requester', member('A', 'officer'), true, true, true],
    [
      '24/7 contact of requested (an MLA: not a 24/7 matter)',
      member('B', 'contact-247'),
      false,
      false,
      false,
    ],
    ['auditor of requester', member('A', 'auditor'), false, true, true],
    ['auditor of requested', member('B', 'auditor'), false, true, true],
    ['admin of a party', member('A', 'admin'), false, false, false],
    ['officer of a third authority', member('C', 'officer'), false, false, false],
    ['auditor of a third authority', member('C', 'auditor'), false, false, false],
    ['the operator', operator, false, false, false],
  ])('%s: read=%s label=%s ledger=%s', (_name, p, read, labelOk, ledger) => {
    expect(canReadExchange(p, label)).toBe(read);
    expect(canActOnExchange(p, label)).toBe(read);
    expect(canReadExchangeLabel(p, label)).toBe(labelOk);
    expect(canReadLedger(p, label)).toBe(ledger);
  });

  it('an operator principal claiming a party id still sees nothing', () => {
    const sneaky: Principal = { ...operator, authorityId: 'A' };
    expect(canReadExchange(sneaky, label)).toBe(false);
    expect(canReadLedger(sneaky, label)).toBe(false);
  });
});

describe('directory policy (examples)', () => {
  it('admins manage only their own authority; the operator manages the directory only', () => {
    expect(canManageAuthority(member('A', 'admin'), 'A')).toBe(true);
    expect(canManageAuthority(member('A', 'admin'), 'B')).toBe(false);
    expect(canManageAuthority(member('A', 'officer'), 'A')).toBe(false);
    expect(canManageAuthority(operator, 'A')).toBe(false);
    expect(canManageDirectory(operator)).toBe(true);
    expect(canManageDirectory(member('A', 'admin'))).toBe(false);
  });

  it('audit log: admins and auditors of that authority', () => {
    expect(canReadAuthorityAudit(member('A', 'admin'), 'A')).toBe(true);
    expect(canReadAuthorityAudit(member('A', 'auditor'), 'A')).toBe(true);
    expect(canReadAuthorityAudit(member('A', 'officer'), 'A')).toBe(false);
    expect(canReadAuthorityAudit(member('B', 'auditor'), 'A')).toBe(false);
    expect(canReadAuthorityAudit(operator, 'A')).toBe(false);
  });

  it('the public directory is readable by every principal', () => {
    expect(canReadPublicDirectory(member('C', 'auditor'))).toBe(true);
    expect(canReadPublicDirectory(operator)).toBe(true);
  });
});

const ids = fc.constantFrom('A', 'B', 'C', 'D', 'operator');
const anyPrincipal: fc.Arbitrary<Principal> = fc.oneof(
  fc
    .record({
      kind: fc.constant('member' as const),
      authorityId: ids,
      memberId: fc.string({ minLength: 1, maxLength: 8 }),
      role: fc.constantFrom<MemberRole>('officer', 'contact-247', 'auditor', 'admin'),
    })
    .map((p) => ({ ...p, clientId: `${p.authorityId}:${p.memberId}` })),
  fc
    .record({
      kind: fc.constant('operator' as const),
      authorityId: ids,
      memberId: fc.string({ minLength: 1, maxLength: 8 }),
      role: fc.constant('operator' as const),
    })
    .map((p) => ({ ...p, clientId: `${p.authorityId}:${p.memberId}` })),
);
const anyMatter = fc.record({
  kind: fc.constantFrom('mla', 'preservation', 'stored-data', 'emergency-disclosure'),
  urgency: fc.constantFrom('normal', 'urgent', 'emergency'),
});
const anyLabel = fc
  .tuple(fc.record({ requesterId: ids, requestedId: ids }), anyMatter)
  .map(([parties, matter]) => ({ ...parties, ...matter }));

describe('exchange policy (properties)', () => {
  it('whoever reads an exchange is a working member of one of its two parties', () => {
    fc.assert(
      fc.property(anyPrincipal, anyLabel, (p, l) => {
        if (canReadExchange(p, l)) {
          expect(p.kind).toBe('member');
          expect([l.requesterId, l.requestedId]).toContain(p.authorityId);
          expect(['officer', 'contact-247']).toContain(p.role);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('reading contents implies reading the label and the ledger; auditors never read contents', () => {
    fc.assert(
      fc.property(anyPrincipal, anyLabel, (p, l) => {
        if (canReadExchange(p, l)) expect(canReadExchangeLabel(p, l) && canReadLedger(p, l)).toBe(true);
        if (p.role === 'auditor') expect(canReadExchange(p, l)).toBe(false);
        if (p.kind === 'operator') expect(canReadExchangeLabel(p, l) || canReadLedger(p, l)).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('the ledger is visible only to members of a party, and symmetric in the two parties', () => {
    fc.assert(
      fc.property(anyPrincipal, anyLabel, (p, l) => {
        const swapped = { ...l, requesterId: l.requestedId, requestedId: l.requesterId };
        expect(canReadLedger(p, l)).toBe(canReadLedger(p, swapped));
        expect(canReadExchange(p, l)).toBe(canReadExchange(p, swapped));
        if (canReadLedger(p, l)) expect([l.requesterId, l.requestedId]).toContain(p.authorityId);
      }),
      { numRuns: 2000 },
    );
  });

  it('managing an authority requires being its admin; only the operator manages the directory', () => {
    fc.assert(
      fc.property(anyPrincipal, ids, (p, a) => {
        if (canManageAuthority(p, a))
          expect(p.kind === 'member' && p.role === 'admin' && p.authorityId === a).toBe(true);
        expect(canManageDirectory(p)).toBe(p.kind === 'operator');
      }),
      { numRuns: 1000 },
    );
  });
});

describe('exchange policy: creating, listing, uploads, checkpoints', () => {
  it.each([
    ['officer', member('A', 'officer'), true, true],
    ['24/7 contact', member('A', 'contact-247'), false, true],
    ['auditor', member('A', 'auditor'), false, true],
    ['admin', member('A', 'admin'), false, false],
    ['the operator', operator, false, false],
  ])('%s: create an MLA=%s list=%s', (_name, p, create, list) => {
    expect(canCreateExchange(p, { kind: 'mla', urgency: 'normal' })).toBe(create);
    expect(canListExchanges(p)).toBe(list);
  });

  it('confines a 24/7 contact to preservation and emergency matters (Budapest art. 35), an officer to none', () => {
    const contact = member('B', 'contact-247');
    const officer = member('B', 'officer');
    const matters = [
      [{ kind: 'preservation', urgency: 'urgent' }, true],
      [{ kind: 'emergency-disclosure', urgency: 'emergency' }, true],
      [{ kind: 'mla', urgency: 'emergency' }, true],
      [{ kind: 'mla', urgency: 'urgent' }, false],
      [{ kind: 'stored-data', urgency: 'normal' }, false],
    ] as const;
    for (const [matter, allowed] of matters) {
      const l = { ...label, ...matter };
      expect(canCreateExchange(contact, matter)).toBe(allowed);
      expect(canReadExchange(contact, l)).toBe(allowed);
      expect(canReadExchangeLabel(contact, l)).toBe(allowed);
      expect(canCreateExchange(officer, matter)).toBe(true);
      expect(canReadExchange(officer, l)).toBe(true);
    }
  });

  it('a declared document is its uploader’s alone; only the operator builds checkpoints', () => {
    expect(isOwnUpload(member('A', 'officer'), { uploaderAuthorityId: 'A' })).toBe(true);
    expect(isOwnUpload(member('B', 'officer'), { uploaderAuthorityId: 'A' })).toBe(false);
    expect(isOwnUpload({ ...operator, authorityId: 'A' }, { uploaderAuthorityId: 'A' })).toBe(false);
    expect(canBuildCheckpoints(operator)).toBe(true);
    expect(canBuildCheckpoints(member('A', 'admin'))).toBe(false);
  });

  it('authorize turns a no into the not-found of a miss that names its rule and resource', () => {
    expect(() => authorize(true, { rule: 'r', attempt: 'a' })).not.toThrow();
    let thrown: unknown;
    try {
      authorize(false, {
        rule: 'read-ledger',
        attempt: 'read-ledger',
        resourceId: 'exch_1',
        message: 'No such exchange',
      });
    } catch (error) {
      thrown = error;
    }
    expect(isAccessDenied(thrown)).toBe(true);
    expect(thrown).toMatchObject({
      code: 'ERR_NOT_FOUND',
      message: 'No such exchange',
      rule: 'read-ledger',
      resourceId: 'exch_1',
    });
  });
});

describe('exchange policy: new rules (properties)', () => {
  it('whoever creates or lists exchanges is a member; creators work cases; admins and the operator do neither', () => {
    fc.assert(
      fc.property(anyPrincipal, anyMatter, (p, m) => {
        if (canCreateExchange(p, m))
          expect(p.kind === 'member' && ['officer', 'contact-247'].includes(p.role)).toBe(true);
        if (canCreateExchange(p, m)) expect(canListExchanges(p)).toBe(true);
        if (p.role === 'admin' || p.kind === 'operator')
          expect(canCreateExchange(p, m) || canListExchanges(p)).toBe(false);
        expect(readsAsAuditor(p)).toBe(p.kind === 'member' && p.role === 'auditor');
      }),
      { numRuns: 1000 },
    );
  });

  it('only the uploading authority’s members own a declared document', () => {
    fc.assert(
      fc.property(anyPrincipal, ids, (p, uploader) => {
        const own = isOwnUpload(p, { uploaderAuthorityId: uploader });
        expect(own).toBe(p.kind === 'member' && p.authorityId === uploader);
      }),
      { numRuns: 1000 },
    );
  });

  it('every named exchange rule is one of the policy functions, and each rule implies reading the label', () => {
    expect(EXCHANGE_RULES).toEqual({
      'read-exchange': canReadExchange,
      'act-on-exchange': canActOnExchange,
      'read-exchange-label': canReadExchangeLabel,
      'read-ledger': canReadLedger,
      'see-linked-exchange': canSeeLinkedExchange,
    });
    fc.assert(
      fc.property(anyPrincipal, anyLabel, (p, l) => {
        for (const rule of Object.values(EXCHANGE_RULES)) {
          if (rule(p, l)) expect(canReadExchangeLabel(p, l)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('only the operator builds checkpoints', () => {
    fc.assert(
      fc.property(anyPrincipal, (p) => {
        expect(canBuildCheckpoints(p)).toBe(p.kind === 'operator');
      }),
      { numRuns: 500 },
    );
  });
});

describe('how a "no" answers: 403 for a role of your own, 404 for another authority (issue 15)', () => {
  it('a party member whose role falls short gets a role denial; anyone else a hidden one', () => {
    expect(exchangeDenialKind(member('A', 'admin'), label)).toBe('role');
    expect(exchangeDenialKind(member('B', 'auditor'), label)).toBe('role');
    expect(exchangeDenialKind(member('C', 'officer'), label)).toBe('hidden');
    expect(exchangeDenialKind(operator, label)).toBe('hidden');
    expect(authorityDenialKind(member('A', 'officer'), 'A')).toBe('role');
    expect(authorityDenialKind(member('B', 'admin'), 'A')).toBe('hidden');
    expect(authorityDenialKind(operator, 'A')).toBe('hidden');
  });

  it('a role denial is ERR_FORBIDDEN (403), a hidden one the ERR_NOT_FOUND of a miss; both are logged denials', () => {
    const role = denial({ rule: 'read-exchange', attempt: 'read-exchange', kind: 'role' });
    const hidden = denial({ rule: 'read-exchange', attempt: 'read-exchange' });
    expect(role.code).toBe('ERR_FORBIDDEN');
    expect(hidden.code).toBe('ERR_NOT_FOUND');
    expect(isAccessDenied(role)).toBe(true);
    expect(isAccessDenied(hidden)).toBe(true);
  });

  it('property: never a role denial for a caller outside both parties', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('C', 'D', 'operator'),
        fc.constantFrom(...(['officer', 'admin', 'auditor', 'contact-247'] as const)),
        (authority, role) => {
          expect(exchangeDenialKind(member(authority, role), label)).toBe('hidden');
        },
      ),
    );
  });
});
