import { outsideQuietHours } from '../../shared/domain/schedule';
import { DateTime } from 'luxon';
test('quiet hours move a 22:30 text to 08:00 next day', () => {
  const moved = outsideQuietHours(DateTime.fromISO('2027-01-05T22:30', { zone: 'Asia/Kolkata' }));
  expect(moved.toISO()).toBe('2027-01-06T08:00:00.000+05:30');
});
