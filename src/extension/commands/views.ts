/** Show Security Report, Show Server Security and Audit All Servers, Show Log, Show Activity Log and the Activity view's filters. */
import { clearActivityFilter, filterActivityByAction, filterActivityByServer, openActivityAsText, showActivityLog } from '../activityView';
import { showSecurityReport } from '../securityReport';
import { auditAllProfiles, showServerSecurity } from '../serverSecurity';
import type { Services } from '../services';
import type { TargetArg } from '../targets';
import type { Commands } from './types';

export const VIEW_COMMANDS: Commands = {
  'secureTransfer.showSecurityReport': (s: Services, arg?: TargetArg) => showSecurityReport(s, arg),
  // From the Remote Files title bar VS Code passes the focused row: the overview is of every profile, so it is ignored.
  'secureTransfer.showServerSecurity': (s: Services) => showServerSecurity(s),
  'secureTransfer.auditAllProfiles': (s: Services) => auditAllProfiles(s),
  'secureTransfer.showLog': async (s) => s.log.channel.show(),
  // From a view title VS Code passes the focused tree element (and the selection): only a string names a
  // server or an action (tests and other commands pass those); anything else means "ask".
  'secureTransfer.showActivityLog': (s: Services, server?: unknown) => showActivityLog(s, typeof server === 'string' ? server : undefined),
  'secureTransfer.filterActivityByServer': (s: Services, server?: unknown) => filterActivityByServer(s, typeof server === 'string' ? server : undefined),
  'secureTransfer.filterActivityByAction': (s: Services, action?: unknown) =>
    filterActivityByAction(s, typeof action === 'string' ? (action as Parameters<typeof filterActivityByAction>[1]) : undefined),
  'secureTransfer.clearActivityFilter': (s: Services) => clearActivityFilter(s),
  'secureTransfer.openActivityAsText': (s: Services) => openActivityAsText(s),
};
