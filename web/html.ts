import { createHash } from 'node:crypto';
import { escapeHtml } from '../shared/domain/html';

/**
 * The frame every page shares: one inline stylesheet and at most one inline script, both allowed
 * by hash in a strict Content-Security-Policy (nothing external can load, forms post only to us),
 * no cookies, and every value escaped on the way in. Pages are plain strings: no framework, so
 * what a person's phone receives is small and fast on a slow connection.
 */

// Pages import it from here with the rest of the frame; the one definition is in the domain, where emails use it too.
export { escapeHtml };

/**
 * Contrast: body text 12.6:1, hints 6.4:1, errors 6.5:1, button 8.5:1 on white (WCAG AA and more);
 * the focus ring 5.0:1 on white and 4.5:1 on the grey boxes (a focus indicator needs 3:1, WCAG
 * 2.4.13), offset from the control so it always sits on the page's own background.
 */
export const STYLE = `
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;font-size:1.0625rem;line-height:1.55;color:#1f2933;background:#f5f7fa}
main{max-width:36rem;margin:0 auto;padding:1.25rem 1rem 3rem;background:#fff;min-height:100vh}
h1{font-size:1.6rem;line-height:1.25;margin:.5rem 0 1rem}
h2{font-size:1.2rem;margin:2rem 0 .5rem}
p{margin:0 0 1rem}
a{color:#0b5394}
fieldset{border:1px solid #cbd2d9;border-radius:8px;margin:0 0 1.25rem;padding:.75rem 1rem 1rem}
legend{font-weight:700;padding:0 .25rem}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
.choice{display:flex;gap:.6rem;align-items:flex-start;font-weight:400;margin:.6rem 0}
.choice input{margin-top:.3rem;width:1.25rem;height:1.25rem;flex:none}
input[type=text],input[type=email],input[type=tel],input[type=date],input[type=time],select{display:block;width:100%;font:inherit;padding:.6rem .7rem;border:1px solid #7b8794;border-radius:6px;background:#fff;color:#1f2933}
.hint{display:block;color:#52606d;font-size:.95rem;font-weight:400;margin:.15rem 0 .35rem}
.error{display:block;color:#b3261e;font-weight:600;margin:.25rem 0}
[aria-invalid=true]{border-color:#b3261e;border-width:2px}
button{font:inherit;font-weight:700;padding:.75rem 1.25rem;border-radius:6px;border:2px solid #0b5394;background:#0b5394;color:#fff;cursor:pointer;width:100%;margin-top:.5rem}
button.secondary{background:#fff;color:#0b5394}
button.danger{background:#fff;color:#b3261e;border-color:#b3261e}
:focus-visible{outline:3px solid #b45309;outline-offset:2px}
.box{border-left:4px solid #0b5394;background:#f0f4f8;padding:.75rem 1rem;margin:0 0 1.25rem;border-radius:4px}
.box.problem{border-color:#b3261e;background:#fdecea}
.consent{font-size:.95rem}
.hp{position:absolute;left:-10000px;top:auto;width:1px;height:1px;overflow:hidden}
code{word-break:break-all;overflow-wrap:anywhere;font-size:.9rem}
nav.contents{border:1px solid #cbd2d9;border-radius:8px;padding:.5rem 1rem;margin:0 0 1.25rem}
nav.contents h2{font-size:1rem;margin:.25rem 0}
nav.contents ul{margin:.25rem 0;padding-left:1.1rem;columns:2;column-gap:1.5rem}
nav.contents li{margin:.2rem 0;break-inside:avoid}
.links{display:flex;flex-wrap:wrap;gap:.5rem;margin:0 0 1rem;padding:0;list-style:none}
.links a{display:inline-block;padding:.5rem .8rem;border:2px solid #0b5394;border-radius:6px;text-decoration:none;font-weight:600}
details.passed{margin:0 0 1rem}
details.passed summary{cursor:pointer;color:#52606d;font-weight:600}
footer{margin-top:2.5rem;color:#52606d;font-size:.9rem}
`;

/**
 * Fills in the time zone the browser reports when the field is still empty (the person sees it
 * and can change it). Without JavaScript the field simply asks.
 */
