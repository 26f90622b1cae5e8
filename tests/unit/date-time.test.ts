import { formatDateTime } from '../../src/i18n/date-time';

// Issue 16: the views' dates come from formatters built once; the text must be toLocaleString's.
test('formatDateTime gives the text of toLocaleString in every language, style and zone', () => {
  const times = [Date.UTC(2026, 0, 31, 23, 59), Date.UTC(2026, 6, 4, 8, 5), 0];
  for (const lang of ['en', 'sk', 'ru', 'hu', 'lv'])
    for (const [dateStyle, timeStyle] of [
      ['short', 'short'],
      ['medium', 'short'],
    ] as const)
      for (const timeZone of ['UTC', 'Europe/Bratislava', 'America/New_York', undefined])
        for (const ms of times)
          expect(formatDateTime(ms, lang, dateStyle, timeStyle, timeZone)).toBe(
            new Date(ms).toLocaleString(lang, { dateStyle, timeStyle, timeZone }),
          );
});

test('an unknown zone is refused as toLocaleString refuses it', () => {
  expect(() => formatDateTime(0, 'en', 'short', 'short', 'Mars/Olympus')).toThrow(RangeError);
});
