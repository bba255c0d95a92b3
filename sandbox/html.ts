/** Small HTML helpers shared by the sandbox renderers. Pure functions. */

/** Escapes text for HTML content and for double- or single-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The URL when it is safe to put in an `href`: absolute `http:`, `https:` or `mailto:`
 * (so never `javascript:` or `data:`); else null, and the caller shows the text alone.
 */
export function safeUrl(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return null;
  }
  return ['http:', 'https:', 'mailto:'].includes(parsed.protocol) ? parsed.href : null;
}

/** An `<a>` that opens in a new tab, or the escaped text alone when the URL is not {@link safeUrl}. `inner` is HTML already. */
export function externalLink(url: string, inner: string, className?: string): string {
  const href = safeUrl(url);
  if (href === null) return inner;
  const cls = className ? ` class="${escapeHtml(className)}"` : '';
  return `<a${cls} href="${escapeHtml(href)}" target="_blank" rel="noopener noreferrer">${inner}</a>`;
}
