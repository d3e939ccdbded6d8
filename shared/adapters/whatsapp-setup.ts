import { whatsappTemplateTable } from '../content';
import type { WhatsAppTemplateTable } from '../domain/whatsapp-templates';
import { ConfigError, type DispatcherConfig } from '../config';

export interface WhatsAppSetup {
  /** Our WhatsApp number (E.164), named in replies; absent when the sender is a Messaging Service. */
  number?: string;
  templates: WhatsAppTemplateTable;
  /** Content SIDs of the templates Meta approved, by template name. */
  approved: ReadonlyMap<string, string>;
}

/**
 * WhatsApp's part of the configuration, checked at cold start (and by the CDK app at synth): an
 * approved template must be one the repository submitted (a typo would otherwise silently skip
 * every message that needs it).
 */
export function whatsappSetupOf(config: Pick<DispatcherConfig, 'WHATSAPP_FROM' | 'WHATSAPP_TEMPLATES'>): WhatsAppSetup | undefined {
  if (!config.WHATSAPP_FROM) return undefined;
  const templates = whatsappTemplateTable();
  const unknown = [...config.WHATSAPP_TEMPLATES.keys()].filter((name) => !templates.templates.some((t) => t.name === name));
  if (unknown.length > 0) throw new ConfigError(`invalid configuration: WHATSAPP_TEMPLATES names templates that do not exist: ${unknown.join(', ')}`);
  return {
    ...(config.WHATSAPP_FROM.startsWith('whatsapp:') && { number: config.WHATSAPP_FROM.slice('whatsapp:'.length) }),
    templates,
    approved: config.WHATSAPP_TEMPLATES,
  };
}
