import { smtpReplyOf, type SmtpReply } from '../../mail/delivery-policy';
import type { TestMailResult } from '../../mail/mail.service';
import type { Settings } from '../../settings/settings.schema';

/**
 * What the page says: a classified result and, from an SMTP server, its reply code with a text
 * of our own for that class of code. Nothing the peer sent is shown as it is: the button must
 * not turn into a way to read what any host:port answers.
 */
export type TestView = {
  ok: boolean;
  message: string;
  vars: Record<string, string>;
  detail: string | null;
  reply: (SmtpReply & { meaning: string }) | null;
};

function replyView(response: string | null): TestView['reply'] {
  const reply = smtpReplyOf(response);
  return reply && { ...reply, meaning: `mailSettings.reply.${String(reply.code).charAt(0)}xx` };
}

/** The outcome of a test e-mail in plain words: what happened, and the server's reply code. */
export function describeTest(result: TestMailResult, settings: Settings, to: string): TestView {
  const where = { to, host: settings['mail.smtpHost'], port: String(settings['mail.smtpPort']), file: result.target };
  const outcome = result.outcome;
  if (outcome?.status === 'sent') {
    const logged = settings['mail.transport'] === 'log';
    return {
      ok: true,
      message: logged ? 'mailSettings.test.logged' : 'mailSettings.test.sent',
      vars: where,
      detail: null,
      reply: logged ? null : replyView(outcome.response),
    };
  }
  if (outcome?.status === 'failed' || outcome?.status === 'deferred') {
    return {
      ok: false,
      message: 'mailSettings.test.failed',
      vars: where,
      detail: `mailSettings.problem.${outcome.failure.problem}`,
      reply: replyView(outcome.failure.response),
    };
  }
  return {
    ok: false,
    message: 'mailSettings.test.failed',
    vars: where,
    detail: 'mailSettings.problem.other',
    reply: null,
  };
}
