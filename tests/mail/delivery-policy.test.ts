import { classifySendError, deliveryPolicy, retryDelayMs, smtpReplyOf } from '../../src/mail/delivery-policy';

const minute = 60_000;

test('retries wait 1, 2, 4 … minutes, never more than 6 hours, with jitter of at most 15 %', () => {
  const low = () => 0;
  const high = () => 0.999999;
  expect([1, 2, 3, 4].map((n) => retryDelayMs(n, () => 0.5))).toEqual([1, 2, 4, 8].map((m) => m * minute));
  expect(retryDelayMs(1, low)).toBe(0.85 * minute);
  expect(retryDelayMs(1, high)).toBeLessThanOrEqual(1.15 * minute);
  expect(retryDelayMs(9, () => 0.5)).toBe(256 * minute);
  expect(retryDelayMs(10, () => 0.5)).toBe(deliveryPolicy.maxRetryMs);
  expect(retryDelayMs(40, high)).toBe(deliveryPolicy.maxRetryMs);
  expect(retryDelayMs(40, low)).toBe(0.85 * deliveryPolicy.maxRetryMs);
  expect(deliveryPolicy.sendTimeoutMs).toBeLessThan(deliveryPolicy.attemptLeaseMs);
  expect(deliveryPolicy.claimLeaseMs).toBeLessThanOrEqual(minute);
});

const smtpError = (fields: Record<string, unknown>) =>
  Object.assign(new Error(String(fields.message ?? 'failed')), fields);

test.each([
  ['nothing listening', { code: 'ESOCKET', originalCode: 'ECONNREFUSED', command: 'CONN' }, 'refused', false, true],
  ['unknown host', { code: 'EDNS', originalCode: 'ENOTFOUND' }, 'dns', false, true],
  ['no answer', { code: 'ETIMEDOUT', timeoutType: 'GREETING_TIMEOUT' }, 'timeout', false, true],
  ['send took too long', { code: 'EABORT' }, 'timeout', false, true],
  ['bad certificate', { code: 'ETLS', originalCode: 'DEPTH_ZERO_SELF_SIGNED_CERT' }, 'tls', false, true],
  [
    'wrong password',
    {
      code: 'EAUTH',
      responseCode: 535,
      permanent: true,
      response: '535 5.7.8 Authentication failed',
      command: 'AUTH PLAIN',
    },
    'auth',
    false,
    true,
  ],
  [
    'sign-in required',
    {
      code: 'EENVELOPE',
      responseCode: 530,
      permanent: true,
      response: '530 5.7.0 Authentication required',
      command: 'MAIL FROM',
    },
    'auth',
    false,
    true,
  ],
  [
    'sender refused',
    {
      code: 'EENVELOPE',
      responseCode: 553,
      permanent: true,
      response: '553 5.7.1 Sender not owned',
      command: 'MAIL FROM',
    },
    'sender',
    false,
    true,
  ],
  [
    'relaying denied',
    {
      code: 'EENVELOPE',
      responseCode: 550,
      permanent: true,
      response: '550 5.7.1 Relaying denied',
      command: 'RCPT TO',
    },
    'relay',
    false,
    true,
  ],
  [
    'unknown user',
    { code: 'EENVELOPE', responseCode: 550, permanent: true, response: '550 5.1.1 No such user', command: 'RCPT TO' },
    'recipient',
    true,
    false,
  ],
  [
    'mailbox full for now',
    { code: 'EENVELOPE', responseCode: 452, permanent: false, response: '452 4.2.2 Mailbox full', command: 'RCPT TO' },
    'recipient',
    false,
    false,
  ],
  [
    'message refused',
    { code: 'EMESSAGE', responseCode: 554, permanent: true, response: '554 5.6.0 Message rejected', command: 'DATA' },
    'message',
    true,
    false,
  ],
  [
    'greylisted',
    { code: 'EMESSAGE', responseCode: 451, permanent: false, response: '451 4.7.1 Try later', command: 'DATA' },
    'message',
    false,
    false,
  ],
  ['not set up', { code: 'ENOTCONFIGURED' }, 'config', false, true],
  [
    'an SSH server',
    {
      code: 'EPROTOCOL',
      command: 'CONN',
      message: 'Invalid greeting. response=SSH-2.0-OpenSSH_9.2p1',
      response: 'SSH-2.0-OpenSSH_9.2p1',
    },
    'protocol',
    false,
    true,
  ],
  ['anything else', { message: 'boom' }, 'other', false, false],
] as Array<[string, Record<string, unknown>, string, boolean, boolean]>)(
  '%s',
  (_name, fields, problem, permanent, serverWide) => {
    const failure = classifySendError(smtpError(fields));
    expect(failure).toMatchObject({ problem, permanent, serverWide });
    // What a peer that is not an SMTP server sent is kept nowhere, not even in the error text.
    if (problem === 'protocol') expect(JSON.stringify(failure)).not.toContain('SSH');
    else expect(failure.response).toBe(typeof fields.response === 'string' ? fields.response : null);
  },
);

test('only the reply code and enhanced status code of an SMTP reply are kept for showing', () => {
  expect(smtpReplyOf('250 2.0.0 Ok: queued as X')).toEqual({ code: 250, enhanced: '2.0.0' });
  expect(smtpReplyOf('535 Authentication failed')).toEqual({ code: 535, enhanced: null });
  expect(smtpReplyOf('250-first line')).toEqual({ code: 250, enhanced: null });
  for (const peer of ['SSH-2.0-OpenSSH', 'HTTP/1.1 400 Bad Request', '999 odd', '', null, '<script>250 x'])
    expect(smtpReplyOf(peer)).toBeNull();
});
