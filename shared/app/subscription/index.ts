/**
 * The sign-up and preferences feature lives in this folder, one use case per file; this index
 * only keeps the old import path of the dependencies' type for files not yet pointed at ./deps.
 */
export type { SubscriptionDeps } from './deps';
