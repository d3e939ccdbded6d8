import { findStep } from '../../domain/render';
import type { Library } from '../scheduling/planning';

/** "Is this message a check-in?" from the library's sequences (a `checkin` step). */
export function checkinTest(library: Pick<Library, 'sequences'>) {
  return (message: { sequenceId: string; stepId: string }) => {
    const sequence = library.sequences.get(message.sequenceId);
    return sequence !== undefined && findStep(sequence, message.stepId)?.kind === 'checkin';
  };
}
