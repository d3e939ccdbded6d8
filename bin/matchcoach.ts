import { Command, CommanderError, InvalidArgumentError } from 'commander';
import * as z from 'zod';
import { DateTime } from 'luxon';
import { createDispatcher } from '../shared/app/dispatch/dispatcher';
import { enroll, parseEnrollInput } from '../shared/app/scheduling/enroll';
import { DomainError } from '../shared/domain/errors';
import { previewSequence } from '../shared/app/scheduling/preview';
import { correctCalendarDate, setOutcome } from '../shared/app/scheduling/replan';
import { resumeCoaching } from '../shared/app/safety/support-hold';
import os from 'node:os';
import { loadLibrary } from '../shared/app/scheduling/library';
import { simulateSeason } from '../shared/tools/simulation';
import { renderSeasonDocument } from '../shared/tools/season-document';
import fs from 'node:fs';
import path from 'node:path';
import { shippedLibrary } from '../shared/app/scheduling/library';
import { createServices } from '../shared/adapters/services';
import { createCounselorServices } from '../shared/adapters/counselor-services';
import { ConfigError, parseConfig } from '../shared/config';
import { Outcome } from '../shared/domain/sequence';
import { calendarData, personaLibrary, sequenceLibrary } from '../shared/content';
import { EASTERN, SEASON_EVENT_NAMES, describeBasis, seasonCalendar, seasonEnd, unknownSeasonDates } from '../shared/domain/calendar';
import { localDataDir, settingsOfRunningStack } from '../infra/local/settings';
import { findRunningStack, noStackMessage, type RunningStack } from '../infra/local/stack-file';
import type { Clock } from '../shared/ports';
// Counselors: counselor add, cohort create, import.
import { registerCounselorCommands } from './counselor-commands';
// Counselors: weekly digest, crisis alert sweep, cohort report CSV.
import { registerReportCommands } from './counselor-report-commands';
import { EXIT } from './exit-codes';
import { messageLines } from '../shared/domain/message-record';
import { registerAnnounceCommand } from './announce-command';

/**
 * `npx matchcoach`: the operator's command line. Without TABLE_NAME in the environment it talks
 * to the local stack that `npm start` runs, at the ports that stack wrote down under its data
 * directory (so any terminal finds it, and no other DynamoDB on a default port is ever used);
 * with TABLE_NAME (and AWS credentials) to that table. Every failure is one line on stderr and a
 * non-zero exit (./exit-codes.ts).
 */

class UsageError extends Error {}
/** No local stack to talk to: said plainly, never a connection error from a port we guessed. */
class NoStackError extends Error {}

// `matchcoach calendar 2028 | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

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

async function findPerson(s: Awaited<ReturnType<typeof services>>, o: { email?: string; phone?: string }): Promise<string> {
  if (!o.email && !o.phone) throw new UsageError('give --email or --phone');
  const personId =
    (o.email && (await s.store.findPersonIdByEmail(String(o.email).toLowerCase()))) || (o.phone && (await s.store.findPersonIdByPhone(o.phone)));
  if (!personId) throw new UsageError('no such person');
  return personId;
}

/** The local stack `npm start` runs with this data directory (MATCHCOACH_DATA_DIR, default .data). */
function runningStack(): RunningStack {
  const found = findRunningStack(localDataDir(process.env));
  if (found.status !== 'running') throw new NoStackError(noStackMessage(found));
  return found.stack;
}

/** The table in TABLE_NAME (with AWS credentials), else the running local stack's. */
function cliConfig() {
  // The stack's own addresses win over stray variables in this shell: they are where it listens.
  const env = process.env.TABLE_NAME ? process.env : { ...process.env, ...settingsOfRunningStack(runningStack()).env };
  Object.assign(process.env, env);
  return parseConfig(env);
}

async function services(clock?: Clock) {
  return createServices(cliConfig(), clock ? { clock } : {});
}

/**
 * The counselor commands also check counselor tokens (`--token`), as the counselors' API does; as
 * the operator's tool they hold everything the functions hold between them.
 */
async function counselorServices() {
  const config = cliConfig();
  const [all, counselor] = await Promise.all([createServices(config), createCounselorServices(config)]);
  return { ...all, ...counselor };
}

const program = new Command('matchcoach')
  .description('Match Coach operator CLI: enroll people, preview sequences, run dispatch ticks.')
  .version(packageVersion(), '-V, --version', 'print the version')
  .exitOverride()
  .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'matchcoach: ')) });

