import { pathToFileURL } from 'node:url';
import { Lifecycle } from './app/lifecycle.js';
import { startRole } from './app/roles.js';
import { createRuntime } from './app/runtime.js';
import { ConfigError, loadConfig } from './config/config.js';
import { RedisServerMissing } from './infra/local-redis.js';
import { createLogger } from './logging/logger.js';

/**
 * `node dist/main.js <api|worker|all>` (or ROLE=…). One codebase, one build; the roles differ
 * only in what they start.
 */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  let config;
  try {
    config = loadConfig(env, argv[0] === undefined ? {} : { role: argv[0] });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\nSee .env.example for every variable.\n`);
    process.exitCode = 2;
    return;
  }

  const logger = createLogger(config.logLevel);
  const lifecycle = new Lifecycle(logger.child({ component: 'shutdown' }));
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    force.unref();
    void lifecycle.close().then(() => {
      logger.info('stopped');
      process.exit(0);
    });
  };
  process.once('SIGTERM', () => {
    shutdown('SIGTERM');
  });
  process.once('SIGINT', () => {
    shutdown('SIGINT');
  });
  // The terminal it ran in was closed.
  process.once('SIGHUP', () => {
    shutdown('SIGHUP');
  });

  try {
    const runtime = await createRuntime(config, logger, lifecycle);
    await startRole(config.role, runtime, lifecycle);
    logger.info({ role: config.role, startupMs: Math.round(process.uptime() * 1000) }, 'started');
  } catch (error) {
    if (error instanceof RedisServerMissing) process.stderr.write(`${error.message}\n`);
    else {
      const busy = portInUse(error, config);
      if (busy !== undefined) process.stderr.write(`${busy}\n`);
      logger.fatal({ err: error }, 'start-up failed');
    }
    await lifecycle.close();
    process.exitCode = 1;
  }
}

/** The one plain line that says what to do when the HTTP port is taken (before the JSON log line). */
function portInUse(error: unknown, config: { http: { port: number }; metricsPort?: number | undefined }): string | undefined {
  if (!(error instanceof Error) || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') return undefined;
  const port = (error as { port?: unknown }).port;
  const taken = typeof port === 'number' ? port : config.http.port;
  const variable = taken === config.metricsPort && taken !== config.http.port ? 'METRICS_PORT' : 'PORT';
  const next = taken >= 65_535 ? 3001 : taken + 1;
  return `Port ${String(taken)} is already in use (is another copy running?). Choose another with ${variable}, e.g. ${variable}=${String(next)} npm start`;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main(process.argv.slice(2), process.env);
}
