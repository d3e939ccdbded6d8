/**
 * What keeps emailed links and notices honest: spent nonces of signed links, and claims that
 * space out the notices a form may trigger.
 */
export interface LinkStore {
  /**
   * Spends a signed link's nonce (a conditional put): true the first time, false ever after, so a
   * confirmation link works once. The record holds the nonce alone and lapses with the link.
   */
  consumeTokenNonce(nonce: string, expiresAt: Date): Promise<boolean>;
  /**
   * Claims the right to send a person a notice (a fresh confirmation email, "already subscribed")
   * until `until`: false while an earlier claim still holds, so a form cannot be used to flood
   * someone's inbox. Kept in the person's partition, so erasure takes it too.
   */
  claimPersonNotice(personId: string, notice: string, now: Date, until: Date): Promise<boolean>;
}
