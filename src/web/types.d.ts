import 'express-session';
import type { Staff } from '../staff/staff.repo';

declare module 'express-session' {
  interface SessionData {
    /** When this signed-in session began; sessions end after the absolute timeout. */
    startedAt: number;
    /** Ids of tickets this customer has proven access to. */
    customerTickets: number[];
  }
}

declare global {
  namespace Express {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface User extends Staff {}
  }
}
