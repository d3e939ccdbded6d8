import fs from 'node:fs';
import type { Command } from 'commander';
import type { Services } from '../shared/adapters/services';
import type { CounselorServices } from '../shared/adapters/counselor-services';
import { COUNSELOR_API_SCOPE, type CounselorPrincipal } from '../shared/domain/counselor';
import { localIssuer } from '../shared/adapters/local-jwt';
import { createCohort } from '../shared/app/cohorts/create-cohort';
import { enrollCounselorAsOperator } from '../shared/app/cohorts/enroll-counselor-as-operator';
import { sendInvitations } from '../shared/app/cohorts/send-invitations';
import type { CohortDeps } from '../shared/app/cohorts/deps';
import { MAX_CSV_BYTES, importCsv } from '../shared/app/cohorts/csv-import';
import { currentCounselor } from '../shared/app/counselors/counselor-auth';
import { DomainError } from '../shared/domain/errors';
import { EXIT } from './exit-codes';

/**
 * The counselor commands of `npx matchcoach`: `counselor add` (prints a local token),
 * `cohort create`, and `import <file.csv> --cohort <id>` with a progress bar and a summary.
 * Registered by bin/matchcoach.ts; the use cases are the same the API runs.
 */

type ServicesFactory = () => Promise<Services & CounselorServices>;

const depsOf = (s: Services): CohortDeps => ({
  store: s.store,
  counselors: s.counselors,
  engagement: s.engagement,
  email: s.email,
  sms: s.sms,
  clock: s.clock,
  log: s.log,
  tokenSecret: s.tokenSecret,
  publicBaseUrl: s.publicBaseUrl,
  postalAddress: s.settings.postalAddress,
});

/**
 * Who the command acts as: the counselor named by a token (`--token` or MATCHCOACH_TOKEN, checked
 * against the local issuer like any API call), or, with `--org`, the operator acting in that org.
 */
async function actorOf(s: Pick<CounselorServices, 'counselorAuth' | 'counselors'>, o: { token?: string; org?: string }): Promise<CounselorPrincipal> {
  if (o.org) return { counselorId: 'operator', orgId: o.org, role: 'admin', scopes: [COUNSELOR_API_SCOPE] };
  const token = o.token ?? process.env.MATCHCOACH_TOKEN;
  if (!token) throw new DomainError('validation', 'give --org <org> (as the operator) or a counselor token (--token or MATCHCOACH_TOKEN, from `matchcoach counselor add`)');
  const claimed = await s.counselorAuth.authenticate({ headers: { authorization: `Bearer ${token}` }, requestContext: {} } as never);
  // The same rule as the API: the organisation must still have this counselor, in the role it says now.
  const principal = claimed && (await currentCounselor(s.counselors, claimed));
  if (!principal) {
    throw new DomainError('validation', 'that token is not valid here (expired, from another stack, or its counselor was removed): run `matchcoach counselor add` again');
  }
  return principal;
}

/** Why a file could not be opened, in words (the system's code alone says little to most people). */
function whyUnreadable(error: unknown): string {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'ENOENT':
      return 'there is no such file (check the name and the folder you are in)';
    case 'EACCES':
    case 'EPERM':
      return 'you do not have permission to read it';
    case 'ENOTDIR':
      return 'a folder in that path is a file';
    default:
      return (error as NodeJS.ErrnoException).code ?? 'unreadable';
  }
}

/** A one-line progress bar on stderr when it is a terminal; nothing when piped. */
function progressBar(label: string) {
  const tty = process.stderr.isTTY === true;
  let last = 0;
  return {
    update(done: number, total: number) {
      if (!tty || (Date.now() - last < 80 && done < total)) return;
      last = Date.now();
      const width = 30;
      const filled = total ? Math.round((done / total) * width) : 0;
      const pct = total ? Math.round((done / total) * 100) : 0;
      process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(pct).padStart(3)}%  ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')}`);
    },
    done() {
      if (tty) process.stderr.write('\n');
    },
  };
}

