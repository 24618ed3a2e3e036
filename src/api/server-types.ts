import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { Principal } from '../auth/principal.js';

export type ApiServer = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the /api auth hook; every /api handler can rely on it. */
    principal: Principal;
    /** The canonical name of the unit a name means (api/plugins/unit-names.ts); `mayAdd`: an admin's new name adds it. */
    resolveUnit(name: string, mayAdd: boolean): Promise<string>;
  }
}
