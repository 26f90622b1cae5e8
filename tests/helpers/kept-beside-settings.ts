import { bumpSettingsRevision } from '../../src/settings/settings.repo';
import type { InstalledApp } from './installed-app';

/**
 * After a test wrote bans, mailboxes or template wordings straight into the database: counts up
 * the settings revision as their writers do, and drops this instance's cache as their pages do
 * (SettingsService.beside keeps them).
 */
export async function changedBesideSettings(t: InstalledApp): Promise<void> {
  await bumpSettingsRevision(t.db, t.clock.now());
  t.services.settings.invalidate();
}
