import { envSchema, toConfig, type Config } from './config.schema.js';

export type { Config, DatabaseTarget, WebhookConfig } from './config.schema.js';

/** Variables whose values may carry credentials: never repeated in an error. */
const SECRET_VARIABLES = new Set(['ADMIN_API_KEY', 'REDIS_URL', 'DATABASE_URL']);

/** Thrown at start-up with every bad variable listed, so one run shows everything to fix. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv, overrides: { role?: string } = {}): Config {
  // An empty variable means "not set" (a `KEY=` line in .env, a compose pass-through of an unset one).
  const input: Record<string, string | undefined> = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''));
  if (overrides.role !== undefined) input.ROLE = overrides.role;
  const parsed = envSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = issue.path.join('.') || '(environment)';
        const given = input[name];
        // Never echo a secret back, even a malformed one.
        const shown = given === undefined || SECRET_VARIABLES.has(name) ? '' : ` (got "${given}")`;
        return `${name}: ${issue.message}${shown}`;
      }),
    );
  }
  return toConfig(parsed.data);
}
