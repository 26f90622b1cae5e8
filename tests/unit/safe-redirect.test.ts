import { localPathOr } from '../../src/web/safe-redirect';

test.each([
  ['/admin/tickets?x=1#top', '/admin/tickets?x=1#top'],
  ['/admin', '/admin'],
])('keeps the local path %s', (input, out) => expect(localPathOr(input, '/home')).toBe(out));

test.each([
  'https://evil.example/',
  '//evil.example',
  '/\\evil.example',
  '\\\\evil.example',
  'javascript:alert(1)',
  '/\u0000x',
  '/a\r\nLocation: https://evil.example',
  'admin',
  '',
  ['/', '/a'],
  { a: 1 },
  42,
  '/' + 'a'.repeat(3000),
  '/.//evil.example',
  '/%2e//evil.example',
  '/a/..//evil.example',
  '/./\\evil.example',
  '/%2e%2e//evil.example',
  '/%2f/evil.example',
])('refuses %p', (input) => expect(localPathOr(input, '/home')).toBe('/home'));
