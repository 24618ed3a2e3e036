import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { ApiServer } from '../server-types.js';

/** OpenAPI 3 from the route schemas; Swagger UI at /api/docs, the JSON at /api/docs/json. */
export async function registerDocs(app: ApiServer, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'WA Blaster API',
        version,
        description:
          'Link WhatsApp accounts, import recipients and send paced campaigns. Every /api route needs an API key: ' +
          '"Authorization: Bearer <key>" or "X-API-Key: <key>". Errors are { "error": { "code", "message", "details"? } }.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <api key>' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        },
      },
      security: [{ bearer: [] }, { apiKey: [] }],
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, index) =>
        typeof json.$id === 'string' ? json.$id : `def-${index}`,
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/api/docs',
    uiConfig: { persistAuthorization: false, deepLinking: true },
  });
}
