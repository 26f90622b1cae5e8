import request from 'supertest';
import { adminCredentials, signIn, useInstalledApp, type InstalledApp } from '../helpers/installed-app';

let t: InstalledApp;
useInstalledApp((app) => (t = app));

/**
 * A radio card's hint is read once: it is the input's description (aria-describedby) and not
 * also inside its label, where a screen reader read it a second time as part of the name.
 */
test.each(['/admin/categories/new', '/admin/staff/new', '/admin/fields/new'])(
  'radio-card hints on %s are descriptions, not part of the label',
  async (path) => {
    const admin = request.agent(t.app);
    await signIn(admin, adminCredentials);
    const html = (await admin.get(path).expect(200)).text;
    const cards = [...html.matchAll(/<div class="radio-card">([\s\S]*?)<\/div>\s*<\/div>/g)].map((m) => m[1]!);
    expect(cards.length).toBeGreaterThan(1);
    let hinted = 0;
    for (const card of cards) {
      const label = /<label[^>]*>([\s\S]*?)<\/label>/.exec(card)![1]!;
      expect(label).not.toContain('radio-card__hint');
      const hintId = /class="radio-card__hint" id="([^"]+)"/.exec(card)?.[1];
      if (!hintId) continue;
      hinted++;
      expect(card).toMatch(new RegExp(`<input[^>]*aria-describedby="${hintId}"`));
    }
    expect(hinted).toBeGreaterThan(1);
  },
);
