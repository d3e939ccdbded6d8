import { crisisLineTable } from '../../content';
import { crisisResourcesFor, type CrisisResources } from '../../domain/crisis-lines';

/**
 * Help where the person lives, from the shipped table of verified lines: by their phone's calling
 * code, else their time zone, else the international directory. Every safety and distress text
 * (replies and the gentle coaching step that names help) reads it from here.
 */
export function helpFor(who: { phone?: string; zone?: string }): CrisisResources {
  return crisisResourcesFor(crisisLineTable(), who);
}
