import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { Organisation } from '../../domain/counselor';
import type { OrganisationStore } from '../../ports/organisations';
import { ORGANISATIONS_PK, ORGANISATION_INDEX_PREFIX, organisationIndexKey, organisationKey } from './keys';
import { PK, SK } from './dynamo-context';
import type { CounselorContext } from './counselor-context';
import { withoutUndefined } from '../without-undefined';

/** Organisations: the profile (ORG#<orgId> / PROFILE) and its row in the list of them (ORGS / ORG#<orgId>). */
export function createOrganisationRepository(shared: CounselorContext): OrganisationStore {
  const { doc, TableName, get, queryAll } = shared;
  return {
    async saveOrganisation(org) {
      // The profile and its row in the list of organisations go together: the digest never
      // misses an organisation that exists, nor lists one that does not.
      await doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName, Item: { ...withoutUndefined(org), ...organisationKey(org.orgId) } } },
            { Put: { TableName, Item: { orgId: org.orgId, ...organisationIndexKey(org.orgId) } } },
          ],
        }),
      );
    },
    getOrganisation: (orgId) => get(Organisation, 'organisation', organisationKey(orgId)),
    async listOrganisations() {
      const items = await queryAll({
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': PK, '#sk': SK, '#orgId': 'orgId' },
        ExpressionAttributeValues: { ':pk': ORGANISATIONS_PK, ':prefix': ORGANISATION_INDEX_PREFIX },
        ProjectionExpression: '#orgId',
      });
      return items.map((item) => String(item.orgId));
    },
  };
}
