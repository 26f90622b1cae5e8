import crypto from 'node:crypto';

/** The bench's typical mail: 10 KB of text, every fifth with a 200 KB PDF (bench/mail-import.ts). */
const words =
  'printer invoice login password error screen network update order delivery account refund broken slow crash'.split(
    ' ',
  );

function textOf(bytes: number, seed: number): string {
  const out: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const line = Array.from({ length: 12 }, (_, j) => words[(seed + i * 7 + j * 3) % words.length]).join(' ');
    out.push(line);
    size += line.length + 2;
  }
  return out.join('\r\n');
}

/** Message i: 10 KB of text; every fifth one with a 200 KB PDF of its own content. */
export function benchMessage(i: number): Buffer {
  const head = [
    `From: Customer ${i} <customer${i}@bench.example>`,
    'To: help@example.com',
    `Subject: Question number ${i}`,
    `Message-ID: <bench-${i}-${crypto.randomBytes(6).toString('hex')}@bench.example>`,
    'MIME-Version: 1.0',
  ];
  const text = textOf(10 * 1024, i);
  if (i % 5 !== 0) return Buffer.from([...head, 'Content-Type: text/plain; charset=utf-8', '', text, ''].join('\r\n'));
  const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), crypto.randomBytes(200 * 1024)])
    .toString('base64')
    .replace(/.{76}/g, '$&\r\n');
  return Buffer.from(
    [
      ...head,
      'Content-Type: multipart/mixed; boundary="bench"',
      '',
      '--bench',
      'Content-Type: text/plain; charset=utf-8',
      '',
      text,
      '',
      '--bench',
      'Content-Type: application/pdf; name="report.pdf"',
      'Content-Transfer-Encoding: base64',
      'Content-Disposition: attachment; filename="report.pdf"',
      '',
      pdf,
      '--bench--',
      '',
    ].join('\r\n'),
  );
}