export function registerCounselorCommands(program: Command, services: ServicesFactory): void {
  const counselor = program.command('counselor').description('counselors and their organisations');
  counselor
    .command('add')
    .description('add a counselor to an organisation (created if new) and print a local access token for them')
    .requiredOption('--org <orgId>', 'organisation id, e.g. alpha-advising')
    .requiredOption('--email <address>', "the counselor's email address")
    .option('--role <role>', 'admin or counselor', 'counselor')
    .option('--org-name <name>', "the organisation's name, as invitations show it")
    .action(async (o) => {
      const s = await services();
      const { counselor: c, org, created } = await enrollCounselorAsOperator(s, { orgId: o.org, email: o.email, role: o.role, ...(o.orgName && { orgName: o.orgName }) });
      console.error(`${created ? 'added' : 'found'} ${c.role} ${c.counselorId} in ${org.orgId} ("${org.name}")`);
      const dir = process.env.LOCAL_COUNSELOR_JWT_DIR;
      if (!dir || !process.env.DYNAMODB_ENDPOINT) {
        console.error('In AWS, counselors sign in through Cognito (DEPLOY.md); no token is printed.');
        return;
      }
      // The token alone on stdout, so `export MATCHCOACH_TOKEN=$(matchcoach counselor add ...)` works.
      const token = localIssuer(dir).issue({ sub: c.counselorId, 'custom:orgId': c.orgId, 'custom:role': c.role, scope: COUNSELOR_API_SCOPE, email: c.email });
      console.log(token);
      console.error('Valid for 12 hours. Use it as "Authorization: Bearer <token>" on /counselor/... or as MATCHCOACH_TOKEN.');
    });

  program
    .command('cohort')
    .description('create a cohort (as a counselor token or, with --org, as the operator)')
    .argument('<action>', 'create')
    .requiredOption('--name <name>', 'cohort name')
    .requiredOption('--season <year>', 'Match year, e.g. 2027')
    .requiredOption('--sequence <ids>', 'comma-separated sequence ids (see `matchcoach sequences`)')
    .option('--anchor <name=date...>', 'anchor overrides, e.g. interview_day=2027-01-20')
    .option('--org <orgId>', 'act as the operator in this organisation')
    .option('--token <jwt>', 'act as this counselor (default: MATCHCOACH_TOKEN)')
    .action(async (action: string, o) => {
      if (action !== 'create') throw new DomainError('validation', 'the only cohort action here is create (the API does the rest)');
      const s = await services();
      const actor = await actorOf(s, o);
      const anchorOverrides = Object.fromEntries((o.anchor ?? []).map((a: string) => a.split('=', 2) as [string, string]));
      const cohort = await createCohort(depsOf(s), actor, {
        name: o.name,
        season: Number(o.season),
        sequenceIds: String(o.sequence).split(',').map((x) => x.trim()).filter(Boolean),
        anchorOverrides,
      });
      console.log(cohort.cohortId);
      console.error(`created cohort "${cohort.name}" (${cohort.season}) in ${cohort.orgId}`);
    });

  program
    .command('import')
    .description('add the people in a CSV file to a cohort; prints a summary and every rejected row with its reason')
    .argument('<file>', 'CSV file, UTF-8, header row: email, phone, name, time_zone, visa_track, applicant_type, attempt, step1_exam ... (README "Counselors")')
    .requiredOption('--cohort <id>', 'cohort id')
    .option('--org <orgId>', 'act as the operator in this organisation')
    .option('--token <jwt>', 'act as this counselor (default: MATCHCOACH_TOKEN)')
    .option('--no-invite', 'import only; send the invitations later (POST /counselor/cohorts/<id>/invitations)')
    .option('--report <file.json>', 'also write the full per-row report as JSON')
    .action(async (file: string, o) => {
      let stat: fs.Stats;
      try {
        stat = fs.statSync(file);
        fs.accessSync(file, fs.constants.R_OK);
      } catch (error) {
        throw new DomainError('validation', `cannot read ${file}: ${whyUnreadable(error)}`);
      }
      if (stat.isDirectory()) throw new DomainError('validation', `cannot read ${file}: it is a directory, not a CSV file`);
      if (stat.size > MAX_CSV_BYTES) throw new DomainError('validation', `${file} is larger than ${MAX_CSV_BYTES / 1024 / 1024} MB: split it into smaller files`);
      const s = await services();
      const actor = await actorOf(s, o);
      const deps = depsOf(s);
      const bar = progressBar('importing');
      const started = Date.now();
      let read = 0;
      const report = await importCsv(deps, actor, o.cohort, fs.createReadStream(file), {
        onProgress: (p) => {
          if (p.phase === 'reading') read = p.done;
          else bar.update(p.done, p.total ?? read);
        },
      });
      bar.done();
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      if (report.fileError) throw new DomainError('validation', `${file}: ${report.fileError}`);
      const { added, updated, unchanged, rejected } = report.summary;
      console.log(`${report.rows.length.toLocaleString('en-US')} rows in ${seconds} s: ${added} added, ${updated} updated, ${unchanged} unchanged, ${rejected} rejected`);
      for (const row of report.rows.filter((r) => r.status === 'rejected').slice(0, 50)) {
        if (row.status === 'rejected') console.log(`  row ${row.row}: ${row.reason}`);
      }
      if (rejected > 50) console.log(`  ... and ${rejected - 50} more (see --report)`);
      if (o.report) fs.writeFileSync(o.report, JSON.stringify(report, null, 2));
      if (o.invite && report.toInvite.length) {
        const sent = await sendInvitations(deps, actor, o.cohort, report.toInvite);
        console.log(
          `invitations: ${sent.invited} people asked for their yes${sent.failed ? `, ${sent.failed} not queued (run again)` : ''}; the dispatcher sends them at the providers' pace, texts after the person's quiet hours`,
        );
      }
      // Done in part: the good rows are in, the rejected ones are listed above.
      if (rejected > 0) process.exitCode = EXIT.partial;
    });
}
