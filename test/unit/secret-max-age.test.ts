import { createSecretCache, twilioCredentials } from '../../shared/adapters/secrets';
import { withCurrentCredentials } from '../../shared/adapters/dispatcher-services';

/** Secrets are kept for SECRETS_MAX_AGE_SECONDS, then read again: a rotated Twilio token needs no cold start. */

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:TwilioCredentials-AbCdEf';
const sid = `AC${'0'.repeat(32)}`;
const config = (maxAgeSeconds?: number) => ({ TWILIO_SECRET_ARN: ARN, ...(maxAgeSeconds !== undefined && { SECRETS_MAX_AGE_SECONDS: maxAgeSeconds }) });

function fakeSecretsManager(initialToken: string) {
  let now = Date.parse('2026-12-07T08:00:00Z');
  const state = { token: initialToken, reads: 0, failing: false };
  const read = createSecretCache({
    now: () => now,
    fetch: async () => {
      state.reads += 1;
      if (state.failing) throw new Error('Secrets Manager is unavailable');
      return JSON.stringify({ accountSid: sid, authToken: state.token });
    },
  });
  return { read, state, advance: (ms: number) => (now += ms) };
}

describe('a secret kept with a maximum age', () => {
  it('is read once within the age, and again once it is older (default 5 minutes)', async () => {
    const sm = fakeSecretsManager('token-one');
    expect((await twilioCredentials(config(), sm.read)).authToken).toBe('token-one');
    sm.state.token = 'token-two';
    sm.advance(4 * 60_000 + 59_000);
    expect((await twilioCredentials(config(), sm.read)).authToken).toBe('token-one');
    expect(sm.state.reads).toBe(1);
    sm.advance(1_000);
    expect((await twilioCredentials(config(), sm.read)).authToken).toBe('token-two');
    expect(sm.state.reads).toBe(2);
    sm.advance(60_000);
    await twilioCredentials(config(), sm.read);
    expect(sm.state.reads).toBe(2);
  });

  it('takes its age from SECRETS_MAX_AGE_SECONDS', async () => {
    const sm = fakeSecretsManager('token-one');
    await twilioCredentials(config(30), sm.read);
    sm.advance(29_000);
    await twilioCredentials(config(30), sm.read);
    expect(sm.state.reads).toBe(1);
    sm.advance(1_000);
    await twilioCredentials(config(30), sm.read);
    expect(sm.state.reads).toBe(2);
  });

  it('shares one read between concurrent callers', async () => {
    const sm = fakeSecretsManager('token-one');
    await Promise.all([twilioCredentials(config(), sm.read), twilioCredentials(config(), sm.read), twilioCredentials(config(), sm.read)]);
    expect(sm.state.reads).toBe(1);
  });

  it('does not keep a failed first read: the caller gets the failure and the next read tries again', async () => {
    const sm = fakeSecretsManager('token-one');
    sm.state.failing = true;
    await expect(twilioCredentials(config(), sm.read)).rejects.toThrow(/unavailable/);
    sm.state.failing = false;
    expect((await twilioCredentials(config(), sm.read)).authToken).toBe('token-one');
    expect(sm.state.reads).toBe(2);
  });

  it('keeps serving the value it had when a re-read fails, and tries again on the next read', async () => {
    const sm = fakeSecretsManager('token-one');
    await twilioCredentials(config(), sm.read);
    sm.advance(5 * 60_000);
    sm.state.failing = true;
    expect((await twilioCredentials(config(), sm.read)).authToken).toBe('token-one');
    sm.state.failing = false;
    sm.state.token = 'token-two';
    expect((await twilioCredentials(config(), sm.read)).authToken).toBe('token-two');
    expect(sm.state.reads).toBe(3);
  });

  it('names the fields of a malformed secret, never its values', async () => {
    const read = createSecretCache({ now: () => 0, fetch: async () => JSON.stringify({ accountSid: 'nope', authToken: 'secret-value-here' }) });
    const failure = twilioCredentials(config(), read);
    await expect(failure).rejects.toThrow(/malformed \(accountSid\)/);
    await expect(failure).rejects.not.toThrow(/secret-value-here/);
  });
});

describe('a Twilio sender that follows the current credentials', () => {
  it('is built again only when the credentials change', async () => {
    const sm = fakeSecretsManager('token-one');
    const built: string[] = [];
    const sender = withCurrentCredentials(
      () => twilioCredentials(config(), sm.read),
      ({ authToken }) => {
        built.push(authToken);
        return { send: async (_message: string) => ({ status: 'sent' as const, providerId: `SM-${authToken}` }) };
      },
    );
    expect(await sender.send('a')).toEqual({ status: 'sent', providerId: 'SM-token-one' });
    expect(await sender.send('b')).toEqual({ status: 'sent', providerId: 'SM-token-one' });
    sm.state.token = 'token-two';
    sm.advance(5 * 60_000);
    expect(await sender.send('c')).toEqual({ status: 'sent', providerId: 'SM-token-two' });
    expect(built).toEqual(['token-one', 'token-two']);
  });
});
