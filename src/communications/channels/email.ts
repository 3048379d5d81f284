/** E-mail over SMTP with nodemailer: multipart plain text and HTML; Message-ID from the idempotency key. */
import nodemailer, { type Transporter } from 'nodemailer';
import type { ChannelConfig } from '../config.js';
import type { Channel, Delivery, Envelope } from './channel.js';

type EmailConfig = Extract<ChannelConfig, { type: 'email' }>;

/** A stable Message-ID: mail systems and clients drop a second copy with the same id. */
export const messageIdOf = (key: string): string => `<${key.replace(/[^A-Za-z0-9._-]/g, '_')}@continuum>`;

export class EmailChannel implements Channel {
  readonly type = 'email' as const;
  private readonly transport: Transporter;

  constructor(private readonly c: EmailConfig, readonly timeoutMs: number) {
    this.transport = nodemailer.createTransport({
      host: c.host,
      port: c.port,
      secure: c.secure,
      ...(c.user ? { auth: { user: c.user, pass: c.pass ?? '' } } : {}),
      tls: { rejectUnauthorized: !c.insecureTls },
      pool: true,
      maxConnections: 2,
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
      logger: false,
    });
  }

  get name(): string {
    return this.c.name;
  }

  async send(e: Envelope): Promise<Delivery> {
    const m = e.content;
    try {
      const info = await this.transport.sendMail({
        from: this.c.from,
        to: String(m.to),
        subject: String(m.subject),
        text: String(m.text),
        ...(typeof m.html === 'string' ? { html: m.html } : {}),
        messageId: messageIdOf(e.idempotencyKey),
        headers: { 'Idempotency-Key': e.idempotencyKey, ...((m.headers ?? {}) as Record<string, string>) },
      });
      const rejected = info.rejected ?? [];
      return rejected.length > 0 ? { ok: false, error: `rejected: ${rejected.map(String).join(', ')}` } : { ok: true, status: 250 };
    } catch (err) {
      const e2 = err as Error & { responseCode?: number; code?: string };
      return { ok: false, ...(e2.responseCode ? { status: e2.responseCode } : {}), error: e2.code ? `${e2.code}: ${e2.message}` : e2.message };
    }
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}
