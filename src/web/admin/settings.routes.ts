import { Router, type Request, type Response } from 'express';
import { sendTestMail } from '../../mail/mail.service';
import { mailLogFile } from '../../mail/transport';
import { resolveFromRoot } from '../../paths';
import { settingDefinitions, type SettingGroup, type Settings } from '../../settings/settings.schema';
import { NotFoundError } from '../../errors';
import type { Services } from '../app-services';
import { requireCapability } from '../auth/guards';
import { requireRecentAuth } from '../auth/recent-auth';
import { describeTest, type TestView } from './mail-test.view';
import {
  fieldsOf,
  formValuesOf,
  hasAdminOnlySettings,
  isSettingGroup,
  shownSettingGroups,
  parseSettingsForm,
  testMailForm,
  type FieldSpec,
  type FormValues,
} from './settings.form';

type PageState = {
  values: FormValues;
  errors: Record<string, string>;
  saved: boolean;
  test?: { to: string; error: string | null; result: TestView | null };
};

/** The default of a setting in words, for its help text. */
function defaultText(req: Request, spec: FieldSpec): string {
  const fallback: unknown = settingDefinitions[spec.key].fallback;
  if (typeof fallback === 'boolean') return req.t(fallback ? 'settings.page.on' : 'settings.page.off');
  if (Array.isArray(fallback)) return fallback.join(', ');
  if (fallback === '') return req.t('settings.page.emptyDefault');
  // A default that is a word of our texts ("Help desk") is shown in the page's language.
  const word = req.t(`settings.defaultValue.${spec.key}`, { defaultValue: '' });
  if (word) return word;
  const option = spec.options?.find((o) => o.value === fallback);
  if (option) return option.label ?? req.t(`settings.option.${spec.key}.${option.value}`);
  return String(fallback);
}

/** The fields of a tab as the view shows them: label, help, default and the options to choose. */
function fieldsForView(req: Request, group: SettingGroup, values: FormValues, settings: Settings) {
  return fieldsOf(group, req.user!.isAdmin).map((spec) => {
    const options = spec.options?.map((o) => ({
      value: o.value,
      label: o.label ?? req.t(`settings.option.${spec.key}.${o.value}`),
    }));
    // A stored value the list does not offer (an old time zone name) stays choosable, never silently replaced.
    const value = values[spec.id];
    if (options && typeof value === 'string' && value !== '' && !options.some((o) => o.value === value))
      options.unshift({ value, label: value });
    return {
      ...spec,
      options,
      label: req.t(`settings.label.${spec.key}`),
      help: req.t(`settings.help.${spec.key}`),
      defaultText: defaultText(req, spec),
      secretSaved: spec.kind === 'password' ? settings[spec.key] !== '' : false,
    };
  });
}

/** /admin/settings/<tab>: every setting of the registry, one tab per group. */
export function settingsRoutes(services: Services): Router {
  const router = Router();
  router.use('/settings', requireCapability('settings.manage'), requireRecentAuth(services.clock, '/admin/settings'));

  const render = async (req: Request, res: Response, group: SettingGroup, status: number, state: PageState) => {
    const settings = await services.settings.all();
    res.status(status).render('admin/settings', {
      title: `${req.t(`settings.tabs.${group}`)} · ${req.t('settings.page.title')}`,
      group,
      tabs: shownSettingGroups.map((g) => ({ group: g, href: `/admin/settings/${g}`, current: g === group })),
      fields: fieldsForView(req, group, state.values, settings),
      adminOnlyHidden: !req.user!.isAdmin && hasAdminOnlySettings(group),
      logFile:
        group === 'sending' && settings['mail.transport'] === 'log'
          ? mailLogFile(resolveFromRoot(services.config.paths.data))
          : null,
      ...state,
      test: group === 'sending' ? (state.test ?? { to: req.user!.email, error: null, result: null }) : null,
    });
  };
  const tabOf = (req: Request): SettingGroup => {
    if (!isSettingGroup(req.params.tab)) throw new NotFoundError();
    return req.params.tab;
  };
  const storedValues = async (group: SettingGroup) => formValuesOf(group, await services.settings.all());

  router.get('/settings', (_req, res) => res.redirect(302, '/admin/settings/general'));
  // The sending settings had a page of their own before the tabs.
  router.get('/settings/mail', (_req, res) => res.redirect(301, '/admin/settings/sending'));

  router.get('/settings/:tab', async (req, res) => {
    const group = tabOf(req);
    await render(req, res, group, 200, {
      values: await storedValues(group),
      errors: {},
      saved: req.query.saved === '1',
    });
  });

  router.post('/settings/:tab', async (req, res) => {
    const group = tabOf(req);
    const form = parseSettingsForm(group, req.body, await services.settings.all(), req.user!.isAdmin);
    if (!form.ok) return render(req, res, group, 400, { values: form.values, errors: form.errors, saved: false });
    const diff = await services.settings.save(form.settings, {
      actor: { id: req.user!.id, name: req.user!.name },
      ip: req.ip,
      group,
      actorIsAdmin: req.user!.isAdmin,
    });
    services.logger.info({ by: req.user!.email, group, keys: Object.keys(diff) }, 'settings changed');
    res.redirect(303, `/admin/settings/${group}?saved=1`);
  });

  router.post('/settings/sending/test', async (req, res) => {
    const values = await storedValues('sending');
    const form = testMailForm.safeParse(req.body);
    if (!form.success) {
      const typed = typeof req.body?.testTo === 'string' ? String(req.body.testTo).slice(0, 254) : '';
      return render(req, res, 'sending', 400, {
        values,
        errors: {},
        saved: false,
        test: { to: typed, error: 'form.invalidEmail', result: null },
      });
    }
    const to = form.data.testTo;
    const result = await sendTestMail(services, { to, language: req.language, requestedBy: req.user!.name });
    await render(req, res, 'sending', 200, {
      values,
      errors: {},
      saved: false,
      test: { to, error: null, result: describeTest(result, await services.settings.all(), to) },
    });
  });

  return router;
}
