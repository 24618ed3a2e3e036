import type { ProviderKind, SessionConfig } from '../core/session-config.js';
import type { MessagingProvider, ProviderEventSink } from './provider.js';
import type { SandboxProvider } from './sandbox/sandbox.provider.js';

/** Makes the provider of a session; the composition root decides what stands behind each kind. */
export type ProviderFactory = (config: SessionConfig, sink: ProviderEventSink) => MessagingProvider;

export type ProviderCreators = Record<ProviderKind, ProviderFactory>;

export function providerFactory(creators: ProviderCreators): ProviderFactory {
  return (config, sink) => creators[config.provider](config, sink);
}

export function isSandboxProvider(provider: MessagingProvider): provider is SandboxProvider {
  return 'scan' in provider && typeof provider.scan === 'function';
}
