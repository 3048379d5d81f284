import { fromJsonSchema, type McpServer } from '@modelcontextprotocol/server';

import { PNG_MIME_TYPE, SAMPLE_PNG_BASE64, SAMPLE_WAV_BASE64, WAV_MIME_TYPE } from './media.js';

/** Tools that return each kind of content block (and an error), with no side effects. */
export function registerContentTools(mcp: McpServer): void {
  mcp.registerTool('test_simple_text', { description: 'Returns a single text block' }, () => ({
    content: [{ type: 'text', text: 'This is a simple text response for testing.' }],
  }));

  mcp.registerTool('test_image_content', { description: 'Returns a PNG image block' }, () => ({
    content: [{ type: 'image', data: SAMPLE_PNG_BASE64, mimeType: PNG_MIME_TYPE }],
  }));

  mcp.registerTool('test_audio_content', { description: 'Returns a WAV audio block' }, () => ({
    content: [{ type: 'audio', data: SAMPLE_WAV_BASE64, mimeType: WAV_MIME_TYPE }],
  }));

  mcp.registerTool('test_embedded_resource', { description: 'Returns an embedded text resource' }, () => ({
    content: [
      {
        type: 'resource',
        resource: { uri: 'test://embedded-resource', mimeType: 'text/plain', text: 'This is an embedded resource content.' },
      },
    ],
  }));

  mcp.registerTool(
    'test_multiple_content_types',
    { description: 'Returns text, image and embedded resource blocks in one result' },
    () => ({
      content: [
        { type: 'text', text: 'Multiple content types test:' },
        { type: 'image', data: SAMPLE_PNG_BASE64, mimeType: PNG_MIME_TYPE },
        {
          type: 'resource',
          resource: {
            uri: 'test://mixed-content-resource',
            mimeType: 'application/json',
            text: JSON.stringify({ test: 'data', value: 123 }),
          },
        },
      ],
    }),
  );

  // A thrown error becomes a tool result with isError: true (not a JSON-RPC
  // error), so the model can see what went wrong.
  mcp.registerTool('test_error_handling', { description: 'Always fails, to show tool error reporting' }, () => {
    throw new Error('This tool intentionally returns an error for testing');
  });

  // The input schema is given as raw JSON Schema (not zod) so that 2020-12
  // keywords ($schema, $defs, $ref, additionalProperties) reach tools/list
  // exactly as written.
  mcp.registerTool(
    'json_schema_2020_12_tool',
    {
      description: 'Tool with JSON Schema 2020-12 features',
      inputSchema: fromJsonSchema<{ name?: string; address?: { street?: string; city?: string } }>({
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
        $defs: {
          address: {
            type: 'object',
            properties: { street: { type: 'string' }, city: { type: 'string' } },
          },
        },
        properties: {
          name: { type: 'string' },
          address: { $ref: '#/$defs/address' },
        },
        additionalProperties: false,
      }),
    },
    (args) => ({
      content: [{ type: 'text', text: `Received: ${JSON.stringify(args)}` }],
    }),
  );
}
