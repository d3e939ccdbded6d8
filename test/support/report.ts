/**
 * Measurements a test takes on the way (crisis screening recall, property-run tallies, SMS
 * lengths) for whoever wants to read them: printed only with MATCHCOACH_TEST_REPORT=1, so a
 * passing run stays quiet (README "Run the tests"). The assertions do not depend on it.
 */
export function report(text: string): void {
  if (process.env.MATCHCOACH_TEST_REPORT === '1') process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}
