import { Readable } from 'node:stream';
import { dedupeKeyOf, rawMessageId } from '../../src/mail-intake/dedupe-key';
import { loopOrJunk } from '../../src/mail-intake/loop-guard';
import { parseMail } from '../../src/mail-intake/parse-mail';
import {
  exitCodeFor,
  InputTooLargeError,
  pipeOptions,
  PipeUsageError,
  readCapped,
} from '../../src/mail-intake/pipe-input';
import { referencedIds, trackingIdsInSubject } from '../../src/mail-intake/threading';
import { uiLanguageOf } from '../../src/mail-intake/new-ticket-plan';

const mail = (headers: string) =>
  parseMail(Buffer.from(`From: Pat <pat@example.org>\r\n${headers}\r\nSubject: x\r\n\r\nbody\r\n`));

test('the dedupe key is the Message-ID when there is one, else the raw bytes', () => {
  expect(dedupeKeyOf('<a@b>', Buffer.from('one'))).toBe(dedupeKeyOf('<a@b>', Buffer.from('two')));
  expect(dedupeKeyOf(null, Buffer.from('one'))).not.toBe(dedupeKeyOf(null, Buffer.from('two')));
  expect(dedupeKeyOf('<A@b>', Buffer.from(''))).not.toBe(dedupeKeyOf('<a@b>', Buffer.from('')));
  expect(dedupeKeyOf(null, Buffer.from(''))).toMatch(/^[a-f0-9]{64}$/);
});

test('the Message-ID of a raw mail is read from its header block only', () => {
  expect(rawMessageId(Buffer.from('From: a@b\r\nMessage-ID:\r\n <folded@example.org>\r\n\r\nbody'))).toBe(
    '<folded@example.org>',
  );
  expect(rawMessageId(Buffer.from('From: a@b\r\n\r\nMessage-ID: <in-body@example.org>\r\n'))).toBeNull();
});

test('threading reads tracking IDs in any case, with or without dashes, and puts the direct parent last', () => {
  expect(trackingIdsInSubject('Re: [#abc-def-ghjk] and [#XYZXYZXYZX] and [#bad]')).toEqual([
    'ABCDEFGHJK',
    'XYZXYZXYZX',
  ]);
  expect(referencedIds({ references: ['<a@x>', '<b@x>'], inReplyTo: ['<c@x>'], messageId: '<me@x>' })).toEqual([
    '<a@x>',
    '<b@x>',
    '<c@x>',
  ]);
  expect(referencedIds({ references: ['<c@x>', '<a@x>'], inReplyTo: ['<c@x>'], messageId: null })).toEqual([
    '<a@x>',
    '<c@x>',
  ]);
});

test('the customer language is the first UI language the headers name', () => {
  expect(uiLanguageOf('de-DE, hu;q=0.8')).toBe('hu');
  expect(uiLanguageOf('lv')).toBe('lv');
  expect(uiLanguageOf('de')).toBeNull();
  expect(uiLanguageOf(null)).toBeNull();
});

test('loop and junk rules: values that mean "a person wrote this" pass', async () => {
  expect(loopOrJunk(await mail('Auto-Submitted: no'), [])).toBeNull();
  expect(loopOrJunk(await mail('X-Auto-Response-Suppress: DR, RN'), [])).toBeNull();
  expect(loopOrJunk(await mail('Precedence: first-class'), [])).toBeNull();
  expect(loopOrJunk(await mail('Auto-Submitted: auto-replied; owner-email="x@y"'), [])?.reason).toBe('auto_reply');
  expect(
    loopOrJunk(await mail('Content-Type: multipart/report; report-type="delivery-status"; boundary=x'), [])?.reason,
  ).toBe('bounce');
  expect(loopOrJunk(await mail('X-Loop: none'), ['pat@example.org'])?.reason).toBe('own_address');
});

test('the pipe reads at most its cap, and tells the MTA what to do', async () => {
  await expect(readCapped(Readable.from([Buffer.alloc(600), Buffer.alloc(600)]), 1000)).rejects.toBeInstanceOf(
    InputTooLargeError,
  );
  expect((await readCapped(Readable.from([Buffer.from('ab'), Buffer.from('c')]), 1000)).toString()).toBe('abc');
  // The LMTP receiver reads the rest of a too large message (its connection goes on), then refuses it.
  const rest = Readable.from([Buffer.alloc(600), Buffer.alloc(600), Buffer.alloc(600)]);
  await expect(readCapped(rest, 1000, { drain: true })).rejects.toBeInstanceOf(InputTooLargeError);
  expect(rest.readableEnded).toBe(true);
  expect(exitCodeFor(new InputTooLargeError('big'))).toBe(65);
  expect(exitCodeFor(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe(75);
  expect(exitCodeFor({ outcome: 'refused', inboundId: 1, ticketId: null, reason: 'bulk' })).toBe(0);
  expect(exitCodeFor({ outcome: 'kept_aside', inboundId: 1, ticketId: null, reason: 'too_big' })).toBe(0);
});

test('the pipe takes the envelope recipient as --recipient, normalised, and refuses anything that is not one address', () => {
  expect(pipeOptions([])).toEqual({ recipient: null, lmtp: null });
  expect(pipeOptions(['--recipient', ''])).toEqual({ recipient: null, lmtp: null });
  expect(pipeOptions(['--recipient', ' <Help+t1@Example.COM> '])).toEqual({
    recipient: 'help+t1@example.com',
    lmtp: null,
  });
  expect(pipeOptions(['--recipient=help@example.com'])).toEqual({ recipient: 'help@example.com', lmtp: null });
  for (const bad of [
    ['--recipient'],
    ['--recipient', 'a@b.c, d@e.f'],
    ['--recipient', 'x@y.z\r\nBcc: e@f.g'],
    ['--recipient', `${'a'.repeat(250)}@b.cd`],
    ['--recipient', '<script>@x.y'],
    ['--other', 'x'],
    ['positional'],
  ]) {
    expect(() => pipeOptions(bad)).toThrow(PipeUsageError);
  }
  expect(exitCodeFor(new PipeUsageError('x'))).toBe(75);
});

test('the pipe takes the LMTP receiver to hand over to as --lmtp: a socket path or host:port, nothing else', () => {
  expect(pipeOptions(['--lmtp', '/run/tessera/lmtp.sock'])).toEqual({
    recipient: null,
    lmtp: '/run/tessera/lmtp.sock',
  });
  expect(pipeOptions(['--lmtp=127.0.0.1:2424', '--recipient', 'help@example.com'])).toEqual({
    recipient: 'help@example.com',
    lmtp: '127.0.0.1:2424',
  });
  for (const bad of [
    ['--lmtp'],
    ['--lmtp', 'relative/path'],
    ['--lmtp', 'host'],
    ['--lmtp', 'a b:24'],
    ['--lmtp', 'mail.example.com:24'],
    ['--lmtp', '127.999.1.1:24'],
    ['--lmtp', '127.0.0.1:99999'],
  ]) {
    expect(() => pipeOptions(bad)).toThrow(PipeUsageError);
  }
});
