import { kbHtmlRevision, kbRenderInputs, kbRenderRevisionOf } from '../../src/kb/kb-markdown';

test('the stored-HTML revision follows the renderer: its options, the image rule and the installed library versions', () => {
  const inputs = kbRenderInputs();
  expect(kbHtmlRevision).toBe(kbRenderRevisionOf(inputs));
  expect(Number.isSafeInteger(kbHtmlRevision) && kbHtmlRevision > 0 && kbHtmlRevision <= 0x7fffffff).toBe(true);
  expect(inputs).toContain(`markdown-it@${(require('markdown-it/package.json') as { version: string }).version}`);
  expect(inputs).toContain(`sanitize-html@${(require('sanitize-html/package.json') as { version: string }).version}`);
  // The allow-list and the functions' source are part of it: a rule changed by hand is a new revision.
  expect(inputs.join('\n')).toContain('"allowedTags":["a","b"');
  expect(inputs.join('\n')).toContain('fn:');
  // Any input changed (an upgrade, one more allowed tag) gives another revision.
  const upgraded = inputs.map((i) => i.replace(/^sanitize-html@.*/, 'sanitize-html@99.0.0'));
  const widened = inputs.map((i) => i.replace('"allowedTags":["a",', '"allowedTags":["a","iframe",'));
  for (const other of [upgraded, widened]) expect(kbRenderRevisionOf(other)).not.toBe(kbHtmlRevision);
});
