import * as z from 'zod';
import { E164, Email } from '../domain/model';
import { AnchorValue, IanaZone } from '../domain/schedule';
import { AnchorName, ApplicantType, Milestone, Outcome, VisaTrack } from '../domain/sequence';

/** An example applicant and what happens to them over a season (outcome changes, check-ins). */
export const Persona = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  description: z.string().min(1),
  /** Absent: someone who never gave a first name (the words must read without one). */
  firstName: z.string().min(1).max(60).optional(),
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
  /** Their coaching setting: `light` asked for about one text a week. */
  cadence: z.enum(['standard', 'light']).optional(),
  /**
   * Things that happen to them: an outcome set on the web form, or a text they send (through the
   * real inbound handler, as Twilio would deliver it: MATCHED, DONE NRMP, a score ...).
   */
  events: z
    .array(z.object({ at: z.iso.datetime(), outcome: Outcome.optional(), text: z.string().min(1).max(160).optional() }))
    .default([]),
  /**
   * How they answer our check-in texts, an hour after each arrives: scores taken in turn (a
   * struggling stretch is a run of low ones), until `until`. Absent: they never reply.
   */
  answers: z.object({ scores: z.array(z.number().int().min(1).max(5)).min(1), until: z.iso.datetime().optional() }).optional(),
});
export type Persona = z.infer<typeof Persona>;
