import { messageLine, messageLines } from '../../shared/domain/message-record';
import type { Message } from '../../shared/domain/model';
import { PROFILE } from '../support/store-fixtures';

/** What `matchcoach messages` prints: planned and real send time, and the budget's reasons in words. */

const base: Message = {
  personId: 'p-1', messageId: 'e-1.rol-deadline-3.once.sms', enrollmentId: 'e-1', sequenceId: 'season-deadlines', stepId: 'rol-deadline-3',
  channel: 'sms', to: '+919812345678', zone: 'Asia/Kolkata', anchors: {}, profile: PROFILE, sendAt: '2027-02-28T12:30:00.000Z',
  status: 'sent', attempts: [{ at: '2027-03-03T20:45:00.000Z', outcome: 'sent', detail: 'sent' }], updatedAt: '2027-03-03T20:45:00.000Z',
};

describe('a message as an operator reads it', () => {
  it('shows when it was planned and when it really went, which differ after an outage', () => {
    expect(messageLine(base)).toBe('planned 2027-02-28T12:30:00.000Z  sent 2027-03-03T20:45:00.000Z  sms   sent     season-deadlines/rol-deadline-3');
  });

  it('says in words why the weekly budget dropped one, and counts the drops by reason; never the number or the words', () => {
    const drop: Message = { ...base, messageId: 'e-2.tuesday-nudge.2027-03-02.sms', sequenceId: 'self-care', stepId: 'tuesday-nudge', status: 'skipped', reason: 'budget:deadline-week', attempts: [] };
    const lines = messageLines([base, drop, { ...drop, messageId: 'x' }]);
    expect(lines[1]).toContain('(dropped by the weekly budget: a week with two or more deadline alerts: routine nudges give way)');
    expect(lines.at(-1)).toBe('weekly budget dropped 2: budget:deadline-week 2');
    expect(lines.join('\n')).not.toContain('+919812345678');
  });
});
