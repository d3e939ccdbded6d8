/** The use cases' errors are the domain's (shared/domain/errors.ts); kept here for their importers. */
export { DomainError, PersonGone, describeIssues, errorLogFields, plainIssue, type DomainErrorCode } from '../domain/errors';
