/**
 * Prints one plain closing line, "jest: N passed, N failed, N skipped", that CI reads whatever
 * the runner: jest's own summary is not one it knows. It must be the last line: jest writes its
 * own summary (to stderr) after every reporter's onRunComplete, so the line waits for the
 * process's exit, when everything else has been written.
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const failedSuites = results.numRuntimeErrorTestSuites;
    const line = `jest: ${results.numPassedTests} passed, ${results.numFailedTests + failedSuites} failed, ${skipped} skipped\n`;
    process.once('exit', () => process.stdout.write(line));
  }
}
module.exports = SummaryReporter;
