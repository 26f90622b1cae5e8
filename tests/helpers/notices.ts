/**
 * The texts of a page's notices (role="status"), tags removed: a notice about mail that is only queued sits in
 * the mail-off box, in paragraphs beside its "Set up sending" link (views/admin/partials/mail-sending-notice.ejs).
 */
export const statusNotices = (html: string): string[] =>
  [...html.matchAll(/<div class="alert[^"]*"(?: data-mail-sending="\w+")? role="status">([\s\S]*?)<\/div>/g)].map((m) =>
    m[1]!
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim(),
  );
