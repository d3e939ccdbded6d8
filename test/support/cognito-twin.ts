import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';

/**
 * As much of Cognito's user-pool API as CounselorAccounts uses, spoken the way the AWS SDK speaks it
 * (JSON 1.1, `X-Amz-Target: AWSCognitoIdentityProviderService.<Action>`), on 127.0.0.1: ListUsers
 * (pages, AttributesToGet), AdminUserGlobalSignOut, AdminDisableUser, and Cognito's error shape
 * (`__type`). There is no local Cognito to run, so this is what the real adapter is tested against:
 * the SDK's requests are real, and the twin refuses any other action or pool.
 */
interface TwinAccount {
  username: string;
  orgId?: string;
  counselorId?: string;
  enabled: boolean;
  sessions: number;
}

export interface CognitoTwin {
  userPoolId: string;
  client: CognitoIdentityProviderClient;
  accounts: Map<string, TwinAccount>;
  /** Every action the SDK called, in order. */
  calls: string[];
  /** The next call to this action answers with this Cognito error instead. */
  failNext(action: string, type: string): void;
  stop(): Promise<void>;
}

export async function startCognitoTwin(userPoolId = 'us-east-1_TwinPool1'): Promise<CognitoTwin> {
  const accounts = new Map<string, TwinAccount>();
  const calls: string[] = [];
  const failures = new Map<string, string>();
  const error = (res: http.ServerResponse, type: string, message: string) =>
    res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': type }).end(JSON.stringify({ __type: type, message }));

  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const action = /^AWSCognitoIdentityProviderService\.(\w+)$/.exec(String(req.headers['x-amz-target'] ?? ''))?.[1];
      if (req.method !== 'POST' || !action) return error(res, 'UnknownOperationException', 'not a Cognito call');
      calls.push(action);
      const input = JSON.parse(body || '{}') as Record<string, unknown>;
      if (input.UserPoolId !== userPoolId) return error(res, 'ResourceNotFoundException', 'User pool does not exist.');
      const failure = failures.get(action);
      if (failure) {
        failures.delete(action);
        return error(res, failure, 'injected failure');
      }
      const account = typeof input.Username === 'string' ? accounts.get(input.Username) : undefined;
      const ok = (answer: unknown) => res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(answer));
      switch (action) {
        case 'ListUsers': {
          const limit = Math.min(Number(input.Limit ?? 60), 60);
          const all = [...accounts.values()];
          const from = Number(input.PaginationToken ?? 0);
          const page = all.slice(from, from + limit);
          const wanted = Array.isArray(input.AttributesToGet) ? (input.AttributesToGet as string[]) : undefined;
          const attributes = (a: TwinAccount) =>
            [
              { Name: 'custom:orgId', Value: a.orgId },
              { Name: 'custom:counselorId', Value: a.counselorId },
              { Name: 'email', Value: `${a.username}@example.org` },
            ].filter((x) => x.Value !== undefined && (!wanted || wanted.includes(x.Name)));
          return ok({
            Users: page.map((a) => ({ Username: a.username, Enabled: a.enabled, UserStatus: 'CONFIRMED', Attributes: attributes(a) })),
            ...(from + limit < all.length && { PaginationToken: String(from + limit) }),
          });
        }
        case 'AdminUserGlobalSignOut':
          if (!account) return error(res, 'UserNotFoundException', 'User does not exist.');
          if (!account.enabled) return error(res, 'NotAuthorizedException', 'User is disabled.');
          account.sessions = 0;
          return ok({});
        case 'AdminDisableUser':
          if (!account) return error(res, 'UserNotFoundException', 'User does not exist.');
          account.enabled = false;
          return ok({});
        default:
          return error(res, 'UnknownOperationException', `the twin does not do ${action}`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = new CognitoIdentityProviderClient({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'twin', secretAccessKey: 'twin' },
    maxAttempts: 1,
  });
  return {
    userPoolId,
    client,
    accounts,
    calls,
    failNext: (action, type) => failures.set(action, type),
    stop: async () => {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
