import type { Request, Response } from 'express';
import type { InstallAppDeps } from '../src/tessera';
import { canVisit, firstOpenStep, progress, type Step } from './wizard-steps';

export type WizardDeps = Omit<InstallAppDeps, 'onInstalled'> & {
  dataDir: string;
  attachmentsDir: string;
  save(req: Request, res: Response): void;
  markFinished(): Promise<void>;
};

/** A form value that must be text: anything else (a list, a missing field) reads as ''. */
export function formText(body: Record<string, unknown>, key: string): string {
  return typeof body[key] === 'string' ? (body[key] as string) : '';
}

/** Renders a wizard step with the progress list; request data never becomes render options. */
export function renderStep(
  res: Response,
  step: Step | 'existing' | 'finish',
  locals: Record<string, unknown>,
  status = 200,
): void {
  res.status(status).render(`step-${step}`, {
    title: res.locals.t(`install.${step}.title`),
    steps: progress(step === 'existing' ? 'admin' : step),
    ...locals,
  });
}

/** Sends the visitor to the first step they have not done when they skip ahead. */
export function guard(_deps: WizardDeps, step: Step) {
  return (req: Request, res: Response, next: () => void) => {
    if (canVisit(req.wizard!, step)) return next();
    res.redirect(303, `/install/${firstOpenStep(req.wizard!)}`);
  };
}
