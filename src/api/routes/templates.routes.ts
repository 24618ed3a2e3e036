import { Type } from 'typebox';
import type { TemplatePreviewService } from '../../templates/template-preview.service.js';
import type { ApiServer } from '../server-types.js';
import { errorResponses } from '../schemas/common.schema.js';

export function templatesRoutes(previews: TemplatePreviewService) {
  return function register(app: ApiServer): void {
    app.post(
      '/templates/preview',
      {
        schema: {
          tags: ['Templates'],
          summary: 'Render a message for a few real recipients of a list (or sample values) and list unknown variables',
          description:
            'Syntax: {column} inserts a value (matched case-insensitively to the list\'s column keys; {phone} is the number), ' +
            '{Hi|Hello|Hey} picks one option per recipient (nestable; the same recipient always gets the same pick), ' +
            '{{ and }} write literal braces. Values are inserted as they are, never expanded. ' +
            'A syntax error answers 400 TEMPLATE_SYNTAX with the line and column. A message that can be longer than WhatsApp takes in a text ' +
            '(65,536 characters) answers 400 TEMPLATE_TOO_LONG on its own, or 422 MESSAGE_TOO_LONG with the longest values of the list.',
          body: Type.Object(
            {
              message: Type.String({ minLength: 1, maxLength: 65_536 }),
              listId: Type.Optional(Type.String({ format: 'uuid' })),
              count: Type.Optional(Type.Integer({ minimum: 1, maximum: 20, default: 5 })),
            },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({
              unknownVariables: Type.Array(Type.String(), { description: 'Used in the message but not columns of the list: sending would be refused.' }),
              availableVariables: Type.Array(Type.String()),
              samples: Type.Array(
                Type.Object({ rowNumber: Type.Union([Type.Integer(), Type.Null()]), phone: Type.String(), text: Type.String() }),
              ),
            }),
            ...errorResponses(400, 401, 404),
            422: Type.Unsafe({ $ref: 'ErrorResponse#', description: 'MESSAGE_TOO_LONG.' }),
          },
        },
      },
      (request) => previews.preview(request.principal, request.body),
    );
  };
}
