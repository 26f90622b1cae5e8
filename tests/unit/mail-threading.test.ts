import { headerMessageId, maxReferences, threadHeaders } from '../../src/mail/threading';

const id = (n: number) => `<m${n}@help.acme.test>`;

test('the first mail of a ticket starts the thread: no In-Reply-To, no References', () => {
  expect(threadHeaders({ root: null, recent: [] })).toEqual({});
});

test('the next mail answers the latest one and names the first', () => {
  expect(threadHeaders({ root: '<customer@mail.example>', recent: [{ messageId: id(1), at: 10 }] })).toEqual({
    inReplyTo: id(1),
    references: ['<customer@mail.example>', id(1)],
  });
  // Ours and theirs come in any order: time decides, the root is named once.
  const thread = {
    root: id(1),
    recent: [
      { messageId: id(3), at: 30 },
      { messageId: id(1), at: 10 },
      { messageId: '<reply@mail.example>', at: 20 },
    ],
  };
  expect(threadHeaders(thread)).toEqual({ inReplyTo: id(3), references: [id(1), '<reply@mail.example>', id(3)] });
});

test('References stays bounded on a long ticket: the first mail and the latest ones', () => {
  const recent = Array.from({ length: 40 }, (_, i) => ({ messageId: id(i + 2), at: i + 2 }));
  const { inReplyTo, references } = threadHeaders({ root: id(1), recent });
  expect(references).toHaveLength(maxReferences);
  expect(references![0]).toBe(id(1));
  expect(references!.slice(-1)).toEqual([id(41)]);
  expect(inReplyTo).toBe(id(41));
});

test('stored ids that are not Message-IDs never reach a header (they would refuse the whole mail)', () => {
  expect(headerMessageId('abc@example.com')).toBe('<abc@example.com>');
  expect(headerMessageId(' <abc@example.com> ')).toBe('<abc@example.com>');
  for (const bad of ['', null, 'no-at-sign', '<a@b>\r\nBcc: x@evil.test', '<a b@c>', `<${'x'.repeat(300)}@c>`])
    expect(headerMessageId(bad)).toBeNull();
  expect(threadHeaders({ root: 'junk', recent: [{ messageId: '<a@b>\nX: y', at: 1 }] })).toEqual({});
});
