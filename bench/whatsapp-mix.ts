import { personaLibrary, whatsappTemplateTable } from '../shared/content';
import { shippedLibrary } from '../shared/app/scheduling/library';
import { seasonEnd } from '../shared/domain/calendar';
import { findStep } from '../shared/domain/render';
import { templateForStep } from '../shared/domain/whatsapp-templates';
import { WINDOW_HOURS } from '../shared/domain/whatsapp';
import { simulateSeason } from '../shared/tools/simulation';

/**
 * What WhatsApp would cost per coached person, measured on the five personas' seasons (the real
 * engine in memory, shared/tools/simulation.ts): how many messages reach the phone a month, how
 * many of them would go as utility and as marketing templates, and how many could go as free text
 * inside the 24-hour window if the person answered each check-in within the hour (an upper bound:
 * people answer some check-ins late or not at all, and write at other times too).
 *
 *   npx tsx bench/whatsapp-mix.ts
 *
 * DEPLOY.md ("WhatsApp", cost) uses its output.
 */
async function main() {
  const library = shippedLibrary();
  const templates = whatsappTemplateTable();
  let months = 0;
  const counts = { phone: 0, utility: 0, marketing: 0, insideWindowIfCheckinsAnswered: 0, checkins: 0 };
  for (const persona of personaLibrary()) {
    const until = seasonEnd(persona.profile.season);
    const walk = await simulateSeason(persona, { until });
    months += (until.getTime() - Date.parse(persona.enrolledAt)) / (30.44 * 86_400_000);
    const texts = walk.sends.filter((s) => s.channel === 'sms');
    // The person's answer to a check-in, an hour after it, opens the window.
    const answers = texts
      .filter((s) => findStep(library.sequences.get(s.sequenceId)!, s.stepId)?.kind === 'checkin')
      .map((s) => s.at.getTime() + 3_600_000);
    counts.checkins += answers.length;
    for (const send of texts) {
      counts.phone++;
      const step = findStep(library.sequences.get(send.sequenceId)!, send.stepId)!;
      const category = templateForStep(templates, step)!.category;
      if (category === 'utility') counts.utility++;
      else counts.marketing++;
      const t = send.at.getTime();
      if (answers.some((a) => a <= t && t < a + WINDOW_HOURS * 3_600_000)) counts.insideWindowIfCheckinsAnswered++;
    }
  }
  const perMonth = (n: number) => Math.round((n / months) * 100) / 100;
  const result = {
    personMonths: Math.round(months * 10) / 10,
    phoneMessagesPerPersonMonth: perMonth(counts.phone),
    utilityTemplatesPerPersonMonth: perMonth(counts.utility),
    marketingTemplatesPerPersonMonth: perMonth(counts.marketing),
    checkinsPerPersonMonth: perMonth(counts.checkins),
    shareInsideWindowIfEveryCheckinAnsweredWithinAnHour: Math.round((counts.insideWindowIfCheckinsAnswered / counts.phone) * 1000) / 1000,
  };
  console.log(JSON.stringify(result, null, 2));
}

void main();
