import type { Organisation } from '../domain/counselor';

/** Organisations: the one aggregate every counselor record hangs under. */
export interface OrganisationStore {
  saveOrganisation(org: Organisation): Promise<void>;
  getOrganisation(orgId: string): Promise<Organisation | undefined>;
  /** Every organisation's id, in id order: whom the weekly digest goes to (the schedule's one cross-org read). */
  listOrganisations(): Promise<string[]>;
}
