/** One server-sent event as a client sees it. */
export interface SseEvent {
  id?: string;
  data: string;
  retry?: number;
}

/** Parses an SSE response body into events as they arrive (comments and priming events included as-is). */
export async function* sseEvents(res: Response): AsyncGenerator<SseEvent> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event: SseEvent = { data: '' };
      let hasField = false;
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        hasField = true;
        if (field === 'id') event.id = value;
        else if (field === 'data') event.data += (event.data ? '\n' : '') + value;
        else if (field === 'retry') event.retry = Number(value);
      }
      if (hasField) yield event;
    }
  }
}

/** The JSON-RPC messages among the events (priming events carry no data). */
export async function* sseMessages(res: Response): AsyncGenerator<{ id?: string; message: Record<string, unknown> }> {
  for await (const e of sseEvents(res)) if (e.data) yield { id: e.id, message: JSON.parse(e.data) as Record<string, unknown> };
}
