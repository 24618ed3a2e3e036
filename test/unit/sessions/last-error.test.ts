import { describe, expect, it } from 'vitest';
import { lastErrorOf } from '../../../src/sessions/session-control.service.js';

describe("a session's lastError", () => {
  it('is the reason of a final or paused status', () => {
    expect(lastErrorOf('failed', 'client_outdated: set WA_VERSION', 'disconnected')).toBe('client_outdated: set WA_VERSION');
    expect(lastErrorOf('paused', 'restricted:temporarily_banned', 'connected')).toBe('restricted:temporarily_banned');
  });

  it('says why a session that should be connected is down: WhatsApp unreachable, reconnecting for long', () => {
    const unreachable = 'whatsapp_unreachable: getaddrinfo ENOTFOUND web.whatsapp.com';
    expect(lastErrorOf('disconnected', unreachable, 'connected')).toBe(unreachable);
    expect(lastErrorOf('disconnected', 'session_reconnecting: connection_lost', 'connected')).toBe('session_reconnecting: connection_lost');
  });

  it('is null for a handover, a wanted disconnect, or a working link', () => {
    expect(lastErrorOf('disconnected', 'released', 'connected')).toBeNull();
    expect(lastErrorOf('disconnected', 'lease_lost', 'connected')).toBeNull();
    expect(lastErrorOf('disconnected', 'connection_lost', 'disconnected')).toBeNull();
    expect(lastErrorOf('connecting', 'restart_required', 'connected')).toBeNull();
    expect(lastErrorOf('connected', null, 'connected')).toBeNull();
  });
});
