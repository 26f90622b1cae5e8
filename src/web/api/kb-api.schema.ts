import { z } from 'zod';
import 'zod-openapi'; // the OpenAPI keys of .meta() (id, param)
import { languageCodes } from '../../i18n/i18n';
import { kbStatuses } from '../../kb/kb.schema';

/**
 * The knowledge base's REST API: inputs and answers. The routes validate with these schemas and
 * the OpenAPI document is generated from them. Text limits are the editor's (kb.schema.ts).
 */

const digits = z.string().regex(/^\d{1,9}$/);
const date = z.string().meta({ format: 'date-time', description: 'ISO 8601 in UTC' });
const language = z.enum(languageCodes).meta({ description: 'A language code of the help desk.' });
const readLanguage = language.optional().meta({
  description:
    'The language to read in; an article without a version in it is given in the help desk\u2019s default language. Default: the `Accept-Language` language.',
});
const id = z.number().int().positive().max(2_147_483_647);

export const kbArticleParams = z.object({ article: digits.meta({ description: 'The article id.', example: '12' }) });
export const kbCategoryParams = z.object({ category: digits.meta({ description: 'The category id.', example: '3' }) });
export const kbLanguageQuery = z.strictObject({ language: readLanguage });

export const kbListQuery = z.strictObject({
  category: digits.optional().meta({
    description:
      'Only this category\u2019s articles (pinned first, then in the editors\u2019 order); without it, every public article, latest change first.',
  }),
  language: readLanguage,
  page: digits
    .refine((v) => Number(v) >= 1 && Number(v) <= 500)
    .optional()
    .meta({ description: 'Page number, 1 to 500.' }),
  size: z.enum(['10', '20', '50', '100']).optional().meta({ description: 'Page size (default 20).' }),
});

export const kbSearchQuery = z.strictObject({
  q: z.string().max(200).meta({
    description:
      'Words to find (title, keywords, text); each word matches as a prefix. Operators of the databases\u2019 full-text engines have no meaning here.',
  }),
  language: readLanguage,
  page: digits
    .refine((v) => Number(v) >= 1 && Number(v) <= 50)
    .optional()
    .meta({ description: 'Page number, 1 to 50.' }),
  size: z.enum(['10', '20', '50']).optional().meta({ description: 'Page size (default 20).' }),
});

const title = z.string().trim().min(1).max(191);
const keywords = z
  .string()
  .trim()
  .max(500)
  .meta({ description: 'Words a search should find the article by (ranked above the title and the text).' });
const body = z
  .string()
  .min(1)
  .max(200_000)
  .meta({ description: 'Markdown; raw HTML is not rendered, and the result is sanitized.' });
const status = z.enum(kbStatuses).meta({
  description: '`published` is public (in a public category); `private` is for staff only; `draft` is nowhere.',
});

export const kbArticleCreate = z.strictObject({
  categoryId: id,
  status,
  pinned: z.boolean().optional(),
  position: z.number().int().min(-999_999).max(999_999).optional(),
  language,
  title,
  keywords: keywords.optional(),
  body,
});

export const kbArticlePatch = z
  .strictObject({
    revision: z.number().int().min(0).max(999_999_999).optional().meta({
      description:
        'The article\u2019s `revision` as last read: when someone saved it since (on the page or through the API), nothing is changed and the answer is 409 `kb_article_changed`. This or `updatedAt` is required.',
    }),
    updatedAt: z.iso.datetime({ offset: true }).optional().meta({
      description:
        'Kept for older clients: the article\u2019s `updatedAt` as last read, checked like `revision` (every save moves it). Prefer `revision`.',
    }),
    categoryId: id.optional(),
    status: status.optional(),
    pinned: z.boolean().optional(),
    position: z.number().int().min(-999_999).max(999_999).optional(),
    language: language.optional().meta({
      description:
        'Which language\u2019s version `title`, `keywords` and `body` change (default: the help desk\u2019s default language). A language the article does not have yet adds a version, which needs `title` and `body`.',
    }),
    title: title.optional(),
    keywords: keywords.optional(),
    body: body.optional(),
  })
  .refine((b) => b.revision !== undefined || b.updatedAt !== undefined, {
    message: 'apiErrors.required',
    path: ['revision'],
  });

export const kbCategoryCreate = z.strictObject({
  name: z.string().trim().min(1).max(120),
  parentId: id
    .nullable()
    .optional()
    .meta({ description: 'The parent category, or null (default) for a top category.' }),
  position: z.number().int().min(-999_999).max(999_999).optional(),
  staffOnly: z
    .boolean()
    .optional()
    .meta({ description: 'Hidden from customers, with everything in it (default false).' }),
});
export const kbCategoryPatch = kbCategoryCreate
  .partial()
  .refine((b) => Object.keys(b).length > 0, { message: 'apiErrors.emptyPatch' });

