import type { WizardState } from './wizard-state';

declare global {
  namespace Express {
    interface Request {
      wizard?: WizardState;
    }
  }
}
