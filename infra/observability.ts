import { Duration, Stack } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { HandlerName } from './handlers';
import type { ServiceFunction } from './service-function';

/**
 * Signals the code writes into its structured logs (Powertools: one JSON object per line, the
 * message under `message`, the attributes beside it at the top level), turned into metrics by
 * CloudWatch metric filters. Each is a list of alternatives; an alternative is a set of top-level
 * fields that must all equal the given strings. test/infra/observability.test.ts checks each
 * against the code that logs it, so renaming a log line breaks a test, not the alarm.
 */
export interface LogSignal {
  /** The handler whose log group carries it. */
  readonly source: HandlerName;
  readonly metricName: string;
  readonly whenAny: ReadonlyArray<Readonly<Record<string, string>>>;
}

export const LOG_SIGNALS = {
  /** shared/app/inbound/ (risk-text.ts, unknown-number.ts): a text signalled risk of self-harm (ids only). A human must look. */
  crisisFlag: { source: 'api', metricName: 'CrisisFlags', whenAny: [{ message: 'crisis_flag' }] },
  /**
   * The crisis reply went out but its records or the counselor alert did not: `crisis_alert_failed`
   * (the alert's delivery) or the `CrisisFlagNotStored` alarm field (inbound-sms.ts).
   */
  crisisAlertFailed: {
    source: 'api',
    metricName: 'CrisisAlertFailures',
    whenAny: [{ message: 'crisis_alert_failed' }, { alarm: 'CrisisFlagNotStored' }, { alarm: 'CrisisAlertFailed' }],
  },
  /** shared/app/dispatch/dispatch-one.ts: an SMS whose send failed for good (Twilio refused it, or retries ran out). */
  smsSendFailed: { source: 'dispatcher', metricName: 'SmsSendFailures', whenAny: [{ message: 'dispatched', channel: 'sms', outcome: 'failed' }] },
  /** shared/app/dispatch/delivery-status.ts: Twilio reported a text undelivered or failed (carrier filtering, bad number). */
  smsNotDelivered: { source: 'api', metricName: 'SmsNotDelivered', whenAny: [{ message: 'sms not delivered' }] },
  /** shared/app/dispatch/send-slot.ts: SES answered with the daily quota or a paused account; email waits. */
  emailSendingPaused: { source: 'dispatcher', metricName: 'EmailSendingPaused', whenAny: [{ alarm: 'EmailSendingPaused' }] },
} as const satisfies Record<string, LogSignal>;

export type LogSignalName = keyof typeof LOG_SIGNALS;

/**
 * What the sends cost, from each dispatcher tick's report (functions/dispatcher.ts logs it as
 * `tick finished`, its fields at the top level): metrics whose value is a field of that line, so
 * an operator sees segments billed per channel, and texts that went as UCS-2 (a name or a goal
 * that slipped past the GSM-7 filter would show here first).
 */
export const SEND_COST_METRICS = [
  { metricName: 'SmsSegments', field: 'segments.sms' },
  { metricName: 'EmailsSent', field: 'segments.email' },
  { metricName: 'Ucs2Texts', field: 'ucs2Texts' },
] as const;
export const TICK_REPORT_MESSAGE = 'tick finished';

/** The CloudWatch filter pattern of a signal: `{ ($.a = "x" && $.b = "y") || ... }`. */
export function filterPatternFor(signal: LogSignal): logs.IFilterPattern {
  const alternatives = signal.whenAny.map((fields) =>
    logs.FilterPattern.all(...Object.entries(fields).map(([field, value]) => logs.FilterPattern.stringValue(`$.${field}`, '=', value))),
  );
  return alternatives.length === 1 ? alternatives[0]! : logs.FilterPattern.any(...alternatives);
}

/** What the filter does to one JSON log line, for tests: every field of some alternative equal. */
export function matchesLogSignal(signal: LogSignal, line: Record<string, unknown>): boolean {
  return signal.whenAny.some((fields) => Object.entries(fields).every(([field, value]) => line[field] === value));
}

/** SES's account-wide reputation, as SES itself judges it: review at 5 % bounces / 0.1 % complaints. */
export const SES_REPUTATION = {
  bounceRate: { metricName: 'Reputation.BounceRate', alarmAbove: 0.04, sesReviewsAt: 0.05, sesPausesAt: 0.1 },
  complaintRate: { metricName: 'Reputation.ComplaintRate', alarmAbove: 0.0008, sesReviewsAt: 0.001, sesPausesAt: 0.005 },
} as const;

