import type { NotificationLedger } from '../../shared/ports/notification-ledger';

/**
 * What every NotificationLedger must do (the DynamoDB adapter against DynamoDB Local, the memory
 * twin in unit tests): one claim at a time, a lease that runs out, "sent" for ever after.
 */
export function describeNotificationLedgerContract(name: string, make: () => Promise<{ ledger: NotificationLedger; teardown?: () => Promise<void> }>): void {
  describe(`${name}: notification ledger contract`, () => {
    let ledger: NotificationLedger;
    let teardown: (() => Promise<void>) | undefined;
    beforeEach(async () => {
      ({ ledger, teardown } = await make());
    });
    afterEach(async () => teardown?.());

    const t0 = new Date('2027-01-20T12:00:00.000Z');
    const plus = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

    it('lets one sender claim a notification while its lease lasts, and another take it over after', async () => {
      expect(await ledger.claim('crisis#SM1#c1', 'a', t0, plus(60))).toBe('claimed');
      expect(await ledger.claim('crisis#SM1#c1', 'b', plus(59), plus(120))).toBe('busy');
      // Another key is not held up.
      expect(await ledger.claim('crisis#SM1#c2', 'b', plus(1), plus(60))).toBe('claimed');
      expect(await ledger.claim('crisis#SM1#c1', 'b', plus(61), plus(120))).toBe('claimed');
      // The first holder lost its lease: it can no longer mark or release.
      expect(await ledger.markSent('crisis#SM1#c1', 'a', plus(62), 'p-1')).toBe(false);
      await ledger.release('crisis#SM1#c1', 'a');
      expect(await ledger.claim('crisis#SM1#c1', 'c', plus(63), plus(200))).toBe('busy');
    });

    it('answers "sent" for ever once marked, whatever the lease', async () => {
      expect(await ledger.claim('digest#o#k#2027-01-18#c1', 'a', t0, plus(60))).toBe('claimed');
      expect(await ledger.markSent('digest#o#k#2027-01-18#c1', 'a', plus(1), 'provider-1')).toBe(true);
      expect(await ledger.claim('digest#o#k#2027-01-18#c1', 'b', plus(2), plus(60))).toBe('sent');
      expect(await ledger.claim('digest#o#k#2027-01-18#c1', 'b', plus(3600), plus(4000))).toBe('sent');
      // Marking twice changes nothing.
      expect(await ledger.markSent('digest#o#k#2027-01-18#c1', 'a', plus(5), 'provider-2')).toBe(false);
      await ledger.release('digest#o#k#2027-01-18#c1', 'a');
      expect(await ledger.claim('digest#o#k#2027-01-18#c1', 'b', plus(6), plus(60))).toBe('sent');
    });

    it('frees a released claim at once for the next try', async () => {
      expect(await ledger.claim('crisis#SM2#c1', 'a', t0, plus(60))).toBe('claimed');
      await ledger.release('crisis#SM2#c1', 'a');
      expect(await ledger.claim('crisis#SM2#c1', 'b', plus(1), plus(60))).toBe('claimed');
      expect(await ledger.markSent('crisis#SM2#c1', 'b', plus(2), 'p')).toBe(true);
    });

    it('gives exactly one of many concurrent claimants the claim', async () => {
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => ledger.claim('crisis#SM3#c1', `t${i}`, t0, plus(60))));
      expect(results.filter((r) => r === 'claimed')).toHaveLength(1);
      expect(results.filter((r) => r === 'busy')).toHaveLength(7);
    });
  });
}
