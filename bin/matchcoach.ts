import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { DateTime } from 'luxon';
import { createDispatcher } from '../shared/app/dispatch';
import { enroll } from '../shared/app/enroll';
import { DomainError } from '../shared/app/errors';
import { previewSequence } from '../shared/app/preview';
import { shippedLibrary } from '../shared/app/library';
import { createServices } from '../shared/adapters/services';
import { ConfigError, parseConfig } from '../shared/config';
import { calendarData, sequenceLibrary } from '../shared/content';
import { EASTERN, seasonCalendar } from '../shared/domain/calendar';
import { localSettings } from '../infra/local/settings';
import type { Clock } from '../shared/ports';

/**
 * `npx matchcoach`: the operator's command line. Without TABLE_NAME in the environment it talks
 * to the local stack that `npm start` runs; with TABLE_NAME (and AWS credentials) to that table.
 * Every failure is one line on stderr and a non-zero exit.
 */

class UsageError extends Error {}

const anchorOption = (value: string, previous: Record<string, string> = {}) => {
  const match = /^([a-z][a-z0-9_]*)=(.+)$/.exec(value);
  if (!match) throw new InvalidArgumentError('use name=date, e.g. step2_exam=2027-01-10');
  return { ...previous, [match[1]!]: match[2]! };
};
const intOption = (value: string) => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number');
  return Number(value);
};
const yearOption = (value: string) => {
  const year = intOption(value);
  if (year < 2020 || year > 2100) throw new InvalidArgumentError('expected a Match year between 2020 and 2100');
  return year;
};
const instantOption = (value: string) => {
  const t = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(t)) throw new InvalidArgumentError('expected an ISO instant such as 2027-03-19T16:00:00Z');
  return new Date(t);
};

async function services(clock?: Clock) {
  const env = process.env.TABLE_NAME ? process.env : { ...localSettings().env, ...process.env };
  Object.assign(process.env, env);
  return createServices(parseConfig(env), clock ? { clock } : {});
}

const program = new Command('matchcoach')
  .description('Match Coach operator CLI: enroll people, preview sequences, run dispatch ticks.')
  .exitOverride()
  .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'matchcoach: ')) });

program
  .command('enroll')
  .description('enroll a person in a sequence (consent recorded with source "operator")')
  .option('--email <address>', 'email address')
  .option('--phone <e164>', 'mobile number in E.164 form, e.g. +919812345678')
  .option('--name <first name>', 'first name used in messages')
  .requiredOption('--zone <iana>', 'IANA time zone, e.g. Asia/Kolkata')
  .requiredOption('--sequence <id>', 'sequence id (see `matchcoach sequences`)')
  .option('--season <year>', 'Match year, e.g. 2027 (default: the season under way)', yearOption)
  .option('--anchor <name=date>', 'a personal date, repeatable: step2_exam=2027-01-10', anchorOption, {})
  .option('--now <instant>', 'enroll as if it were this instant (for walk-throughs with `tick --now`)', instantOption)
  .action(async (o) => {
    const now: Date | undefined = o.now;
    const s = await services(now ? { now: () => now } : undefined);
    const result = await enroll(s, {
      email: o.email, phone: o.phone, firstName: o.name, timeZone: o.zone, sequenceId: o.sequence, season: o.season, anchors: o.anchor,
    });
    console.log(`enrolled person ${result.personId} in ${result.enrollments.map((e) => e.sequenceId).join(', ') || 'nothing new'}`);
    for (const m of result.planned) console.log(`  next ${m.channel.padEnd(5)} ${m.sendAt}  ${m.stepId}`);
    if (result.planned.length === 0) console.log('  nothing left to send in this sequence from now on');
    if (result.leftOut.length) console.log(`  left out (no date given for their anchor): ${result.leftOut.join(', ')}`);
  });