export interface OperationsProps {
  readonly stage: string;
  readonly alarmTopic: sns.ITopic;
  readonly functions: Record<HandlerName, ServiceFunction>;
  readonly dispatcherTimeout: Duration;
  readonly httpApi: apigwv2.HttpApi;
  /** Dead-letter queues, by what an operator does about a message in them. */
  readonly deadLetterQueues: ReadonlyArray<{ id: string; queue: sqs.IQueue; what: string }>;
  readonly sesEventsTopic: sns.ITopic;
}

/**
 * Every alarm (to the alarm topic, with OK notifications too) and the one dashboard. Log metrics
 * live in the namespace `MatchCoach/<stage>` so two stages in one account stay apart.
 */
export class Operations extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly logMetrics: Record<LogSignalName, cloudwatch.Metric>;
  readonly dashboard: cloudwatch.Dashboard;
  readonly namespace: string;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    this.namespace = `MatchCoach/${props.stage}`;
    const { dispatcher, api, counselorApi } = props.functions;
    const action = new SnsAction(props.alarmTopic);
    const minute = Duration.minutes(1);
    const fiveMinutes = Duration.minutes(5);
    const alarm = (alarmId: string, alarmProps: cloudwatch.AlarmProps) => {
      const created = new cloudwatch.Alarm(this, alarmId, alarmProps);
      created.addAlarmAction(action);
      created.addOkAction(action);
      this.alarms.push(created);
      return created;
    };
    const atLeast = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD;
    const quietWhenNoData = cloudwatch.TreatMissingData.NOT_BREACHING;

    this.logMetrics = Object.fromEntries(
      Object.entries(LOG_SIGNALS).map(([name, signal]) => {
        const filter = props.functions[signal.source].logGroup.addMetricFilter(`${signal.metricName}Filter`, {
          filterPattern: filterPatternFor(signal),
          metricNamespace: this.namespace,
          metricName: signal.metricName,
          metricValue: '1',
        });
        return [name, filter.metric({ statistic: 'Sum', period: fiveMinutes })];
      }),
    ) as Record<LogSignalName, cloudwatch.Metric>;

    const sendCost = Object.fromEntries(
      SEND_COST_METRICS.map(({ metricName, field }) => {
        const filter = dispatcher.logGroup.addMetricFilter(`${metricName}Filter`, {
          filterPattern: logs.FilterPattern.stringValue('$.message', '=', TICK_REPORT_MESSAGE),
          metricNamespace: this.namespace,
          metricName,
          metricValue: `$.${field}`,
        });
        return [metricName, filter.metric({ statistic: 'Sum', period: fiveMinutes })];
      }),
    ) as Record<(typeof SEND_COST_METRICS)[number]['metricName'], cloudwatch.Metric>;

    // ---- The dispatcher ----
    const dispatcherErrors = dispatcher.function.metricErrors({ period: fiveMinutes, statistic: 'Sum' });
    alarm('DispatcherErrors', {
      alarmDescription: 'The dispatcher failed a tick: messages may be late (the lease brings them back)',
      metric: dispatcherErrors,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: atLeast,
      treatMissingData: quietWhenNoData,
    });
    // The dispatcher stops itself at DISPATCH_MAX_SECONDS (timeout minus 10 s); beyond 90 % of the
    // timeout it did not, most likely because a provider call hung.
    const dispatcherDuration = dispatcher.function.metricDuration({ period: fiveMinutes, statistic: 'Maximum' });
    alarm('DispatcherNearTimeout', {
      alarmDescription: 'A dispatcher tick ran past 90% of its timeout: it is about to be cut off mid-send',
      metric: dispatcherDuration,
      threshold: Math.round(props.dispatcherTimeout.toMilliseconds() * 0.9),
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: quietWhenNoData,
    });
    // Silence is a failure too: a disabled schedule, a broken role or a deleted permission stops
    // every message without a single error.
    const dispatcherInvocations = dispatcher.function.metricInvocations({ period: Duration.minutes(10), statistic: 'Sum' });
    alarm('DispatcherNotTicking', {
      alarmDescription: 'The dispatcher ran fewer than 5 times in 10 minutes (it should run every minute): nothing is being sent',
      metric: dispatcherInvocations,
      threshold: 5,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    const dispatcherThrottles = dispatcher.function.metricThrottles({ period: fiveMinutes, statistic: 'Sum' });
    alarm('DispatcherThrottled', {
      alarmDescription: 'A dispatcher invocation hit its concurrency cap: ticks are piling up (see DEPLOY.md, concurrency)',
      metric: dispatcherThrottles,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: atLeast,
      treatMissingData: quietWhenNoData,
    });

    // ---- Counselors' sign-in ----
    // Cognito fails a sign-in when its token trigger fails: every counselor is then locked out.
    alarm('CounselorSignInFailing', {
      alarmDescription: "The counselors' token trigger failed: sign-in and token refresh fail until it works (its log group says why)",
      metric: props.functions.counselorToken.function.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: atLeast,
      treatMissingData: quietWhenNoData,
    });

    // ---- Dead letters ----
    for (const { id: queueId, queue, what } of props.deadLetterQueues) {
      alarm(`${queueId}Waiting`, {
        alarmDescription: `Dead letters waiting: ${what}`,
        metric: queue.metricApproximateNumberOfMessagesVisible({ period: minute, statistic: 'Maximum' }),
        threshold: 0,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: quietWhenNoData,
      });
    }

    // ---- Safety: a person in distress. Every one needs a human until counselors see alerts. ----
    alarm('CrisisFlagRaised', {
      alarmDescription:
        'A text signalled risk of self-harm. The crisis reply went out automatically; a human must look at the ' +
        'alert now (log group of the API function, message crisis_flag, ids only).',
      metric: this.logMetrics.crisisFlag.with({ period: minute }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: atLeast,
      treatMissingData: quietWhenNoData,
    });
    alarm('CrisisAlertNotDelivered', {
      alarmDescription: 'A crisis alert or its records could not be stored or delivered: find the person by the logged ids and follow up by hand',
      metric: this.logMetrics.crisisAlertFailed.with({ period: minute }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: atLeast,
      treatMissingData: quietWhenNoData,
    });

    // ---- Sending ----
    alarm('SmsSendFailures', {
      alarmDescription: 'Five or more texts failed for good in 15 minutes: Twilio credentials, number, balance or registration',
      metric: this.logMetrics.smsSendFailed.with({ period: Duration.minutes(15) }),
      threshold: 5,
      evaluationPeriods: 1,
      comparisonOperator: atLeast,
      treatMissingData: quietWhenNoData,
    });
    alarm('SmsNotDelivered', {
      alarmDescription: 'Ten or more texts undelivered in an hour (Twilio status callbacks): carrier filtering or 10DLC/toll-free registration',
      metric: this.logMetrics.smsNotDelivered.with({ period: Duration.hours(1) }),
      threshold: 10,
      evaluationPeriods: 1,
      comparisonOperator: atLeast,
      treatMissingData: quietWhenNoData,
    });
    alarm('EmailSendingPaused', {
      alarmDescription: 'SES refused email for the daily quota or a paused account: email waits until the operator acts (DEPLOY.md)',
      metric: this.logMetrics.emailSendingPaused.with({ period: fiveMinutes }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: atLeast,
      treatMissingData: quietWhenNoData,
    });

    // SES publishes these for the whole account, with no dimensions, roughly every hour.
    const reputation = (metricName: string) =>
      new cloudwatch.Metric({ namespace: 'AWS/SES', metricName, statistic: 'Maximum', period: Duration.hours(1) });
    const bounceRate = reputation(SES_REPUTATION.bounceRate.metricName);
    const complaintRate = reputation(SES_REPUTATION.complaintRate.metricName);
    alarm('SesBounceRate', {
      alarmDescription: `SES bounce rate above ${SES_REPUTATION.bounceRate.alarmAbove * 100}% (SES reviews the account at 5%, pauses it at 10%)`,
      metric: bounceRate,
      threshold: SES_REPUTATION.bounceRate.alarmAbove,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: quietWhenNoData,
    });
    alarm('SesComplaintRate', {
      alarmDescription: `SES complaint rate above ${SES_REPUTATION.complaintRate.alarmAbove * 100}% (SES reviews the account at 0.1%, pauses it at 0.5%)`,
      metric: complaintRate,
      threshold: SES_REPUTATION.complaintRate.alarmAbove,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: quietWhenNoData,
    });
    const sesEventsFailed = new cloudwatch.Metric({
      namespace: 'AWS/SNS',
      metricName: 'NumberOfNotificationsFailed',
      dimensionsMap: { TopicName: props.sesEventsTopic.topicName },
      statistic: 'Sum',
      period: fiveMinutes,
    });

    // ---- The HTTP API ----
    const apiErrors = api.function.metricErrors({ period: fiveMinutes, statistic: 'Sum' });
    alarm('ApiErrors', {
      alarmDescription: 'The API function failed (webhooks or links are erroring)',
      metric: apiErrors,
      threshold: 5,
      evaluationPeriods: 1,
      comparisonOperator: atLeast,
      treatMissingData: quietWhenNoData,
    });
    const counselorApiErrors = counselorApi.function.metricErrors({ period: fiveMinutes, statistic: 'Sum' });
    alarm('CounselorApiErrors', {
      alarmDescription: "The counselors' API function failed (the counselor API or the dashboard is erroring)",
      metric: counselorApiErrors,
      threshold: 5,
      evaluationPeriods: 1,
      comparisonOperator: atLeast,
      treatMissingData: quietWhenNoData,
    });
    // The handler turns its own faults into 500s, so Lambda's Errors miss them; the gateway sees them.
    const api5xx = props.httpApi.metricServerError({ period: fiveMinutes, statistic: 'Sum' });
    alarm('Api5xx', {
      alarmDescription: 'The HTTP API answered 5xx five or more times in 5 minutes: Twilio or SNS retries, people see errors',
      metric: api5xx,
      threshold: 5,
      evaluationPeriods: 1,
      comparisonOperator: atLeast,
      treatMissingData: quietWhenNoData,
    });

    // ---- The dashboard ----
    const stack = Stack.of(this);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.days(1) });
    const graph = (title: string, left: cloudwatch.IMetric[], extra: Partial<cloudwatch.GraphWidgetProps> = {}) =>
      new cloudwatch.GraphWidget({ title, left, width: 8, height: 6, ...extra });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown:
          `# Match Coach ${props.stage}\nAlarms go to the alarm topic (stack output AlarmTopicArn). ` +
          `What to do for each: DEPLOY.md, "When an alarm fires". Region ${stack.region}.`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24, height: 4 }));
    this.dashboard.addWidgets(
      graph('Safety: crisis flags and failed alerts', [
        this.logMetrics.crisisFlag.with({ label: 'crisis flags' }),
        this.logMetrics.crisisAlertFailed.with({ label: 'alerts not delivered' }),
      ]),
      graph('Dispatcher: ticks, errors, throttles', [
        dispatcherInvocations.with({ period: fiveMinutes, label: 'ticks' }),
        dispatcherErrors.with({ label: 'errors' }),
        dispatcherThrottles.with({ label: 'throttles' }),
      ]),
      graph('Dispatcher: duration (ms)', [dispatcherDuration.with({ label: 'max' }), dispatcherDuration.with({ statistic: 'p90', label: 'p90' })], {
        leftAnnotations: [{ value: props.dispatcherTimeout.toMilliseconds(), label: 'timeout' }],
      }),
    );
    this.dashboard.addWidgets(
      graph('Sends: SMS segments billed, emails, UCS-2 texts', [
        sendCost.SmsSegments.with({ label: 'SMS segments' }),
        sendCost.EmailsSent.with({ label: 'emails' }),
        sendCost.Ucs2Texts.with({ label: 'texts sent as UCS-2' }),
      ]),
    );
    this.dashboard.addWidgets(
      graph('SMS: failed sends and undelivered', [
        this.logMetrics.smsSendFailed.with({ label: 'send failed' }),
        this.logMetrics.smsNotDelivered.with({ label: 'undelivered (Twilio)' }),
      ]),
      graph('Email: reputation (account)', [bounceRate.with({ label: 'bounce rate' }), complaintRate.with({ label: 'complaint rate' })], {
        leftAnnotations: [
          { value: SES_REPUTATION.bounceRate.sesReviewsAt, label: 'bounce review 5%' },
          { value: SES_REPUTATION.complaintRate.sesReviewsAt, label: 'complaint review 0.1%' },
        ],
      }),
      graph('Email: paused, SES events undelivered', [
        this.logMetrics.emailSendingPaused.with({ label: 'sending paused' }),
        sesEventsFailed.with({ label: 'SES events SNS could not deliver' }),
      ]),
    );
    this.dashboard.addWidgets(
      graph('HTTP API: requests and errors', [
        props.httpApi.metricCount({ period: fiveMinutes, statistic: 'Sum', label: 'requests' }),
        props.httpApi.metricClientError({ period: fiveMinutes, statistic: 'Sum', label: '4xx' }),
        api5xx.with({ label: '5xx' }),
        apiErrors.with({ label: 'function errors (public)' }),
        counselorApiErrors.with({ label: "function errors (counselors')" }),
      ]),
      graph('HTTP API: latency (ms)', [props.httpApi.metricLatency({ period: fiveMinutes, statistic: 'p90', label: 'p90' })]),
      graph(
        'Dead letters',
        props.deadLetterQueues.map(({ id: queueId, queue }) =>
          queue.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, statistic: 'Maximum', label: queueId }),
        ),
      ),
    );
  }
}
