import type { WizardState } from './wizard-state';

export const steps = ['welcome', 'checks', 'database', 'basics', 'mail', 'admin'] as const;
export type Step = (typeof steps)[number];

/** The first step the visitor has not completed; later steps redirect there. */
export function firstOpenStep(state: WizardState): Step {
  if (!state.licence) return 'welcome';
  if (!state.checks) return 'checks';
  if (!state.database || state.existing === 'installed') return 'database';
  if (!state.basics) return 'basics';
  if (!state.mail) return 'mail';
  return 'admin';
}

export function canVisit(state: WizardState, step: Step): boolean {
  return steps.indexOf(step) <= steps.indexOf(firstOpenStep(state));
}

/** For the progress list at the top of every step. */
export function progress(current: Step | 'finish') {
  // On the finish page every step, "Done" included, is complete.
  const at = current === 'finish' ? steps.length + 1 : steps.indexOf(current);
  return [...steps, 'finish' as const].map((id, i) => ({ id, state: i < at ? 'done' : i === at ? 'current' : 'todo' }));
}
