import { completable, type McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';

import { PNG_MIME_TYPE, SAMPLE_PNG_BASE64 } from './media.js';

/** Suggestions offered by `completion/complete` for the `arg1` argument. */
const ARG1_SUGGESTIONS = ['paris', 'park', 'party', 'test', 'testing', 'tesseract'];

export function registerPrompts(mcp: McpServer): void {
  mcp.registerPrompt(
    'test_simple_prompt',
    { title: 'Simple prompt', description: 'A prompt without arguments' },
    () => ({
      messages: [{ role: 'user', content: { type: 'text', text: 'This is a simple prompt for testing.' } }],
    }),
  );

  mcp.registerPrompt(
    'test_prompt_with_arguments',
    {
      title: 'Prompt with arguments',
      description: 'A prompt with two required arguments; arg1 supports completion',
      argsSchema: z.object({
        // completable() is what makes the SDK answer completion/complete for this argument.
        arg1: completable(z.string().describe('First test argument'), (prefix) =>
          ARG1_SUGGESTIONS.filter((value) => value.startsWith(prefix.toLowerCase())),
        ),
        arg2: z.string().describe('Second test argument'),
      }),
    },
    ({ arg1, arg2 }) => ({
      messages: [
        { role: 'user', content: { type: 'text', text: `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'` } },
      ],
    }),
  );

  mcp.registerPrompt(
    'test_prompt_with_embedded_resource',
    {
      title: 'Prompt with an embedded resource',
      description: 'Embeds a resource (by URI) in the prompt messages',
      argsSchema: z.object({ resourceUri: z.string().describe('URI of the resource to embed') }),
    },
    ({ resourceUri }) => ({
      messages: [
        {
          role: 'user',
          content: {
            type: 'resource',
            resource: { uri: resourceUri, mimeType: 'text/plain', text: 'Embedded resource content for testing.' },
          },
        },
        { role: 'user', content: { type: 'text', text: 'Please process the embedded resource above.' } },
      ],
    }),
  );

  mcp.registerPrompt(
    'test_prompt_with_image',
    { title: 'Prompt with an image', description: 'A prompt whose first message is an image' },
    () => ({
      messages: [
        { role: 'user', content: { type: 'image', data: SAMPLE_PNG_BASE64, mimeType: PNG_MIME_TYPE } },
        { role: 'user', content: { type: 'text', text: 'Please analyze the image above.' } },
      ],
    }),
  );
}
