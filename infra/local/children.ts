import type { ChildProcess } from 'node:child_process';

/**
 * Ties a child process's life to ours: if this process ends for any reason (Ctrl-C, a crash, a
 * test runner exiting) the child is killed too, so no DynamoDB Local or SES twin is left behind.
 */
export function killWithParent(child: ChildProcess): void {
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', kill);
  child.once('exit', () => process.removeListener('exit', kill));
}
