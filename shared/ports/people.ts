import type { Enrollment, Person } from '../domain/model';

/** Someone an import brings who is new to us, with the enrollments they start with. */
export interface NewPerson {
  person: Person;
  /** Each with the person's id. */
  enrollments: readonly Enrollment[];
  /**
   * Ids of people who are gone (an erasure cut short left their lookups behind): a lookup naming
   * one of them is taken over, as if free. Any other holder still stops the creation.
   */
  replacesLookupsOf?: readonly string[];
}

/**
 * People: the profile, its phone and email lookups, season membership, creation (with first
 * enrollments, so a person never exists half-made) and erasure of everything that is theirs.
 */
export interface PeopleStore {
  /** Changes someone who is there; PersonGone otherwise (people are created by createPeople). */
  savePerson(person: Person): Promise<void>;
  getPerson(personId: string): Promise<Person | undefined>;
  findPersonIdByPhone(phone: string): Promise<string | undefined>;
  findPersonIdByEmail(email: string): Promise<string | undefined>;

  // ---- Many people at once (a counselor's import) ------------------------------------------

  /**
   * Who holds each of these emails (matched case-insensitively, keyed as given) and phones, as
   * findPersonIdByEmail / findPersonIdByPhone would answer one at a time. Nobody's are absent.
   */
  findPersonIds(contacts: { emails: readonly string[]; phones: readonly string[] }): Promise<{ byEmail: Map<string, string>; byPhone: Map<string, string> }>;
  /** People by id, as getPerson reads them; unknown ids are absent. */
  getPeople(personIds: readonly string[]): Promise<Map<string, Person>>;
  /**
   * Creates new people, each with their lookups, season row and first enrollments: all of a
   * person or nothing of them, and only while nobody holds their id, email or phone (a sign-up,
   * a concurrent import or an earlier person of the same call may have taken one since the
   * caller looked). Returns the ids not created for that reason: read again and decide. Not
   * atomic across people: after an error some may exist, and a repeated call reports those.
   */
  createPeople(people: readonly NewPerson[]): Promise<{ notCreated: string[] }>;

  /** Everyone whose profile is in this Match season (a calendar correction re-plans them). */
  listPersonIdsInSeason(season: number): Promise<string[]>;

  // ---- Erasure -------------------------------------------------------------------------------

  /**
   * "Delete all my data": every item in the person's partition (profile, enrollments, messages,
   * journal, safety events, notices), their phone and email lookups, season membership and
   * safety alerts. Returns how many items went. Idempotent; the profile goes last (marked as being
   * erased, so nobody reads it), so a run cut short can be repeated with the same link.
   */
  erasePerson(personId: string, at?: Date): Promise<number>;
  /**
   * Erasure's first step, also taken by erasePerson itself: from now on the person reads as
   * absent and every guarded write for them raises PersonGone. False when there is no profile.
   * Callers that delete other records first (memberships) take it before them.
   * `onlyTheOwnRecordOf`: an organisation erasing its own record: in the same write, only if that
   * organisation brought it and nothing in it is confirmed (a yes given a moment ago stops it).
   */
  beginErasure(personId: string, at: Date, options?: { onlyTheOwnRecordOf?: string }): Promise<boolean>;
}