/** The version in package.json (read at run time: the CLI runs from the sources, never built). */
function packageVersion(): string {
  const parsed = z.object({ version: z.string().min(1) }).safeParse(JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')));
  return parsed.success ? parsed.data.version : 'unknown';
}

const listOption = (value: string) => value.split(',').map((v) => v.trim()).filter(Boolean);
/** Profile options shared by enroll and preview; zod validates the values in the use case. */
const withProfileOptions = (command: Command) =>
  command
    .option('--season <year>', 'Match year, e.g. 2027 (default: the season under way)', yearOption)
    .option('--applicant <type>', 'non-us-img or us-img')
    .option('--visa <track>', 'j1, h1b, none or undecided')
    .option('--attempt <n>', '1 for a first application cycle, 2+ for a repeat', intOption)
    .option('--outcome <outcome>', 'applying, soap, matched, unmatched or withdrawn')
    .option('--done <milestones>', 'comma-separated milestones already done, e.g. step1,step2ck,oet', listOption)
    .option('--anchor <name=date>', 'a personal date, repeatable: step2_exam=2027-01-10', anchorOption, {})
    .option('--specialty <words>', 'the specialty in their own words, e.g. "OB/GYN" (unknown ones take the ERAS path)');
const profileFrom = (o: Record<string, unknown>) => ({
  season: o.season, applicantType: o.applicant, visaTrack: o.visa, attempt: o.attempt, outcome: o.outcome, done: o.done, anchors: o.anchor, specialty: o.specialty,
});

withProfileOptions(
  program
    .command('enroll')
    .description('enroll a person: in one sequence, or (without --sequence) in every track their profile fits. Consent is recorded with source "operator"')
    .option('--email <address>', 'email address')
    .option('--phone <e164>', 'mobile number in E.164 form, e.g. +919812345678')
    .option('--name <first name>', 'first name used in messages')
    .requiredOption('--zone <iana>', 'IANA time zone, e.g. Asia/Kolkata')
    .option('--sequence <id>', 'one sequence id (see `matchcoach sequences`)'),
)
  .option('--cadence <setting>', 'routine texts a week: standard (up to about 3) or light (about 1); deadline alerts come either way')
  .option('--now <instant>', 'enroll as if it were this instant (for walk-throughs with `tick --now`)', instantOption)
  .action(async (o) => {
    const now: Date | undefined = o.now;
    const input = { email: o.email, phone: o.phone, firstName: o.name, timeZone: o.zone, sequenceId: o.sequence, cadence: o.cadence, ...profileFrom(o) };
    parseEnrollInput(input); // bad input is refused before any connection is made
    const s = await services(now ? { now: () => now } : undefined);
    const result = await enroll(s, input);
    console.log(`enrolled person ${result.personId} in ${result.enrollments.map((e) => e.sequenceId).join(', ') || 'nothing new'}`);
    for (const m of result.planned) console.log(`  next ${m.channel.padEnd(5)} ${m.sendAt}  ${m.sequenceId}/${m.stepId}`);
    if (result.planned.length === 0) console.log('  nothing left to send from now on');
    if (result.leftOut.length) console.log(`  left out (no date given for their anchor): ${result.leftOut.join(', ')}`);
  });

program
  .command('outcome')
  .description("record a person's Match outcome; they move to the tracks that fit it")
  .argument('<outcome>', 'applying, soap, matched, unmatched or withdrawn')
  .option('--email <address>')
  .option('--phone <e164>')
  .option('--now <instant>', 'as if it were this instant', instantOption)
  .action(async (outcome: string, o) => {
    // Checked before any connection: a typo is refused whether or not a stack runs.
    if (!Outcome.safeParse(outcome).success) throw new UsageError(`outcome: expected one of ${Outcome.options.join(', ')}`);
    const now: Date | undefined = o.now;
    const s = await services(now ? { now: () => now } : undefined);
    const personId = await findPerson(s, o);
    const result = await setOutcome(s, personId, outcome);
    console.log(`outcome ${outcome}: ended ${result.ended.join(', ') || 'nothing'}; started ${result.started.join(', ') || 'nothing'}; ${result.planned.length} lane(s) planned`);
  });

program
  .command('resume-coaching')
  .description('lift a support hold after a human has checked in with the person: upbeat coaching comes back (a risk text set the hold)')
  .option('--email <address>')
  .option('--phone <e164>')
  .option('--by <who>', 'who checked in and lifts the hold, kept in their safety record (default: operator:<login>)')
  .option('--now <instant>', 'as if it were this instant', instantOption)
  .action(async (o) => {
    const now: Date | undefined = o.now;
    const s = await services(now ? { now: () => now } : undefined);
    const personId = await findPerson(s, o);
    const result = await resumeCoaching(s, { personId, by: o.by ?? `operator:${loginName()}` });
    console.log(result.resumed ? `support hold lifted; ${result.planned} lane(s) planned` : 'no support hold on this person; nothing changed');
  });

/** The operator's login, for the record of who lifted a hold; never fatal. */
function loginName(): string {
  try {
    return os.userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}

withProfileOptions(
  program
    .command('preview')
    .description('print every message a sequence (or a persona\'s whole season) would send, in order, without touching storage')
    .option('--sequence <id>', 'sequence id')
    .option('--persona <id>', 'walk an example applicant through a season with the real engine (see shared/content/personas.json)')
    .option('--zone <iana>', 'IANA time zone'),
)
  .option('--enrolled <instant>', 'when the person enrolls (default: now)')
  .option('--name <first name>', 'first name used in messages')
  .option('--held', 'also list the steps this profile would not get, with the reason')
  .action(async (o) => {
    if (o.persona) {
      const persona = personaLibrary().find((p) => p.id === o.persona);
      if (!persona) throw new UsageError(`no persona "${o.persona}"; known: ${personaLibrary().map((p) => p.id).join(', ')}`);
      const walk = await simulateSeason(persona, { until: seasonEnd(persona.profile.season) });
      for (const send of walk.sends) {
        const local = DateTime.fromJSDate(send.at, { zone: persona.timeZone }).toFormat('ccc yyyy-LL-dd HH:mm');
        console.log(`${local}  ${send.channel.toUpperCase().padEnd(5)} ${send.sequenceId}/${send.stepId}`);
        console.log(`    ${(send.subject ? `Subject: ${send.subject}\n` : '') + send.text.split('\n\n--\n')[0]}`.replace(/\n/g, '\n    '));
      }
      console.log(`${walk.sends.length} message(s) over the season for ${persona.id} (${persona.description}).`);
      return;
    }
    if (!o.sequence || !o.zone) throw new UsageError('give --sequence and --zone, or --persona');
    const { lines, leftOut } = previewSequence(
      { library: shippedLibrary(), now: new Date() },
      { sequenceId: o.sequence, timeZone: o.zone, enrolledAt: o.enrolled, firstName: o.name, includeHeld: Boolean(o.held), ...profileFrom(o) },
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
    console.log(`tick at ${(now ?? new Date()).toISOString()}: sent ${r.sent} (${r.segments.sms} text segment(s), ${r.segments.email} email(s)), skipped ${r.skipped}, failed ${r.failed}, retry later ${r.retried}, lost races ${r.lostRaces}, faults ${r.errors}`);
    // The messages that hit a fault are retried by a later tick; the rest went.
    if (r.errors > 0) process.exitCode = EXIT.partial;
  });

program
  .command('messages')
  .description("list a person's messages: planned time, when it really went, channel, status, track/step, and why anything was not sent (what the weekly budget dropped, and why)")
  .option('--email <address>')
  .option('--phone <e164>')
  .action(async (o) => {
    const s = await services();
    for (const line of messageLines(await s.store.listMessages(await findPerson(s, o)))) console.log(line);
  });

program
  .command('season-doc')
  .description('write docs/season-preview.md: the personas\' seasons as the real engine sends them')
  .option('--out <file>', 'where to write it', 'docs/season-preview.md')
  .option('--check', 'exit 1 if the file is not current, write nothing')
  .action(async (o) => {
    const text = await renderSeasonDocument();
    const current = fs.existsSync(o.out) ? fs.readFileSync(o.out, 'utf8') : '';
    if (o.check) {
      if (current !== text) throw new UsageError(`${o.out} is out of date: run npm run docs:season`);
      console.log(`${o.out} is current.`);
      return;
    }
    fs.mkdirSync(path.dirname(o.out), { recursive: true });
    fs.writeFileSync(o.out, text);
    console.log(`wrote ${o.out} (${text.split('\n').length} lines)`);
  });

program
  .command('sequences')
  .description('list the sequences in the coaching library')
  .action(() => {
    for (const s of sequenceLibrary().values()) console.log(`${s.id.padEnd(24)} ${s.steps.length} steps  ${s.name}`);
  });

const calendar = program
  .command('calendar')
  .description('the Match season calendar: print a season, or correct one of its dates')
  // `calendar 2028` runs `show` (the default): the usage line says so rather than hiding it.
  .usage('<year>                              print a Match season\n       matchcoach calendar set <year> <event> <eastern-time> --source <text>');
calendar
  .command('show', { isDefault: true })
  .description('print a Match season, confirmed and computed dates')
  .argument('<year>', 'Match year, e.g. 2028', yearOption)
  .action(async (year: number) => {
    // Corrections stored in the table count when the stack is reachable; the shipped data otherwise.
    const data = await loadLibrary((await services().catch(() => undefined))?.store ?? { getCalendarOverrides: async () => ({}) })
      .then((l) => l.calendar)
      .catch(() => calendarData());
    for (const d of seasonCalendar(year, data)) {
      const at = DateTime.fromISO(d.at, { zone: EASTERN }).toFormat('ccc yyyy-LL-dd HH:mm ZZZZ');
      // An unknown date shows no time of its own: the one printed is only what planning assumes.
      const when = d.basis === 'unknown' ? 'unknown'.padEnd(26) : at.padEnd(26);
      const planned = d.basis === 'unknown' ? ` (planned as if ${at})` : '';
      console.log(`${when} ${d.label}  [${d.event}]  ${describeBasis(d)}${planned}`);
    }
    for (const { season, date } of unknownSeasonDates([year], data)) {
      console.error(`matchcoach: warning: Match ${season} ${date.event} is not announced; set it with \`matchcoach calendar set ${season} ${date.event} <eastern-time> --source ...\``);
    }
  });
calendar
  .command('set')
  .description('correct one season date (Eastern time) without a code change; everyone in that season is re-planned')
  .argument('<year>', 'Match year', yearOption)
  .argument('<event>', `one of: ${SEASON_EVENT_NAMES.join(', ')}`)
  .argument('<eastern-time>', 'US Eastern wall-clock time, e.g. 2027-03-04T21:00')
  .requiredOption('--source <text>', 'where the date comes from, e.g. "NRMP notice of 2026-12-01"')
  .option('--certainty <V|S|I|U>', 'V official page, S secondary sources agree, I inferred, U one unconfirmed source', 'V')
  .option('--url <url>', 'where the date was read')
  .option('--checked <date>', 'the day it was checked against the source (default: today)')
  .action(async (year: number, event: string, at: string, o) => {
    const s = await services();
    const entry = { at, certainty: o.certainty, source: o.source, ...(o.url ? { url: o.url } : {}), ...(o.checked ? { checked: o.checked } : {}) };
    const { replanned } = await correctCalendarDate(s, { season: year, event, entry });
    console.log(`${event} ${year} is now ${at} Eastern; re-planned ${replanned} person(s).`);
  });

registerCounselorCommands(program, counselorServices);
registerReportCommands(program, (clock) => services(clock));
registerAnnounceCommand(program, () => services());

program
  .command('stack')
  .description('where the local stack (`npm start`) listens: its addresses, or one of them for scripts')
  .option('--url <part>', 'print only this address: api, mailbox, phone or dynamodb')
  .action((o: { url?: string }) => {
    const stack = runningStack();
    const urls = {
      api: `http://127.0.0.1:${stack.ports.api}`,
      mailbox: `http://127.0.0.1:${stack.ports.ses}`,
      phone: `http://127.0.0.1:${stack.ports.sms}/phone`,
      dynamodb: `http://127.0.0.1:${stack.ports.dynamo}`,
    };
    if (o.url !== undefined) {
      const part = z.enum(['api', 'mailbox', 'phone', 'dynamodb']).safeParse(o.url);
      if (!part.success) throw new UsageError(`--url takes api, mailbox, phone or dynamodb, not "${o.url}"`);
      console.log(urls[part.data]);
      return;
    }
    console.log(`local stack (pid ${stack.pid}, started ${stack.startedAt})`);
    console.log(`  HTTP API        ${urls.api}`);
    console.log(`  Mailbox (SES)   ${urls.mailbox}`);
    console.log(`  Phone (SMS)     ${urls.phone}`);
    console.log(`  DynamoDB Local  ${urls.dynamodb}   table ${stack.tableName}`);
    console.log(`  Data            ${stack.dataDir}`);
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof CommanderError) {
    // --help and --version end here too, with commander's own exit code 0.
    process.exit(error.exitCode === 0 ? EXIT.ok : EXIT.usage);
  }
  const known = error instanceof DomainError || error instanceof UsageError || error instanceof ConfigError || error instanceof NoStackError;
  const text = error instanceof Error ? error.message : String(error);
  console.error(`matchcoach: ${known ? text : `failed: ${text}${unreachable(text)}`}`);
  process.exit(EXIT.failed);
});

/** A stack that wrote its file but does not answer (stopped hard, or still starting). */
function unreachable(text: string): string {
  const port = /ECONNREFUSED 127\.0\.0\.1:(\d+)/.exec(text)?.[1];
  if (!port) return '';
  return ` (nothing answers on port ${port}: is the local stack still running? \`npx matchcoach stack\` shows where it should be)`;
}
