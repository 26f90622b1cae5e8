/**
 * A browser-like client for the load script: keep-alive connections over node:http (no client
 * library between the timer and the socket), a cookie jar per simulated browser, URL-encoded
 * and multipart form posts, and the hidden form fields a page carries (CSRF token and friends).
 */
import crypto from 'node:crypto';
import http from 'node:http';
import https from 'node:https';

export type Reply = { status: number; location: string | null; body: string; headers: http.IncomingHttpHeaders };

export class Browser {
  private readonly cookies = new Map<string, string>();

  /** `agent` is an https.Agent for an https base (it carries the CA, and a local address if wanted). */
  constructor(
    private readonly base: URL,
    private readonly agent: http.Agent,
    private readonly extraHeaders: http.OutgoingHttpHeaders = {},
  ) {}

  /** The value of a cookie the browser holds, if any. */
  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  get(path: string): Promise<Reply> {
    return this.send('GET', path);
  }

  postForm(path: string, fields: Record<string, string>): Promise<Reply> {
    return this.send(
      'POST',
      path,
      Buffer.from(new URLSearchParams(fields).toString()),
      'application/x-www-form-urlencoded',
    );
  }

  /** multipart/form-data with text fields only, as a browser sends a form that could carry files. */
  postMultipart(path: string, fields: Record<string, string>): Promise<Reply> {
    const boundary = `----bench${crypto.randomBytes(12).toString('hex')}`;
    const parts = Object.entries(fields).map(
      ([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`,
    );
    return this.send(
      'POST',
      path,
      Buffer.from(`${parts.join('')}--${boundary}--\r\n`),
      `multipart/form-data; boundary=${boundary}`,
    );
  }

  private send(method: string, path: string, body?: Buffer, contentType?: string): Promise<Reply> {
    const url = new URL(path, this.base);
    const headers: http.OutgoingHttpHeaders = { accept: 'text/html', 'accept-language': 'en', ...this.extraHeaders };
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (body)
      Object.assign(headers, { 'content-type': contentType, 'content-length': body.length, origin: this.base.origin });
    return new Promise((resolve, reject) => {
      const req = (url.protocol === 'https:' ? https : http).request(
        url,
        { method, headers, agent: this.agent },
        (res) => {
          for (const line of res.headers['set-cookie'] ?? []) {
            const [pair] = line.split(';');
            const eq = pair!.indexOf('=');
            const name = pair!.slice(0, eq).trim();
            const value = pair!.slice(eq + 1).trim();
            if (/expires=thu, 01 jan 1970/i.test(line) || value === '') this.cookies.delete(name);
            else this.cookies.set(name, value);
          }
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              location: typeof res.headers.location === 'string' ? res.headers.location : null,
              body: Buffer.concat(chunks).toString('utf8'),
              headers: res.headers,
            }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }
}

/** The value of a hidden input of the page (the first one with that name). */
export function hiddenField(html: string, name: string): string {
  const m = new RegExp(`<input type="hidden" name="${name}" value="([^"]*)"`).exec(html);
  if (!m) throw new Error(`the page has no hidden field "${name}"`);
  return m[1]!
    .replace(/&#34;|&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** The values of the options of a <select> (by its name), empty ones left out. */
export function selectOptions(html: string, name: string): string[] {
  const select = new RegExp(`<select[^>]*name="${name}"[^>]*>([\\s\\S]*?)</select>`).exec(html);
  if (!select) throw new Error(`the page has no select "${name}"`);
  return [...select[1]!.matchAll(/<option value="([^"]*)"/g)].map((m) => m[1]!).filter(Boolean);
}

/** Fails loudly when a response is not the page a person would have seen. */
export function expectPage(reply: Reply, status: number, what: string, marker?: RegExp | string): void {
  const ok =
    reply.status === status &&
    (!marker || (typeof marker === 'string' ? reply.body.includes(marker) : marker.test(reply.body)));
  if (!ok)
    throw new Error(
      `${what}: expected ${status}${marker ? ` with ${String(marker)}` : ''}, got ${reply.status} ${reply.location ?? ''} ${reply.body.replace(/\s+/g, ' ').slice(0, 300)}`,
    );
}
