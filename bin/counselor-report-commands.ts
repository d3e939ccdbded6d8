import { InvalidArgumentError, type Command } from 'commander';
import type { Services } from '../shared/adapters/services';
import { sendEveryWeeklyDigest, sendWeeklyDigests, sweepCrisisAlerts } from '../shared/app/counselors/counselor-alerts';
import { cohortMembersCsv, cohortWeeklyCsv } from '../shared/app/members/cohort-export';
import { recountCohort } from '../shared/app/members/recount-cohort';
import { loadLibrary } from '../shared/app/scheduling/library';
import { DomainError, plainIssue } from '../shared/domain/errors';
import { RecordId } from '../shared/domain/counselor';
import type { Clock } from '../shared/ports';
import { alertDepsOf } from '../functions/counselor-alert-deps';

/**
 * The report and alert commands of `npx matchcoach`: `digest --org <id>` sends the
 * weekly digest (the same function the schedule runs; once per counselor, cohort and week),
 * `alerts sweep` sends crisis alerts that did not go at the time, and `report <cohort> --org <id>`
 * prints a cohort's report as CSV. Registered by bin/matchcoach.ts.
 */

import { EXIT } from './exit-codes';

type ServicesFactory = (clock?: Clock) => Promise<Services>;

const recordId = (value: string, previous: string[] = []) => {
  const parsed = RecordId.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(plainIssue(parsed.error.issues[0]!));
  return [...previous, parsed.data];
};
const instant = (value: string) => {
  const t = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(t)) throw new InvalidArgumentError('expected an ISO instant such as 2027-03-19T16:00:00Z');
  return new Date(t);
};
const clockAt = (now?: Date): Clock | undefined => (now ? { now: () => now } : undefined);

export function registerReportCommands(program: Command, services: ServicesFactory): void {
  program
    .command('digest')
    .description("send each counselor who wants it this week's digest of their organisation's cohorts")
    .option('--org <orgId>', 'an organisation (repeat for more)', recordId)
    .option('--all', 'every organisation, as the weekly schedule does')
    .option('--now <instant>', 'as if it were this instant (the week it falls in)', instant)
    .action(async (o: { org?: string[]; all?: boolean; now?: Date }) => {
      if (Boolean(o.all) === Boolean(o.org?.length)) throw new DomainError('validation', 'give --org <orgId> (one or more) or --all');
      const s = await services(clockAt(o.now));
      const deps = alertDepsOf(s, s.log);
      const r = o.all ? await sendEveryWeeklyDigest(deps) : await sendWeeklyDigests(deps, o.org!);
      console.log(`weekly digest: sent ${r.sent}, sent before ${r.alreadySent}, in progress elsewhere ${r.busy}, failed ${r.failed}, organisations failed ${r.orgsFailed}`);
      if (r.failed > 0 || r.orgsFailed > 0) process.exitCode = EXIT.partial;
    });

  program
    .command('alerts')
    .description('crisis alerts to counselors')
    .command('sweep')
    .description('send the crisis alerts of the last 48 hours that did not go at the time (sent ones are skipped)')
    .option('--now <instant>', 'as if it were this instant', instant)
    .action(async (o: { now?: Date }) => {
      const s = await services(clockAt(o.now));
      const r = await sweepCrisisAlerts(alertDepsOf(s, s.log));
      console.log(`crisis alerts: sent ${r.sent}, sent before ${r.alreadySent}, in progress elsewhere ${r.busy}, failed ${r.failed}`);
      if (r.failed > 0) process.exitCode = EXIT.partial;
    });

  program
    .command('report')
    .description("print a cohort's report as CSV (members, or --weekly for the trend)")
    .argument('<cohortId>', 'the cohort')
    .requiredOption('--org <orgId>', 'its organisation', (v) => recordId(v)[0]!)
    .option('--weekly', 'the weekly trend instead of the members')
    .option('--recount', "put the cohort's figures right from its records (after a crash; reads every member)")
    .option('--now <instant>', 'as if it were this instant', instant)
    .action(async (cohortId: string, o: { org: string; weekly?: boolean; recount?: boolean; now?: Date }) => {
      const s = await services(clockAt(o.now));
      const cohort = await s.counselors.getCohort(o.org, cohortId);
      if (!cohort) {
        console.error('no such cohort in that organisation');
        process.exitCode = 2;
        return;
      }
      const operator = { counselorId: 'operator', orgId: o.org, role: 'admin' as const, scopes: [] };
      if (o.recount) {
        const r = await recountCohort({ ...s, library: await loadLibrary(s.store) }, operator, cohortId);
        console.log(`recounted ${r.members} members: ${r.linked} who said yes relinked, member counts moved by ${r.countsMoved}`);
        return;
      }
      const { csv } = o.weekly ? await cohortWeeklyCsv(s, operator, cohortId) : await cohortMembersCsv(s, operator, cohortId);
      process.stdout.write(csv);
    });
}
