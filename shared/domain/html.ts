/**
 * The one HTML escape: pages, emails and charts all put text people typed (names, notes, a
 * counselor's announcement) into markup, and one function means one place to get it right.
 * Absent values print as nothing, so a missing optional field never shows "undefined".
 */
export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
