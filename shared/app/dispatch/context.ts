/**
 * What the parts of a dispatcher share: what it was given and what it keeps for its life
 * (DispatchContext), and what one tick keeps while it runs (Tick). Every function of the folder
 * takes them as arguments; nothing is kept at module level.
 */
import { randomUUID } from 'node:crypto';
import { CHANNELS, type Channel } from '../../domain/sequence';
import type { Logger } from '../../ports';
import { silentLogger } from '../../ports';
import { createPacer, type Pacer } from '../scheduling/pacer';
import type { Library } from '../scheduling/planning';
import type { DispatchDeps, DispatchReport, DispatchSettings } from './deps';
import { createTextSpacing, type TextSpacing } from './text-spacing';

export interface DispatchContext {
  deps: DispatchDeps;
  log: Logger;
  /** The settings with their defaults filled in. */
  settings: DispatchSettings & { batchSize: number; maxAttempts: number; lateAfterHours: number };
  /** One pacer per paced channel for the dispatcher's life: slots it holds carry over between ticks. */
  pacers: Map<Channel, Pacer>;
  /** This dispatcher, as a holder of due-queue leases (kept across its ticks). */
  holder: string;
  spacing: TextSpacing;
  /** Unknown season dates this dispatcher has already warned about: once each, not every minute. */
  warnedDates: Set<string>;
}

export interface Tick {
  report: DispatchReport;
  library: Library;
  timeUp(): boolean;
  /** SES itself refused (quota, paused account): emails holding a send slot must not go either. */
  providerPausedEmail?: boolean;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

export function createDispatchContext(deps: DispatchDeps): DispatchContext {
  const settings = { batchSize: 100, maxAttempts: 8, lateAfterHours: 12, ...deps.settings };
  const sleep = deps.sleep ?? realSleep;
  const pacers = new Map<Channel, Pacer>();
  const holder = randomUUID();
  const spacing = createTextSpacing((settings.textSpacingMinutes ?? 0) * 60_000);
  for (const channel of CHANNELS) {
    const pace = settings.pacing?.[channel];
    if (deps.budget && pace) pacers.set(channel, createPacer(channel, pace, { budget: deps.budget, clock: deps.paceClock ?? deps.clock, sleep }));
  }
  return {
    deps,
    log: deps.log ?? silentLogger,
    settings,
    pacers,
    holder,
    spacing,
    warnedDates: new Set<string>(),
  };
}
