import type { EmailSender, SmsSender } from '../ports';

/**
 * The sender of a function that must not send (the counselors' API: what it has to say to people
 * is queued for the dispatcher, which alone holds the providers' credentials). It never reaches a
 * provider; it throws, so that a use case that began sending from such a function fails its
 * request (nothing half done, a 500 in the logs) instead of quietly recording a failed send.
 */
export const notSentFromHere: EmailSender & SmsSender = {
  async send() {
    throw new Error('this function sends no email or text: queue the message for the dispatcher');
  },
};
