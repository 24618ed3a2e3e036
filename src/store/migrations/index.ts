import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001-initial.js';
import * as m0002 from './0002-wa-auth.js';
import * as m0003 from './0003-session-runtime.js';
import * as m0004 from './0004-lists.js';
import * as m0005 from './0005-suppressions.js';
import * as m0006 from './0006-blasts.js';
import * as m0007 from './0007-list-keys.js';
import * as m0008 from './0008-session-uids.js';
import * as m0009 from './0009-session-restrictions.js';
import * as m0010 from './0010-media-uploads.js';
import * as m0011 from './0011-number-checks.js';
import * as m0012 from './0012-new-chat-cap.js';
import * as m0013 from './0013-sandbox-backlog-uid.js';
import * as m0014 from './0014-replies.js';
import * as m0015 from './0015-follow-ups.js';
import * as m0016 from './0016-webhooks.js';
import * as m0018 from './0018-sandbox-backlog-kind.js';
import * as m0019 from './0019-list-origin.js';
import * as m0020 from './0020-units.js';
import * as m0021 from './0021-webhook-claim-index.js';
import * as m0022 from './0022-session-health.js';
import * as m0023 from './0023-reject-values.js';

/**
 * Every migration, in order. Migrations are code (not files found at run time), so the
 * build output always carries exactly the migrations it was compiled with.
 */
const MIGRATIONS: Record<string, Migration> = {
  '0001-initial': m0001,
  '0002-wa-auth': m0002,
  '0003-session-runtime': m0003,
  '0004-lists': m0004,
  '0005-suppressions': m0005,
  '0006-blasts': m0006,
  '0007-list-keys': m0007,
  '0008-session-uids': m0008,
  '0009-session-restrictions': m0009,
  '0010-media-uploads': m0010,
  '0011-number-checks': m0011,
  '0012-new-chat-cap': m0012,
  '0013-sandbox-backlog-uid': m0013,
  '0014-replies': m0014,
  '0015-follow-ups': m0015,
  '0016-webhooks': m0016,
  '0018-sandbox-backlog-kind': m0018,
  '0019-list-origin': m0019,
  '0020-units': m0020,
  '0021-webhook-claim-index': m0021,
  '0022-session-health': m0022,
  '0023-reject-values': m0023,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(MIGRATIONS),
};
