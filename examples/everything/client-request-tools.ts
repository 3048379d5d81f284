import {
  inputRequired,
  inputResponse,
  type CallToolResult,
  type CreateMessageResult,
  type CreateMessageResultWithTools,
  type InputRequiredResult,
  type McpServer,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { z } from 'zod';

import { CONTACT_FORM, FORM_WITH_DEFAULTS, FORM_WITH_ENUMS, type FormSchema } from './elicitation-forms.js';

/**
 * Tools that need something from the client mid-call: an LLM completion
 * (sampling) or user input (elicitation).
 *
 * They are written in the multi-round-trip style: the handler returns
 * `inputRequired(...)` and is called again with the client's answer in
 * `ctx.mcpReq.inputResponses`. On 2025-era connections the SDK turns that
 * into a real `sampling/createMessage` / `elicitation/create` request to the
 * client, so one handler serves both protocol eras, and the handler keeps no
 * state between its two calls (nothing to lose if the instance is evicted).
 */
export function registerClientRequestTools(mcp: McpServer): void {
  mcp.registerTool(
    'test_sampling',
    {
      description: "Asks the client's LLM to answer a prompt (sampling)",
      inputSchema: z.object({ prompt: z.string().describe('The prompt to send to the LLM') }),
    },
    ({ prompt }, ctx) => {
      const answer = inputResponse(ctx.mcpReq.inputResponses, 'completion');
      if (answer.kind !== 'sampling') {
        return inputRequired({
          inputRequests: {
            completion: inputRequired.createMessage({
              messages: [{ role: 'user', content: { type: 'text', text: prompt } }],
              maxTokens: 100,
            }),
          },
        });
      }
      return textResult(`LLM response: ${samplingText(answer.result)}`);
    },
  );

  mcp.registerTool(
    'test_elicitation',
    {
      description: 'Asks the user for a username and an email address (elicitation)',
      inputSchema: z.object({ message: z.string().describe('The message to show the user') }),
    },
    ({ message }, ctx) => askUser(ctx, message, CONTACT_FORM, 'User response'),
  );

  mcp.registerTool(
    'test_elicitation_sep1034_defaults',
    { description: 'Asks the user to fill in a form whose fields all have defaults (SEP-1034)' },
    (ctx) =>
      askUser(ctx, 'Please review and update the form fields with defaults', FORM_WITH_DEFAULTS, 'Elicitation completed'),
  );

  mcp.registerTool(
    'test_elicitation_sep1330_enums',
    { description: 'Asks the user to pick options from every kind of enum field (SEP-1330)' },
    (ctx) => askUser(ctx, 'Please select options from the enum fields', FORM_WITH_ENUMS, 'Elicitation completed'),
  );
}

/** First call: ask for the form. Second call (with the user's answer): report it. */
function askUser(
  ctx: ServerContext,
  message: string,
  requestedSchema: FormSchema,
  resultPrefix: string,
): CallToolResult | InputRequiredResult {
  const answer = inputResponse(ctx.mcpReq.inputResponses, 'form');
  if (answer.kind !== 'elicit') {
    return inputRequired({ inputRequests: { form: inputRequired.elicit({ message, requestedSchema }) } });
  }
  return textResult(`${resultPrefix}: action=${answer.action}, content=${JSON.stringify(answer.content ?? {})}`);
}

function samplingText(result: CreateMessageResult | CreateMessageResultWithTools): string {
  const blocks = Array.isArray(result.content) ? result.content : [result.content];
  const texts = blocks.flatMap((block) => (block.type === 'text' ? [block.text] : []));
  return texts.length > 0 ? texts.join('\n') : '(no text in the response)';
}

function textResult(text: string): CallToolResult {
  return { content: [{ type: 'text', text }] };
}
