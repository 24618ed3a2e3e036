import { describe, expect, it } from 'vitest';
import { parseSessionCommand } from '../../../src/sessions/session-commands.js';

describe('session commands on the wire', () => {
  it('reads the commands it knows and ignores anything else', () => {
    expect(parseSessionCommand('{"type":"logout","sessionId":"a"}')).toEqual({ type: 'logout', sessionId: 'a' });
    expect(parseSessionCommand('{"type":"sandbox-inbound","sessionId":"a","from":"+1","text":"STOP"}')).toEqual({
      type: 'sandbox-inbound',
      sessionId: 'a',
      from: '+1',
      text: 'STOP',
    });
    expect(parseSessionCommand('{"type":"sandbox-inbound","sessionId":"a"}')).toBeUndefined();
    expect(parseSessionCommand('{"type":"format-disk","sessionId":"a"}')).toBeUndefined();
    expect(parseSessionCommand('not json')).toBeUndefined();
    expect(parseSessionCommand('{"type":"logout"}')).toBeUndefined();
  });
});