program
  .command('preview')
  .description('print every message a sequence would send, in order, without touching storage')
  .requiredOption('--sequence <id>', 'sequence id')
  .requiredOption('--zone <iana>', 'IANA time zone')
  .option('--season <year>', 'Match year', yearOption)
  .option('--anchor <name=date>', 'a personal date, repeatable', anchorOption, {})
  .option('--enrolled <instant>', 'when the person enrolls (default: now)')
  .option('--name <first name>', 'first name used in messages')
  .action((o) => {
    const { lines, leftOut } = previewSequence(
      { library: shippedLibrary(), now: new Date() },
      { sequenceId: o.sequence, timeZone: o.zone, season: o.season, anchors: o.anchor, enrolledAt: o.enrolled, firstName: o.name },
    );
    for (const l of lines) {
      const note = l.note ? `  [not sent: ${l.note}]` : '';
      console.log(`${l.local}  (${l.utc})  ${l.channel.toUpperCase().padEnd(5)} ${l.stepId}${note}`);
      console.log(`    ${(l.subject ? `Subject: ${l.subject}\n` : '') + l.text}`.replace(/\n/g, '\n    '));
    }
    console.log(`${lines.filter((l) => !l.note).length} message(s) would be sent.`);
    if (leftOut.length) console.log(`Left out (no date given for their anchor): ${leftOut.join(', ')}`);
  });

program
  .command('tick')
  .description('run one dispatch as if it were the given instant')
  .option('--now <instant>', 'ISO instant (default: the real time)', instantOption)
  .action(async (o) => {
    const now: Date | undefined = o.now;
    const s = await services(now ? { now: () => now } : undefined);
    const r = await createDispatcher(s)();
    console.log(`tick at ${(now ?? new Date()).toISOString()}: sent ${r.sent}, skipped ${r.skipped}, failed ${r.failed}, retry later ${r.retried}, lost races ${r.lostRaces}, faults ${r.errors}`);
    if (r.errors > 0) process.exitCode = 1;
  });

program
  .command('messages')
  .description("list a person's messages and what happened to each")
  .option('--email <address>')
  .option('--phone <e164>')
  .action(async (o) => {
    if (!o.email && !o.phone) throw new UsageError('give --email or --phone');
    const s = await services();
    const personId = (o.email && (await s.store.findPersonIdByEmail(String(o.email).toLowerCase()))) || (o.phone && (await s.store.findPersonIdByPhone(o.phone)));
    if (!personId) throw new UsageError('no such person');
    for (const m of await s.store.listMessages(personId)) {
      console.log(`${m.sendAt}  ${m.channel.padEnd(5)} ${m.status.padEnd(8)} ${m.stepId}${m.reason ? `  (${m.reason})` : ''}`);
    }
  });

program
  .command('sequences')
  .description('list the sequences in the coaching library')
  .action(() => {
    for (const s of sequenceLibrary().values()) console.log(`${s.id.padEnd(24)} ${s.steps.length} steps  ${s.name}`);
  });

program
  .command('calendar')
  .description('print a Match season, confirmed and computed dates')
  .argument('<year>', 'Match year, e.g. 2028', yearOption)
  .action((year: number) => {
    for (const d of seasonCalendar(year, calendarData())) {
      const at = DateTime.fromISO(d.at, { zone: EASTERN }).toFormat('ccc yyyy-LL-dd HH:mm ZZZZ');
      console.log(`${at.padEnd(26)} ${d.basis === 'confirmed' ? `confirmed (${d.certainty})` : 'computed    '}  ${d.label}`);
    }
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof CommanderError) {
    process.exit(error.exitCode === 0 ? 0 : 2);
  }
  const known = error instanceof DomainError || error instanceof UsageError || error instanceof ConfigError;
  const text = error instanceof Error ? error.message : String(error);
  const unreachable = /ECONNREFUSED/.test(text) ? ' (is the local stack running? start it with `npm start`)' : '';
  console.error(`matchcoach: ${known ? text : `failed: ${text}`}${unreachable}`);
  process.exit(1);
});
