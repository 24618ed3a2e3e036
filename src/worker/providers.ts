import type { WAVersion } from 'baileys';
import type { Runtime } from '../app/runtime.js';
import { providerFactory, type ProviderFactory } from '../providers/provider-factory.js';
import { createBaileysProvider } from '../providers/baileys/baileys.provider.js';
import { createSandboxProvider } from '../providers/sandbox/sandbox.provider.js';
import { resolveSandboxSettings } from '../providers/sandbox/sandbox-settings.js';
import { sentMessageLookup } from '../sending/sent-messages.js';

/** What stands behind each provider kind in this process. */
export function createProviders(runtime: Runtime, waVersion: () => Promise<WAVersion | undefined>): ProviderFactory {
  const { store, clock } = runtime;
  return providerFactory({
    sandbox: (config, sink) =>
      createSandboxProvider({
        sessionId: config.id,
        sessionUid: config.uid,
        settings: resolveSandboxSettings(config.id, config.sandbox),
        sink,
        authStore: store.authState,
        outbox: store.sandboxOutbox,
        backlog: store.sandboxBacklog,
        clock,
      }),
    baileys: (config, sink) =>
      createBaileysProvider({
        sessionId: config.id,
        authStore: store.authState,
        sink,
        logger: runtime.logger,
        clock,
        version: waVersion,
        sentMessage: sentMessageLookup(store, config, runtime.logger, clock),
      }),
  });
}
