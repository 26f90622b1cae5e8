import type { KbLink } from '../../kb/kb-public.service';

const xmlEscaped = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A sitemaps.org document of the articles, with absolute addresses under the help desk's URL. */
export function kbSitemapXml(baseUrl: string, links: KbLink[]): string {
  const base = baseUrl.replace(/\/+$/, '');
  const urls = links.map(
    (l) =>
      `  <url><loc>${xmlEscaped(base + l.href)}</loc><lastmod>${new Date(l.updatedAt).toISOString()}</lastmod></url>`,
  );
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ...urls,
    '</urlset>',
    '',
  ].join('\n');
}
