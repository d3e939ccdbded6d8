import type { InboundIntent } from '../../domain/keywords';
import type { Person } from '../../domain/model';
import * as say from '../../domain/sms-replies';
import { formatLocal } from '../../domain/template';
import { updateProfile } from '../scheduling/replan';
import type { Acted } from './intents';
import type { InboundCtx } from './inbound-context';

/** PAUSE without a number. */
const DEFAULT_PAUSE_DAYS = 7;

type PauseIntent = Extract<InboundIntent, { kind: 'pause' | 'resume' }>;

/**
 * PAUSE (for a number of days, a week without one) and RESUME: the person's own break from
 * coaching. Only a human lifts a support hold (shared/app/safety/support-hold.ts); RESUME ends their own pause.
 */
export async function pauseOrResume(ctx: InboundCtx, person: Person, intent: PauseIntent, now: Date): Promise<Acted> {
  if (intent.kind === 'pause') {
    const until = new Date(now.getTime() + (intent.days ?? DEFAULT_PAUSE_DAYS) * 86_400_000);
    await updateProfile(ctx, person.personId, (profile) => ({ profile: { ...profile, pausedUntil: until.toISOString() } }));
    return { reply: say.pauseReply(formatLocal(until, person.timeZone, false)), informs: true };
  }
  const { pausedUntil } = person.profile;
  if (pausedUntil) {
    await updateProfile(ctx, person.personId, ({ pausedUntil: _ended, ...profile }) => ({ profile }));
  }
  const paused = pausedUntil !== undefined && Date.parse(pausedUntil) > now.getTime();
  const reply = person.profile.supportHold ? say.resumeHeldReply : paused ? say.resumeReply : say.resumeNotPausedReply;
  return { reply, informs: true };
}
