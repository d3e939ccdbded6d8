import type { OrganisationStore } from '../../ports/organisations';
import { compareStrings, copy, copyOrUndefined } from './memory-context';
import type { MemoryCounselorContext } from './memory-counselor-context';

/** The twin of organisation-repository.ts. */
export function createMemoryOrganisations(context: MemoryCounselorContext): OrganisationStore {
  const { orgs } = context;
  return {
    async saveOrganisation(org) {
      orgs.set(org.orgId, copy(org));
    },
    async getOrganisation(orgId) {
      return copyOrUndefined(orgs.get(orgId));
    },
    async listOrganisations() {
      // Id order, as the table's sort key gives it (plain code-unit order).
      return [...orgs.keys()].sort(compareStrings);
    },
  };
}
