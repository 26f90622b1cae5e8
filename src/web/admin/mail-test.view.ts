import type { TestMailResult } from '../../mail/mail.service';
import type { Settings } from '../../settings/settings.schema';

export type TestView = { ok: boolean; message: string; vars: Record<string, string>; detail: string | null; response: string | null };

/** The outcome of a test e-mail in plain words: what happened, and what the server said. */
export function describeTest(result: TestMailResult, settings: Settings, to: string): TestView {
  const where = { to, host: settings['mail.smtpHost'], port: String(settings['mail.smtpPort']), file: result.target };
  const outcome = result.outcome;
  if (outcome?.status === 'sent') {
    const logged = settings['mail.transport'] === 'log';
    return { ok: true, message: logged ? 'mailSettings.test.logged' : 'mailSettings.test.sent', vars: where, detail: null, response: logged ? null : outcome.response };
  }
  if (outcome?.status === 'failed' || outcome?.status === 'deferred') {
    return { ok: false, message: 'mailSettings.test.failed', vars: where, detail: `mailSettings.problem.${outcome.failure.problem}`, response: outcome.failure.response };
  }
  return { ok: false, message: 'mailSettings.test.failed', vars: where, detail: 'mailSettings.problem.other', response: null };
}
