import type { Logger, Store } from '../../ports';

/**
 * Storing the direct question of the safety screen's middle band (shared/domain/safety-question.ts
 * reads the answer). The question is a flag for the person's counselor: a `distress` safety event
 * whose rule says it was asked (`ask:<rule>`), so it lands in the month's alerts and the cohort
 * report beside other follow-ups, with ids and the rule only, never the words.
 */

/** The rule id a flag carries when we asked the question. */
export const askedRule = (matched: string | undefined) => (matched?.startsWith('ask:') ? matched : 'ask:unknown');

/**
 * Opens the question on the person (their next reply is the answer) and raises the flag. The flag
 * goes last, as the distress flag does: a retry after a failure above cannot raise it twice.
 */
export async function recordQuestionAsked(
  deps: { store: Pick<Store, 'getPerson' | 'savePerson' | 'saveSafetyEvent'>; log: Logger },
  ids: { personId: string; messageSid: string },
  rule: string,
  now: Date,
): Promise<void> {
  const person = await deps.store.getPerson(ids.personId);
  if (person) await deps.store.savePerson({ ...person, safetyQuestion: { askedAt: now.toISOString(), eventId: ids.messageSid } });
  await deps.store.saveSafetyEvent({ personId: ids.personId, eventId: ids.messageSid, at: now.toISOString(), kind: 'distress', rule });
  deps.log.info('safety_question_asked', { ...ids, rule });
}

/** The answer came (or the question was overtaken by risk): the next text is read on its own. */
export async function settleQuestion(store: Pick<Store, 'getPerson' | 'savePerson'>, personId: string): Promise<void> {
  const person = await store.getPerson(personId);
  if (!person?.safetyQuestion) return;
  const { safetyQuestion: _settled, ...rest } = person;
  await store.savePerson(rest);
}
