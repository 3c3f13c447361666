/** Show Security Report, Show Log and Show Activity Log. */
import { showActivityLog } from '../activityView';
import { showSecurityReport } from '../securityReport';
import type { Services } from '../services';
import type { TargetArg } from '../targets';
import type { Commands } from './types';

export const VIEW_COMMANDS: Commands = {
  'secureTransfer.showSecurityReport': (s: Services, arg?: TargetArg) => showSecurityReport(s, arg),
  'secureTransfer.showLog': async (s) => s.log.channel.show(),
  // From the view title VS Code passes the focused tree element: only a string names a server.
  'secureTransfer.showActivityLog': (s: Services, server?: unknown) => showActivityLog(s, typeof server === 'string' ? server : undefined),
};
