/**
 * Inline styles of the HTML mail layout, kept in one place. Mail clients drop <style> blocks
 * and external stylesheets, so every element carries its own; the views refer to these by name.
 */
const font = "-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";

export const mailStyle = {
  body: 'margin:0;padding:0;background-color:#f3f4f6;',
  outer: 'background-color:#f3f4f6;',
  outerCell: 'padding:24px 12px;',
  replyMarker: `max-width:600px;margin:0 auto 14px;padding:0 4px;font-family:${font};font-size:12px;color:#6b7280;text-align:left;`,
  brand: `padding:0 4px 14px;font-family:${font};font-size:16px;font-weight:600;color:#111827;`,
  card: `background-color:#ffffff;border:1px solid #e5e7eb;border-radius:8px;padding:28px 28px 24px;font-family:${font};font-size:15px;line-height:1.6;color:#1f2937;word-break:break-word;`,
  p: 'margin:0 0 16px;',
  lead: 'margin:0 0 16px;font-size:16px;',
  quote: 'margin:0 0 20px;padding:4px 0 4px 16px;border-left:3px solid #2563eb;color:#111827;',
  quoteP: 'margin:0 0 12px;',
  factsTable: 'margin:0 0 20px;border-collapse:collapse;width:100%;',
  factLabel: `padding:6px 12px 6px 0;font-family:${font};font-size:14px;color:#6b7280;white-space:nowrap;vertical-align:top;width:1%;`,
  factValue: `padding:6px 0;font-family:${font};font-size:14px;color:#111827;vertical-align:top;`,
  trackingId:
    "font-family:'SFMono-Regular', Consolas, 'Liberation Mono', Menlo, monospace;font-size:15px;letter-spacing:0.5px;",
  buttonTable: 'margin:4px 0 20px;border-collapse:separate;',
  buttonCell: 'border-radius:6px;background-color:#2563eb;',
  button: `display:inline-block;padding:11px 20px;font-family:${font};font-size:15px;font-weight:600;color:#ffffff;text-decoration:none;border-radius:6px;`,
  small: 'margin:0 0 16px;font-size:13px;color:#6b7280;',
  link: 'color:#2563eb;',
  listItem: 'margin:0 0 14px;padding:12px 14px;border:1px solid #e5e7eb;border-radius:6px;',
  signOff: 'margin:24px 0 0;',
  footer: `padding:16px 4px 0;font-family:${font};font-size:12px;line-height:1.5;color:#6b7280;`,
  footerLink: 'color:#6b7280;',
} as const;
