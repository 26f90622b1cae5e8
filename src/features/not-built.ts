import type { SettingKey } from '../settings/settings.schema';
import type { Capability } from '../staff/capabilities';

/**
 * Features planned but not built yet, with the settings and role capabilities that belong to
 * them. Until a feature exists its settings and capabilities are not shown (a switch with
 * nothing behind it tells an owner something that is not true) and cannot be set; values
 * stored earlier are kept. The change that builds a feature removes its entry here, and its
 * settings tab and capability appear.
 */
const notBuilt = {
  // Superseded by the mailboxes of /admin/mailboxes (src/mailboxes): these one-mailbox settings stay
  // hidden; a configured one was copied into a switched-off mailbox by migration 20261207110000.
  mailFetching: {
    settings: [
      'fetch.protocol',
      'fetch.host',
      'fetch.port',
      'fetch.security',
      'fetch.user',
      'fetch.password',
      'fetch.folder',
      'fetch.intervalMinutes',
      'fetch.deleteAfterImport',
    ],
  },
  dateFormats: { settings: ['helpdesk.dateFormat'] },
  reports: { capabilities: ['reports.run'] },
} satisfies Record<string, { settings?: readonly SettingKey[]; capabilities?: readonly Capability[] }>;

type Entry = { settings?: readonly string[]; capabilities?: readonly string[] };
const entries: Entry[] = Object.values(notBuilt);
const unbuiltSettings = new Set(entries.flatMap((e) => e.settings ?? []));
const unbuiltCapabilities = new Set(entries.flatMap((e) => e.capabilities ?? []));

/** A setting whose feature exists: shown on the settings pages and accepted from their forms. */
export const isSettingInUse = (key: SettingKey): boolean => !unbuiltSettings.has(key);

/** A capability whose feature exists: offered on the roles page and accepted from its form. */
export const isCapabilityOffered = (capability: Capability): boolean => !unbuiltCapabilities.has(capability);
