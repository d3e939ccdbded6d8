/**
 * Ways to subscribe to a person's calendar feed, for the buttons beside it. Subscribing (not
 * importing a file) is what keeps a calendar up to date when a date moves. Pure.
 * - webcal:// is the subscribe scheme Apple Calendar (iPhone, iPad, Mac) and desktop Outlook
 *   open directly;
 * - Google Calendar subscribes from `render?cid=<webcal address>`;
 * - Outlook on the web (personal and work accounts) from `addfromweb?url=<https address>`.
 * The feed is only reachable by those services where it is public (not on 127.0.0.1).
 */
export interface CalendarSubscribeLinks {
  https: string;
  webcal: string;
  google: string;
  outlook: string;
  office365: string;
}

export function calendarSubscribeLinks(httpsUrl: string, calendarName: string): CalendarSubscribeLinks {
  const webcal = httpsUrl.replace(/^https?:\/\//, 'webcal://');
  const addFromWeb = (host: string) => `https://${host}/calendar/0/addfromweb?url=${encodeURIComponent(httpsUrl)}&name=${encodeURIComponent(calendarName)}`;
  return {
    https: httpsUrl,
    webcal,
    google: `https://calendar.google.com/calendar/render?cid=${encodeURIComponent(webcal)}`,
    outlook: addFromWeb('outlook.live.com'),
    office365: addFromWeb('outlook.office.com'),
  };
}
