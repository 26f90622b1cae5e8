import crypto from 'node:crypto';
// @ts-expect-error mailauth ships no types; the signer is only used by tests
import { dkimSign } from 'mailauth/lib/dkim/sign';
import { importRawMail, type ImportResult, type MailOrigin } from '../../src/mail-intake/intake.service';
import type { DnsResolver } from '../../src/staff-mail/sender-auth';
import { pipeOrigin } from './mail-intake';
import type { InstalledApp } from './installed-app';

/** A DKIM key of a mail domain, made in the test, and the DNS answer that publishes it. */
export type DkimDomain = { domain: string; selector: string; privateKey: string; record: string };

export function dkimDomain(domain: string, selector = 'mail'): DkimDomain {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const p = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  return {
    domain,
    selector,
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    record: `v=DKIM1; k=rsa; p=${p}`,
  };
}

/** DNS as the test says it is: only the given domains' DKIM keys exist; no network. */
export function resolverFor(...domains: DkimDomain[]): DnsResolver {
  return async (name, rrtype) => {
    const found = domains.find((d) => name.toLowerCase() === `${d.selector}._domainkey.${d.domain}`);
    if (rrtype === 'TXT' && found) return [[found.record]];
    throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
  };
}

/**
 * The message with a DKIM-Signature of `key` on top, as the sender's mail server adds it. The
 * sign time is fixed here: without it mailauth's signer reads the clock twice (for the header it
 * signs and for the one it writes), and a signature made across a half-second boundary carries a
 * t= other than the one it signed, so about 1 in 2,000 test signatures did not verify (more under load).
 */
export async function dkimSigned(raw: Buffer, key: DkimDomain, opts: { bodyLength?: number } = {}): Promise<Buffer> {
  const { signatures } = (await dkimSign(raw, {
    canonicalization: 'relaxed/relaxed',
    signTime: new Date(),
    signatureData: [
      {
        signingDomain: key.domain,
        selector: key.selector,
        privateKey: key.privateKey,
        ...(opts.bodyLength !== undefined ? { maxBodyLength: opts.bodyLength } : {}),
      },
    ],
  })) as { signatures: string };
  return Buffer.concat([Buffer.from(signatures), raw]);
}

/** What our receiving server adds on delivery: the envelope recipient above its Received line. */
export function delivered(raw: Buffer, envelopeTo: string): Buffer {
  const received =
    'Received: from mail.example.com (mail.example.com [192.0.2.10]) by mx.help.example; Mon, 07 Dec 2026 08:00:01 +0000\r\n';
  return Buffer.concat([Buffer.from(`Delivered-To: ${envelopeTo}\r\n${received}`), raw]);
}

/** Imports with the test's DNS. */
export function importWithDns(
  t: InstalledApp,
  resolver: DnsResolver,
  raw: Buffer,
  origin: MailOrigin = pipeOrigin,
): Promise<ImportResult> {
  return importRawMail({ ...t.services, dnsResolver: resolver }, raw, origin);
}
