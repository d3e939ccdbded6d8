import { CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/**
 * How SES tells us about bounces and complaints (docs/rules.md: a permanent bounce or any complaint
 * suppresses the address). The sender names the configuration set on every email; SES publishes
 * the set's bounce and complaint events to an encrypted SNS topic; SNS delivers them over HTTPS
 * to POST /webhooks/ses, which checks the SNS signature and the topic before acting.
 *
 * Why HTTPS to the API and not a Lambda subscription: the route, with its signature check, has to
 * exist anyway (the local stack, which has no SNS, posts the same envelopes to it), so one code
 * path serves both; SNS retries HTTPS deliveries on its own schedule (set below) and dead-letters
 * what it cannot deliver. The endpoint is the API's own execute-api address, not the public
 * domain: SNS signatures do not depend on the URL, and that address exists the moment the stack
 * does, so the subscription confirms on the first deploy even before DNS is in place.
 *
 * This part is stateful (the configuration set's name is used outside CDK, as the SES identity's
 * default set); the subscription to the API lives in the stateless stack.
 */
export class EmailEvents extends Construct {
  readonly configurationSet: ses.ConfigurationSet;
  readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: { stage: string }) {
    super(scope, id);
    const stack = Stack.of(this);

    this.configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', {
      // Per-set bounce and complaint rates beside the account-wide ones the alarms watch.
      reputationMetrics: true,
      sendingEnabled: true,
      // SES's own suppression list as well as ours: an address that bounced for good or complained
      // is never sent to again even if a code path forgets to check.
      suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });

    // The events name recipients, so the topic is encrypted with a key of our own; the AWS-managed
    // SNS key cannot be opened to SES.
    const key = new kms.Key(this, 'TopicKey', {
      description: `Match Coach ${props.stage}: SES bounce and complaint events`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY, // events in flight only; nothing to keep
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('ses.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'], // in a key policy, "*" means this key
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );
    this.topic = new sns.Topic(this, 'Topic', { masterKey: key, enforceSSL: true });

    // Adds the topic policy that lets SES (this account, this configuration set) publish.
    this.configurationSet.addEventDestination('BouncesAndComplaints', {
      destination: ses.EventDestination.snsTopic(this.topic),
      events: [ses.EmailSendingEvent.BOUNCE, ses.EmailSendingEvent.COMPLAINT],
    });

    new CfnOutput(stack, 'SesConfigurationSetName', {
      value: this.configurationSet.configurationSetName,
      description: 'Make this the default configuration set of the sending identity (DEPLOY.md)',
    });
    new CfnOutput(stack, 'SesEventsTopicArn', { value: this.topic.topicArn });
  }
}

/**
 * SNS's retries for the HTTPS delivery to the API, on purpose: a deploy, a cold start or a burst
 * of bounces should cost retries, not events. 20 tries over about 40 minutes (2 at 10 s, 14
 * backing off exponentially to 5 min, 4 at 5 min), under SNS's one-hour limit; then the event
 * goes to the dead-letter queue, whose depth alarms. At most 10 deliveries a second, so a bounce
 * storm cannot use up the API stage's throttle that Twilio's webhooks share.
 */
export const SES_EVENTS_DELIVERY_POLICY: sns.DeliveryPolicy = {
  healthyRetryPolicy: {
    minDelayTarget: Duration.seconds(10),
    maxDelayTarget: Duration.minutes(5),
    numRetries: 20,
    numNoDelayRetries: 0,
    numMinDelayRetries: 2,
    numMaxDelayRetries: 4,
    backoffFunction: sns.BackoffFunction.EXPONENTIAL,
  },
  throttlePolicy: { maxReceivesPerSecond: 10 },
};

/** The HTTPS subscription of the API to the events topic (stateless stack). */
export function subscribeApiToEmailEvents(
  scope: Construct,
  props: { topic: sns.ITopic; apiBaseUrl: string; deadLetterQueue: sqs.IQueue },
): sns.Subscription {
  return new sns.Subscription(scope, 'SesEventsToApi', {
    topic: props.topic,
    protocol: sns.SubscriptionProtocol.HTTPS,
    endpoint: `${props.apiBaseUrl}/webhooks/ses`,
    // The signed SNS envelope, not the bare SES event: the route verifies the signature.
    rawMessageDelivery: false,
    deliveryPolicy: SES_EVENTS_DELIVERY_POLICY,
    deadLetterQueue: props.deadLetterQueue,
  });
}
