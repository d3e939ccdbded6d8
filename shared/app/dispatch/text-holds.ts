/**
 * Whether a text (SMS or WhatsApp) may go now: to a country configuration allows, and outside the
 * person's quiet hours (else it waits for their morning).
 */
import { DateTime } from 'luxon';
import type { Message } from '../../domain/model';
import { mayText } from '../../domain/public-forms';
import { isInQuietHours, outsideQuietHours, type QuietHours } from '../../domain/schedule';
import type { DispatchContext } from './context';
import { hold, skip, type Outcome } from './outcome';

/** `at` itself when a text may go then; otherwise the end of the person's quiet hours. */
export function firstTimeOutsideQuietHours(message: Message, at: Date): Date {
  const quiet = message.quietHours as QuietHours | undefined;
  if (!isInQuietHours(at, message.zone, quiet)) return at;
  return outsideQuietHours(DateTime.fromJSDate(at, { zone: message.zone }), quiet).toJSDate();
}

/** SMS in the person's quiet hours waits for their morning, unless the morning is too late. */
export function quietHoursHold(message: Message, at: Date, deadline: Date | undefined): Outcome | undefined {
  const morning = firstTimeOutsideQuietHours(message, at);
  if (morning === at) return undefined;
  if (deadline && morning >= deadline) return skip('past_deadline');
  return hold('quiet_hours', morning);
}

/**
 * Why a text may not go now, checked before its words are prepared: an SMS to a country
 * configuration does not allow, or the person's quiet hours. Undefined: it may go.
 */
export function textHold(ctx: DispatchContext, message: Message, now: Date, deadline: Date | undefined): Outcome | undefined {
  if (message.channel === 'sms' && !textable(ctx, message.to)) return skip('country_not_textable');
  return quietHoursHold(message, now, deadline);
}

/** Texts go only to the countries configuration allows (a form refuses the others; this catches any other way in). */
function textable(ctx: DispatchContext, phone: string): boolean {
  const codes = ctx.settings.smsCountryCodes;
  return codes === undefined || mayText(codes, phone);
}
