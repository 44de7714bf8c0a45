/**
 * Escaping of text placed into HTML and SVG. Every label in a report comes from a trace, and a
 * trace carries names a user chose (scenario, task, subscriber, lock), so every piece of text
 * goes through {@link escapeXml} before it reaches markup: no exceptions, no raw interpolation.
 */

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Escapes text for an HTML or SVG text node or a quoted attribute value.
 * Control characters other than tab, newline and carriage return are dropped (they are not
 * allowed in XML).
 */
export function escapeXml(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: dropping them is the point
  const clean = text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '');
  return clean.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** Cuts `text` to at most `max` characters, marking the cut with an ellipsis. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}
