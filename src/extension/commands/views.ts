/** Show Security Report, Show Log, Show Activity Log and the Activity view's filters. */
import { clearActivityFilter, filterActivityByAction, filterActivityByServer, openActivityAsText, showActivityLog } from '../activityView';
import { showSecurityReport } from '../securityReport';
import type { Services } from '../services';
import type { TargetArg } from '../targets';
import type { Commands } from './types';

export const VIEW_COMMANDS: Commands = {
  'secureTransfer.showSecurityReport': (s: Services, arg?: TargetArg) => showSecurityReport(s, arg),
  'secureTransfer.showLog': async (s) => s.log.channel.show(),
  'secureTransfer.showActivityLog': (s: Services, server?: string) => showActivityLog(s, server),
  // The Activity view's title buttons (VS Code passes no argument; tests may pass the choice).
  'secureTransfer.filterActivityByServer': (s: Services, server?: string) => filterActivityByServer(s, server),
  'secureTransfer.filterActivityByAction': (s: Services, action?: Parameters<typeof filterActivityByAction>[1]) => filterActivityByAction(s, action),
  'secureTransfer.clearActivityFilter': (s: Services) => clearActivityFilter(s),
  'secureTransfer.openActivityAsText': (s: Services) => openActivityAsText(s),
};
