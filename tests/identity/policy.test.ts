// Unit tests of the one authorization policy (server/policy/policy.ts): examples and fast-check properties.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canActOnExchange,
  canManageAuthority,
  canManageDirectory,
  canReadAuthorityAudit,
  canReadExchange,
  canReadExchangeLabel,
  canReadLedger,
  canReadPublicDirectory,
} from '../../server/policy/policy.ts';
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
    ['24/7 contact of requested', member('B', 'contact-247'), true, true, true],
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
const anyLabel = fc.record({ requesterId: ids, requestedId: ids });

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
        const swapped = { requesterId: l.requestedId, requestedId: l.requesterId };
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
