import { foldText } from '../db/fold';

/** A readable URL part from a title: letters (any script) and digits joined by hyphens, diacritics off. */
export function kbSlug(title: string): string {
  const words = foldText(title).match(/[\p{L}\p{N}]+/gu) ?? [];
  let slug = '';
  for (const w of words) {
    if ([...`${slug}-${w}`].length > 80) break;
    slug = slug ? `${slug}-${w}` : w;
  }
  return slug || 'article';
}
