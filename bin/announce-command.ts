import { InvalidArgumentError, type Command } from 'commander';
import type { Services } from '../shared/adapters/services';
import { previewAnnouncement, sendAnnouncement } from '../shared/app/announcements/announce';

/**
 * `matchcoach announce`: the operator's announcement to everyone in the Match years named who
 * confirmed a channel with Match Coach (whichever organisations follow them, or none): the same
 * use case as an organisation's, with Match Coach as the sender. `--preview` changes nothing.
 * Registered by bin/matchcoach.ts.
 */

const list = (value: string) => value.split(',').map((v) => v.trim()).filter(Boolean);
const years = (value: string) => {
  const parsed = list(value).map(Number);
  if (parsed.length === 0 || parsed.some((y) => !Number.isInteger(y))) throw new InvalidArgumentError('give Match years such as 2027 or 2027,2028');
  return parsed;
};

export function registerAnnounceCommand(program: Command, services: () => Promise<Services>): void {
  program
    .command('announce')
    .description('send an announcement from Match Coach to everyone in the Match years given who confirmed a channel (one a day per person at most)')
    .requiredOption('--text <words>', 'the text (plain words; two text segments at most with "Match Coach:" and the STOP line)')
    .requiredOption('--season <years>', 'Match years, comma-separated: nobody is written to by accident', years)
    .option('--subject <words>', "the email's subject")
    .option('--details <words>', 'more for the email')
    .option('--visa <tracks>', 'only these visa tracks (j1,h1b,undecided,none)', list)
    .option('--country <codes>', 'only these countries (ISO codes: IN,NG,PK ...)', list)
    .option('--channel <sms|whatsapp|email>', 'only by this channel')
    .option('--preview', 'say who would get it and how; send nothing')
    .action(async (o: { text: string; season: number[]; subject?: string; details?: string; visa?: string[]; country?: string[]; channel?: string; preview?: boolean }) => {
      const s = await services();
      const input = {
        text: o.text,
        ...(o.subject && { subject: o.subject }),
        ...(o.details && { details: o.details }),
        audience: { seasons: o.season, ...(o.visa && { visaTracks: o.visa }), ...(o.country && { countries: o.country.map((c) => c.toUpperCase()) }), ...(o.channel && { channels: [o.channel] }) },
      };
      const deps = { store: s.store, counselors: s.counselors, clock: s.clock, log: s.log, ...(s.smsCountryCodes && { smsCountryCodes: s.smsCountryCodes }) };
      const p = o.preview ? await previewAnnouncement(deps, { kind: 'operator' }, input) : await sendAnnouncement(deps, { kind: 'operator' }, input, { perCall: Number.MAX_SAFE_INTEGER });
      console.log(`${o.preview ? 'would reach' : 'queued for'} ${p.recipients} of ${p.considered} people: ${p.bySms} by text, ${p.byWhatsApp} on WhatsApp (${p.waitForMorning} of these after quiet hours), ${p.byEmail} by email`);
      console.log(`left out: ${p.excluded.notInSegment} outside the segment, ${p.excluded.noConsent} without a confirmed channel, ${p.excluded.countryNotTextable} not textable, ${p.excluded.alreadyToday} already had one today`);
      console.log(`text (${p.sms.segments} segment${p.sms.segments === 1 ? '' : 's'}): ${p.sms.body}`);
      console.log(`email subject: ${p.email.subject}`);
    });
}
