import { slaClocks } from '../sla/sla-clocks';
import { slaEscalationSchedule } from '../sla/escalation-schedule';
import { autoCloseSchedule } from '../auto-close/auto-close-schedule';
import { DiskAttachmentStore, type AttachmentStore } from '../attachments/attachment-store';
import { CatalogService } from '../catalog/catalog.service';
import { ticketRouting } from '../categories/ticket-routing';
import { resolveFromRoot } from '../paths';
import { SettingsService } from '../settings/settings.service';
import { ticketNotifications } from '../notifications/ticket-notifications';
import { staffNotifications } from '../notifications/staff-notifications';
import { tagCategoriesKept } from '../tags/tag-categories';
import { TicketEvents } from '../tickets/ticket-events';
import { ticketExtrasOnMerge } from '../tickets/ticket-extras.merge';
import { followersOnMerge } from '../followers/followers.merge';
import { followerNotifications } from '../followers/followers.mail';
import type { AppDeps } from './app-deps';

/** The long-lived services of one help desk process, built once from its dependencies. */
export type Services = AppDeps & {
  settings: SettingsService;
  events: TicketEvents;
  store: AttachmentStore;
  catalog: CatalogService;
};

export function createServices(deps: AppDeps): Services {
  const settings = new SettingsService(deps.db, () => deps.clock.now(), deps.config.secrets.signing);
  const events = new TicketEvents();
  const notificationDeps = { i18n: deps.i18n, settings, clock: deps.clock, signingSecret: deps.config.secrets.signing };
  events.subscribe(ticketNotifications(notificationDeps));
  events.subscribe(followerNotifications(notificationDeps));
  events.subscribe(staffNotifications(notificationDeps));
  events.subscribe(ticketRouting(events));
  events.subscribe(ticketExtrasOnMerge);
  events.subscribe(followersOnMerge);
  events.subscribe(tagCategoriesKept);
  events.subscribe(slaClocks);
  events.subscribe(slaEscalationSchedule);
  events.subscribe(autoCloseSchedule(settings));
  const store = new DiskAttachmentStore(resolveFromRoot(deps.config.paths.attachments));
  const catalog = new CatalogService(deps.db, deps.i18n, () => deps.clock.now());
  return { ...deps, settings, events, store, catalog };
}
