import crypto from 'node:crypto';
import type { Settings } from '../settings/settings.schema';
import { stripControl } from './mail.schema';

/** The help desk as mail presents it: its name, public address (no trailing slash) and e-mail. */
export type MailSite = { name: string; url: string; email: string };

export function siteOf(settings: Settings): MailSite {
  return {
    name: settings['helpdesk.name'],
    url: settings['helpdesk.url'].replace(/\/+$/, ''),
    email: settings['helpdesk.email'],
  };
}

/** The host of the help desk's public address, the right-hand side of our Message-IDs. */
export function mailHostOf(siteUrl: string): string {
  try {
    const host = new URL(siteUrl).hostname;
    if (host) return host;
  } catch {
    // a stored URL that no longer parses still gets a valid Message-ID
  }
  return 'tessera.invalid';
}

/** `<time.random@host>`: unique without coordination, and recognisable as ours when replied to. */
export function newMessageId(siteUrl: string, now: number): string {
  return `<${now.toString(36)}.${crypto.randomBytes(12).toString('hex')}@${mailHostOf(siteUrl)}>`;
}

/** The From of every mail: the sending settings, else the help desk's own name and address. */
export function senderOf(settings: Settings): { name: string; address: string } {
  return {
    name: stripControl(settings['mail.fromName'] || settings['helpdesk.name']),
    address: settings['mail.fromAddress'] || settings['helpdesk.email'],
  };
}
