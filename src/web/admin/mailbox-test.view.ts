import type { ConnectionTest } from '../../mailboxes/mail-servers';

/**
 * What the mailbox pages say about a connection: a classified result in our words and, from a
 * peer that greeted as a mail server, its reply text (printable ASCII, at most 200 characters;
 * see sanitizeServerText). Bytes from anything else are never shown.
 */
export type ConnectionTestView = {
  ok: boolean;
  message: string;
  vars: Record<string, string | number>;
  detail: string | null;
  serverText: string | null;
  warning: string | null;
};

/** `passwordTyped`: the password came from the form (it is not shown again: to save, type it again). */
export function describeConnectionTest(
  result: ConnectionTest,
  form: Record<string, string>,
  passwordTyped: boolean,
): ConnectionTestView {
  const vars = {
    host: form.host ?? '',
    port: form.port ?? '',
    user: form.username ?? '',
    folder: form.protocol === 'pop3' ? 'INBOX' : form.folder || 'INBOX',
    moveTo: form.move_to ?? '',
  };
  if (result.ok) {
    return {
      ok: true,
      message: form.protocol === 'pop3' ? 'mailboxes.test.okPop3' : 'mailboxes.test.ok',
      vars: { ...vars, count: result.messages },
      detail: null,
      serverText: null,
      warning: result.moveFolderMissing
        ? 'mailboxes.test.moveFolderMissing'
        : passwordTyped
          ? 'mailboxes.test.retypePassword'
          : null,
    };
  }
  return {
    ok: false,
    message: 'mailboxes.test.failed',
    vars,
    detail: `mailboxes.problem.${result.problem}`,
    serverText: result.serverText,
    warning: null,
  };
}

const knownProblems = [
  'refused',
  'dns',
  'timeout',
  'tls',
  'protocol',
  'auth',
  'folder',
  'move_folder',
  'other',
  'database',
  'action',
  'too_big',
];

/** mailboxes.last_error ("<problem>: <detail>") for the list: the problem in words, and the detail. */
export function describeLastError(lastError: string | null): { problem: string; detail: string | null } | null {
  if (!lastError) return null;
  const m = /^([a-z_]+)(?:: ([\s\S]*))?$/.exec(lastError);
  const problem = m && knownProblems.includes(m[1]!) ? m[1]! : 'other';
  return { problem: `mailboxes.problem.${problem}`, detail: m ? (m[2] ?? null) : lastError };
}
