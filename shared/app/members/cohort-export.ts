import { csvRow, MEMBER_CSV_COLUMNS, overallConsent } from '../../domain/cohort-report';
import { isAcceptedMember, type CounselorPrincipal } from '../../domain/counselor';
import { cohortFigures, isSilent, openFlags, silentSince } from '../../domain/engagement';
import type { Clock, Store } from '../../ports';
import type { CounselorStore } from '../../ports/counselor';
import type { EngagementStore } from '../../ports/engagement';
import { DomainError } from '../../domain/errors';

/**
 * The cohort's CSV exports, from the counts kept as things happen: every member who said yes, one
 * row each (read a page at a time: an export is the one view that is meant to cover everyone), and
 * the weekly trend from the cohort's totals. Cells that look like formulas are made text (csvCell).
 */

export interface ExportDeps {
  store: Pick<Store, 'getPeople'>;
  counselors: Pick<CounselorStore, 'getCohort' | 'listCohortMembersPage'>;
  engagement: Pick<EngagementStore, 'getStats' | 'getLinks' | 'cohortTotals'>;
  clock: Clock;
}

const PAGE = 100;

export async function cohortMembersCsv(deps: ExportDeps, principal: CounselorPrincipal, cohortId: string): Promise<{ csv: string; rows: number }> {
  const cohort = await deps.counselors.getCohort(principal.orgId, cohortId);
  if (!cohort || cohort.orgId !== principal.orgId) throw new DomainError('not_found', 'No such cohort.');
  const now = deps.clock.now();
  const lines = [csvRow(MEMBER_CSV_COLUMNS)];
  let after: string | undefined;
  for (;;) {
    const page = await deps.counselors.listCohortMembersPage(principal.orgId, cohortId, { limit: PAGE, ...(after !== undefined && { after }) });
    const ids = page.members.filter(isAcceptedMember).map((m) => m.personId);
    if (ids.length > 0) {
      const [people, stats, links] = await Promise.all([deps.store.getPeople(ids), deps.engagement.getStats(ids), deps.engagement.getLinks(principal.orgId, cohortId, ids)]);
      for (const id of ids) {
        const person = people.get(id);
        if (!person) continue;
        const s = stats.get(id);
        const email = person.consent.email?.state ?? 'none';
        const sms = person.consent.sms?.state ?? 'none';
        const flags = [
          ...(s ? openFlags(s, links.get(id)?.contactedAt).map((f) => `${f.reason}@${f.at}`) : []),
          ...(s && isSilent(s, now) ? [`no-reply@${silentSince(s)}`] : []),
        ];
        lines.push(
          csvRow([id, person.firstName, overallConsent(email, sms), email, sms, s?.sent ?? 0, s?.delivered ?? 0, s?.failed ?? 0, s?.checkinsSent ?? 0, s?.checkinsAnswered ?? 0, s?.lastScore?.score, s?.lastScore?.at, s?.lastReplyAt, flags.join('; ')]),
        );
      }
    }
    if (!page.next) break;
    after = page.next;
  }
  return { csv: `${lines.join('\r\n')}\r\n`, rows: lines.length - 1 };
}

/** The weekly trend: week, average score (blank when nobody scored), scores, check-ins sent and answered, rate. */
export async function cohortWeeklyCsv(deps: ExportDeps, principal: CounselorPrincipal, cohortId: string): Promise<{ csv: string; rows: number }> {
  const cohort = await deps.counselors.getCohort(principal.orgId, cohortId);
  if (!cohort || cohort.orgId !== principal.orgId) throw new DomainError('not_found', 'No such cohort.');
  const figures = cohortFigures(await deps.engagement.cohortTotals(principal.orgId, cohortId), deps.clock.now());
  const rows = figures.weeks.map((w) => csvRow([w.weekStart, w.average ?? '', w.scores, w.checkinsSent, w.checkinsAnswered, w.rate ?? '']));
  return { csv: `${[csvRow(['week_start', 'average_score', 'scores', 'checkins_sent', 'checkins_answered', 'response_rate']), ...rows].join('\r\n')}\r\n`, rows: rows.length };
}

