import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';

/**
 * axe-core (node_modules/axe-core) run in chromium on a page as the browser tests see it. The
 * pages forbid every script but their own by hash (a strict Content-Security-Policy) and some
 * tests browse with JavaScript off, so axe is not injected into the tested page itself: the
 * page's current DOM is copied into a page of a context that bypasses CSP, at the same viewport,
 * and axe.min.js is injected there. The styles come along inline, so colours, contrast and
 * layout are judged as they render.
 */

const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeFinding {
  id: string;
  impact: string;
  help: string;
  targets: string[];
}

/** The serious and critical violations axe finds in this HTML, rendered at this viewport. */
export async function seriousViolations(browser: Browser, html: string, viewport = { width: 390, height: 844 }): Promise<AxeFinding[]> {
  const context = await browser.newContext({ bypassCSP: true, javaScriptEnabled: true, viewport });
  try {
    const page = await context.newPage();
    // Nothing external may load: the copy must not reach out for anything the original could not.
    await page.route('**/*', (route) => route.abort());
    await page.setContent(html, { waitUntil: 'load' });
    await page.addScriptTag({ content: AXE_SOURCE });
    // A string, not a function: this project type-checks without the DOM library.
    const violations = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then((result) => result.violations.map((v) => ({
      id: v.id, impact: v.impact || 'unknown', help: v.help, targets: v.nodes.map((n) => n.target.map(String).join(' ')),
    })))`)) as AxeFinding[];
    return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  } finally {
    await context.close();
  }
}

/** Fails with the violations listed (rule, impact, where) when a page has any serious or critical one. */
export async function expectAccessible(browser: Browser, page: Page, what: string): Promise<void> {
  const viewport = page.viewportSize() ?? { width: 390, height: 844 };
  const found = await seriousViolations(browser, await page.content(), viewport);
  expect({ page: what, violations: found }).toEqual({ page: what, violations: [] });
}
