import { DiskAttachmentStore, type AttachmentStore } from '../attachments/attachment-store';
import { resolveFromRoot } from '../paths';
import { SettingsService } from '../settings/settings.service';
import { TicketEvents } from '../tickets/ticket-events';
import type { AppDeps } from './app-deps';

/** The long-lived services of one help desk process, built once from its dependencies. */
export type Services = AppDeps & {
  settings: SettingsService;
  events: TicketEvents;
  store: AttachmentStore;
};

export function createServices(deps: AppDeps): Services {
  const settings = new SettingsService(deps.db, () => deps.clock.now());
  const events = new TicketEvents();
  const store = new DiskAttachmentStore(resolveFromRoot(deps.config.paths.attachments));
  return { ...deps, settings, events, store };
}
