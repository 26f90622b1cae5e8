import type { ZodOpenApiPathsObject } from 'zod-openapi';
import * as k from './kb-api.schema';
import { json, kbReadOp, kbStaff } from './openapi-ops';

/** The knowledge-base paths of /api/v1: reads without a token, writes with `kb.manage`. */
export const kbPaths: ZodOpenApiPathsObject = {
  '/kb/categories': {
    get: kbReadOp({
      summary: 'Knowledge-base categories',
      description:
        'The categories customers may see (not staff-only ones, nor any below one), each with its number of published articles.',
      query: k.kbLanguageQuery,
      ok: { '200': { description: 'Every visible category.', ...json(k.kbCategoryList) } },
    }),
    post: kbStaff({
      summary: 'Create a knowledge-base category',
      capability: 'kb.manage',
      body: k.kbCategoryCreate,
      creates: true,
      ok: { '201': { description: 'Created.', ...json(k.kbStaffCategoryEnvelope) } },
    }),
  },
  '/kb/categories/{category}': {
    patch: kbStaff({
      summary: 'Change a knowledge-base category',
      capability: 'kb.manage',
      description: 'The given fields only. A category cannot move below itself.',
      path: k.kbCategoryParams,
      body: k.kbCategoryPatch,
      ok: { '200': { description: 'The category after the change.', ...json(k.kbStaffCategoryEnvelope) } },
    }),
    delete: kbStaff({
      summary: 'Delete a knowledge-base category',
      capability: 'kb.manage',
      description: 'Only an empty one (409 `kb_category_not_empty` otherwise).',
      path: k.kbCategoryParams,
      extra: ['409'],
      ok: { '204': { description: 'Deleted.' } },
    }),
  },
  '/kb/articles': {
    get: kbReadOp({
      summary: 'Published articles',
      description:
        'One page of the articles customers may read: of one category (pinned first, then in the editors\u2019 order), or of all (latest change first).',
      query: k.kbListQuery,
      ok: { '200': { description: 'One page.', ...json(k.kbArticleList) } },
    }),
    post: kbStaff({
      summary: 'Create an article',
      capability: 'kb.manage',
      description: 'With its first language version. Checked as in the editor at /admin/kb; recorded in the audit log.',
      body: k.kbArticleCreate,
      creates: true,
      ok: { '201': { description: 'Created.', ...json(k.kbStaffArticleEnvelope) } },
    }),
  },
  '/kb/articles/search': {
    get: kbReadOp({
      summary: 'Search published articles',
      description:
        'Ranked full-text search, as the help desk\u2019s search page (keywords above titles above text; every word a prefix; when no article has every word, those with some). Searches are kept for the owner\u2019s numbers as the page\u2019s are.',
      query: k.kbSearchQuery,
      ok: { '200': { description: 'One page of results, best first.', ...json(k.kbSearchResults) } },
    }),
  },
  '/kb/articles/{article}': {
    get: kbReadOp({
      summary: 'Read an article',
      description:
        'Without a token: a published article in a category customers may see (anything else is 404), in the asked language or the default one. With a token of a staff member who has `kb.manage`: any article with every language version (`KbStaffArticle`).',
      path: k.kbArticleParams,
      query: k.kbLanguageQuery,
      ok: {
        '200': {
          description: 'The article: `KbArticle` for customers, `KbStaffArticle` for its editors.',
          ...json(k.kbArticleEnvelope),
        },
      },
    }),
    patch: kbStaff({
      summary: 'Change an article',
      capability: 'kb.manage',
      description:
        'The given fields only, with the `revision` last read (older clients: the `updatedAt` last read): when someone saved the article since, on the page or through the API, nothing changes and the answer is 409 `kb_article_changed`. Recorded in the audit log.',
      path: k.kbArticleParams,
      body: k.kbArticlePatch,
      extra: ['409'],
      ok: { '200': { description: 'The article after the change.', ...json(k.kbStaffArticleEnvelope) } },
    }),
    delete: kbStaff({
      summary: 'Delete an article',
      capability: 'kb.manage',
      description: 'With every language version, its counters and its files. Recorded in the audit log.',
      path: k.kbArticleParams,
      ok: { '204': { description: 'Deleted.' } },
    }),
  },
  '/kb/articles/{article}/files': {
    get: kbReadOp({
      summary: 'An article\u2019s images and files',
      description:
        'Without a token: the files of a published article in a category customers may see (anything else is 404). With a token of a staff member who has `kb.manage`: any article\u2019s. Uploading is done in the editor at /admin/kb.',
      path: k.kbArticleParams,
      query: k.kbFilesQuery,
      ok: { '200': { description: 'Every file of the article, oldest first.', ...json(k.kbFileList) } },
    }),
  },
};