export const TIME_ZONE_SCRIPT = `(function(){var s=document.getElementById("timeZone");if(!s||s.value)return;var z;try{z=Intl.DateTimeFormat().resolvedOptions().timeZone}catch(e){return}if(!z)return;var found=false;for(var i=0;i<s.options.length;i++){if(s.options[i].value===z){found=true;break}}if(!found){var o=document.createElement("option");o.value=z;o.textContent=z;s.appendChild(o)}s.value=z;var n=document.getElementById("timeZone-detected");if(n)n.hidden=false})();`;

const hash = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** Nothing may load from anywhere; our one stylesheet and one script by hash; forms post to us. */
function contentSecurityPolicy(withScript: boolean): string {
  return [
    "default-src 'none'",
    `style-src ${hash(STYLE)}`,
    withScript ? `script-src ${hash(TIME_ZONE_SCRIPT)}` : undefined,
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ]
    .filter(Boolean)
    .join('; ');
}

export interface PageResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * A page that comes back with problems opens on the first field that has one: `autofocus` needs
 * no script (the pages have none to spare under their CSP), and a screen reader then reads the
 * field's label and its error together.
 */
function focusFirstProblem(html: string): string {
  return html.replace(' aria-invalid="true"', ' aria-invalid="true" autofocus');
}

/**
 * Where a page's forms post: the page itself, without the fragment. `action=""` would keep a
 * `#section` the person jumped to from the contents, and a browser that lands on a fragment skips
 * `autofocus`, so a problem in the form would not get the focus.
 */
export const THIS_PAGE = '?';

/** "On this page": links to a long page's sections, so a phone need not scroll 4,000 px to find one. */
export function contents(sections: readonly { id: string; label: string }[]): string {
  const items = sections.map((s) => `<li><a href="#${escapeHtml(s.id)}">${escapeHtml(s.label)}</a></li>`).join('');
  return `<nav class="contents" aria-labelledby="contents-heading"><h2 id="contents-heading">On this page</h2><ul>${items}</ul></nav>`;
}

export function page(args: { status?: number; title: string; body: string; timeZoneScript?: boolean }): PageResponse {
  const script = args.timeZoneScript ? `\n<script>${TIME_ZONE_SCRIPT}</script>` : '';
  const body = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex">
<title>${escapeHtml(args.title)} · Match Coach</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${focusFirstProblem(args.body)}
<footer><p>Match Coach: short, kind reminders and coaching for international medical graduates on the road to a US residency. We are not NRMP, ECFMG or AAMC; always check their official pages.</p></footer>
</main>${script}
</body>
</html>`;
  return {
    statusCode: args.status ?? 200,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': contentSecurityPolicy(Boolean(args.timeZoneScript)),
      // Links carry tokens: they must not leak to other sites, be cached, or be framed.
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
    },
    body,
  };
}

export interface Option {
  value: string;
  label: string;
}

export const options = (choices: readonly Option[], selected: string | undefined) =>
  choices.map((c) => `<option value="${escapeHtml(c.value)}"${c.value === selected ? ' selected' : ''}>${escapeHtml(c.label)}</option>`).join('');

/** A labelled field with its hint and error wired up for screen readers. */
export function field(args: { id: string; label: string; control: (describedBy: string, invalid: string) => string; hint?: string; error?: string }): string {
  const ids = [args.hint ? `${args.id}-hint` : '', args.error ? `${args.id}-error` : ''].filter(Boolean).join(' ');
  const describedBy = ids ? ` aria-describedby="${ids}"` : '';
  const invalid = args.error ? ' aria-invalid="true"' : '';
  return `<label for="${args.id}">${escapeHtml(args.label)}</label>${args.hint ? `<span class="hint" id="${args.id}-hint">${escapeHtml(args.hint)}</span>` : ''}${
    args.error ? `<span class="error" id="${args.id}-error">${escapeHtml(args.error)}</span>` : ''
  }${args.control(describedBy, invalid)}`;
}

/** The list of problems at the top of a form, each a link to its field. */
export function errorSummary(errors: Record<string, string>, labels: Record<string, string>): string {
  const entries = Object.entries(errors);
  if (entries.length === 0) return '';
  const items = entries.map(([name, message]) => `<li><a href="#${escapeHtml(name)}">${escapeHtml(labels[name] ?? 'This form')}: ${escapeHtml(message)}</a></li>`).join('');
  return `<div class="box problem" role="alert"><h2>Please check ${entries.length === 1 ? 'one thing' : `${entries.length} things`}</h2><ul>${items}</ul></div>`;
}
