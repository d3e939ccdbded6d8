import { escapeHtml, page, type PageResponse } from './html';

/**
 * The page a browser gets when a request fails (an unknown address, a form that could not be
 * read, an edit that collided with another, a fault on our side): the same answer an API client
 * gets as JSON (functions/http.ts picks one by the Accept header), in words a person can act on.
 * The detail is the error's own message, which is written to be safe to show; it is escaped here.
 */

export interface ProblemForPage {
  status: number;
  message: string;
}

/** A heading and what to do next, by status; anything unlisted falls back by its class (4xx, 5xx). */
const WORDS: Record<number, { title: string; heading: string; next: string }> = {
  400: { title: 'Something went wrong', heading: 'We could not use that', next: 'Nothing has changed. Please go back and try again.' },
  403: { title: 'Not allowed', heading: 'This is not open to you', next: 'Nothing has changed.' },
  404: { title: 'Not found', heading: 'There is no page here', next: 'The address may be mistyped or cut short. Try the link from your email again.' },
  405: { title: 'Not found', heading: 'There is no page here', next: 'The address may be mistyped or cut short. Try the link from your email again.' },
  409: {
    title: 'Please try again',
    heading: 'That changed while we were saving it',
    next: 'Another change (perhaps from another tab, or a text you sent) arrived at the same moment, so we saved nothing of yours. Go back, reload the page and make your change again.',
  },
  413: { title: 'Too large', heading: 'That was too large for us', next: 'Nothing has changed. Please send something smaller.' },
  415: { title: 'Something went wrong', heading: 'We could not read that', next: 'Nothing has changed. Please go back and try again.' },
};
const CLIENT_FALLBACK = WORDS[400]!;
const SERVER_FALLBACK = {
  title: 'Something went wrong',
  heading: 'Something went wrong on our side',
  next: 'Nothing has changed. Please try again in a few minutes.',
};

/** Statuses whose message is ours, not the request's: a 404 or 405 never repeats the address it was asked for. */
const GENERIC_ONLY = new Set([404, 405]);

export function problemPage(problem: ProblemForPage): PageResponse {
  const words = WORDS[problem.status] ?? (problem.status >= 500 ? SERVER_FALLBACK : CLIENT_FALLBACK);
  const detail = problem.status >= 500 || GENERIC_ONLY.has(problem.status) || !problem.message ? '' : `<p>${escapeHtml(sentence(problem.message))}</p>`;
  return page({
    status: problem.status,
    title: words.title,
    body: `<h1>${escapeHtml(words.heading)}</h1>${detail}<p>${escapeHtml(words.next)}</p><p><a href="/">Go to the Match Coach home page</a></p>`,
  });
}

/** Error messages are written for both JSON and pages, in lower case without a full stop. */
const sentence = (message: string) => {
  const text = message.trim();
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? '' : '.'}`;
};
