import type { EnrollmentStore } from '../../ports/enrollments';
import { compareStrings, copy, ensure, type MemoryContext } from './memory-context';

/** The twin of enrollment-repository.ts: enrollments kept with their person. */
export function createMemoryEnrollments(context: MemoryContext): EnrollmentStore {
  const { enrollments, mustLive } = context;
  // Same order as the table's sort key (ENROLL#<enrollmentId>).
  const sortedEnrollments = (personId: string) =>
    [...(enrollments.get(personId)?.values() ?? [])].sort((a, b) => compareStrings(a.enrollmentId, b.enrollmentId)).map(copy);
  return {
    async saveEnrollment(enrollment) {
      mustLive(enrollment.personId);
      ensure(enrollments, enrollment.personId).set(enrollment.enrollmentId, copy(enrollment));
    },

    async listEnrollments(personId) {
      return sortedEnrollments(personId);
    },

    async listEnrollmentsOf(personIds) {
      return new Map(personIds.map((personId) => [personId, sortedEnrollments(personId)]));
    },
  };
}
