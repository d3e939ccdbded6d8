/**
 * The sign-up and preferences feature lives in this folder, one use case per file. This index
 * only keeps `import type { SubscriptionDeps } from './subscription'` working for shared/app/cohorts
 * (split in parallel, not edited here); once it imports ./subscription/deps, this file can go.
 */
export type { SubscriptionDeps } from './deps';
