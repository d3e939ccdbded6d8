import type { Enrollment } from '../domain/model';

/** Enrollments: which sequences a person is in, kept in the person's partition. */
export interface EnrollmentStore {
  saveEnrollment(enrollment: Enrollment): Promise<void>;
  listEnrollments(personId: string): Promise<Enrollment[]>;
  /** Each person's enrollments as listEnrollments lists them (same order), for every id asked. */
  listEnrollmentsOf(personIds: readonly string[]): Promise<Map<string, Enrollment[]>>;
}