// ---- Answers -----------------------------------------------------------------------------

export const kbPublicCategory = z
  .object({
    id: z.number().int(),
    parentId: z.number().int().nullable(),
    name: z.string().meta({ description: 'In the asked language when translated, else the default name.' }),
    position: z.number().int(),
    articles: z.number().int().meta({ description: 'Published articles in it (not counting sub-categories).' }),
  })
  .meta({ id: 'KbCategory' });
export const kbCategoryList = z.object({ items: z.array(kbPublicCategory) });

export const kbFilesQuery = z.strictObject({});
export const kbFile = z
  .object({
    id: z.number().int(),
    fileName: z.string(),
    contentType: z.string().meta({
      description:
        'Checked by content: png/jpeg/gif/webp images are shown inline (`inline: true`), anything else is a download.',
    }),
    size: z.number().int().meta({ description: 'Bytes.' }),
    inline: z.boolean(),
    url: z.string().meta({
      description: 'The file’s address; an article’s Markdown names it as `/helpdesk/kb/{article}/files/{id}`.',
    }),
  })
  .meta({ id: 'KbFile' });
export const kbFileList = z.object({ items: z.array(kbFile) });

export const kbArticleSummary = z
  .object({
    id: z.number().int(),
    categoryId: z.number().int(),
    language: z.string().meta({ description: 'The language of the version given.' }),
    title: z.string(),
    url: z.string().meta({
      description:
        'The article\u2019s page for customers, an absolute address built from the help desk\u2019s address setting.',
    }),
    pinned: z.boolean(),
    updatedAt: date,
  })
  .meta({ id: 'KbArticleSummary' });
export const kbArticleList = z.object({
  items: z.array(kbArticleSummary),
  page: z.number().int(),
  size: z.number().int(),
  hasMore: z.boolean(),
});

export const kbSearchResults = z.object({
  items: z.array(
    z.object({
      id: z.number().int(),
      language: z.string(),
      title: z.string(),
      url: z.string(),
      titleHtml: z.string().meta({ description: 'The title, HTML-escaped, with the found words in `<mark>`.' }),
      snippetHtml: z
        .string()
        .meta({ description: 'A passage of the text around the found words, HTML-escaped, with them in `<mark>`.' }),
      updatedAt: date,
    }),
  ),
  total: z.number().int().meta({ description: 'Matching articles, counted up to 1,000.' }),
  totalCapped: z.boolean(),
  anyWord: z.boolean().meta({ description: 'True when no article had every word and these have some of them.' }),
  page: z.number().int(),
  size: z.number().int(),
  hasMore: z.boolean(),
});

export const kbPublicArticle = z
  .object({
    id: z.number().int(),
    categoryId: z.number().int(),
    language: z.string(),
    fallback: z
      .boolean()
      .meta({ description: 'True when the asked language has no version and the default language\u2019s is given.' }),
    title: z.string(),
    keywords: z.string(),
    body: z.string().meta({ description: 'The Markdown as written.' }),
    html: z.string().meta({ description: 'The body rendered and sanitized, as the help desk shows it.' }),
    url: z.string(),
    breadcrumbs: z.array(z.object({ id: z.number().int(), name: z.string() })),
    updatedAt: date,
  })
  .meta({ id: 'KbArticle' });

export const kbStaffArticle = z
  .object({
    id: z.number().int(),
    categoryId: z.number().int(),
    status: z.enum(kbStatuses),
    pinned: z.boolean(),
    position: z.number().int(),
    createdAt: date,
    updatedAt: date,
    revision: z.number().int().meta({
      description:
        'Counts the article\u2019s saves. Send it back with a PATCH: the change is refused (409) when someone saved the article meanwhile.',
    }),
    versions: z.array(
      z.object({
        language: z.string(),
        title: z.string(),
        slug: z.string(),
        keywords: z.string(),
        body: z.string(),
        updatedAt: date,
      }),
    ),
  })
  .meta({ id: 'KbStaffArticle' });

export const kbArticleEnvelope = z.object({ article: z.union([kbPublicArticle, kbStaffArticle]) });
export const kbStaffArticleEnvelope = z.object({ article: kbStaffArticle });
export const kbStaffCategory = z
  .object({
    id: z.number().int(),
    parentId: z.number().int().nullable(),
    name: z.string(),
    position: z.number().int(),
    staffOnly: z.boolean(),
    names: z.record(z.string(), z.string()),
  })
  .meta({ id: 'KbStaffCategory' });
export const kbStaffCategoryEnvelope = z.object({ category: kbStaffCategory });
