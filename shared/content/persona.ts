import * as z from 'zod';
import { E164, Email } from '../domain/model';
import { AnchorValue, IanaZone } from '../domain/schedule';
import { AnchorName, ApplicantType, Milestone, Outcome, VisaTrack } from '../domain/sequence';

/** An example applicant and what happens to them over a season (outcome changes, check-ins). */
export const Persona = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  description: z.string().min(1),
  firstName: z.string().min(1).max(60),
  email: Email,
  phone: E164,
  timeZone: IanaZone,
  /** What they hope to train in, in their own words. */
  specialty: z.string().max(80).optional(),
  enrolledAt: z.iso.datetime(),
  profile: z.object({
    season: z.number().int(),
    applicantType: ApplicantType,
    visaTrack: VisaTrack,
    attempt: z.number().int().min(1),
    done: z.array(Milestone).default([]),
  }),
  anchors: z.record(AnchorName, AnchorValue).default({}),
  events: z
    .array(z.object({ at: z.iso.datetime(), outcome: Outcome.optional(), score: z.number().int().min(1).max(5).optional() }))
    .default([]),
});
export type Persona = z.infer<typeof Persona>;
