import http from 'node:http';
import https from 'node:https';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import { smsSegments } from '../../shared/domain/template';
import * as z from 'zod';

/**
 * A Twilio-compatible SMS sandbox for local runs and integration tests (node:http only).
 *
 * It speaks the slice of Twilio's REST API the product uses (create, fetch and list Messages),
 * signs status callbacks and inbound webhooks exactly as Twilio does, keeps an opt-out set the
 * way Twilio's default STOP handling does, serves a phone page to read and answer texts, and
 * takes test hooks under /_sandbox/ (also exposed as methods) to script faults.
 *
 * It is also the WhatsApp twin: `whatsapp:+E164` addresses on the same API and webhooks, each
 * person's 24-hour customer service window (opened by their own messages), free text outside it
 * accepted and then failed with Twilio's 63016 on the status callback (as Twilio does), only
 * registered template Content SIDs accepted (21655 otherwise), numbers that WhatsApp refuses
 * (63003, 63024), and WhatsApp conversations on the phone page. Twilio's STOP handling is for
 * SMS only: on WhatsApp, opting out is the business's job, so the twin keeps no opt-outs there.
 *
 * It listens on 127.0.0.1 only: it has no users, and the phone page and hooks are unauthenticated.
 */

export type SandboxFaultMode = '500' | '429' | 'hang' | 'accept-then-hang';
export type SandboxMessageStatus = 'accepted' | 'queued' | 'sent' | 'delivered' | 'failed' | 'received';
export type SandboxChannel = 'sms' | 'whatsapp';
/** As Twilio names them: created over the API, a TwiML reply to an inbound text, or an inbound text. */
export type SandboxMessageDirection = 'outbound-api' | 'outbound-reply' | 'inbound';

export interface SandboxMessage {
  sid: string;
  accountSid: string;
  direction: SandboxMessageDirection;
  /** WhatsApp when the phone's side of it is a `whatsapp:` address. */
  channel: SandboxChannel;
  to: string;
  /** Null while a Messaging Service (rather than a number) is the sender, as in Twilio. */
  from: string | null;
  messagingServiceSid: string | null;
  /** What the phone shows: the text, or a template with its placeholders filled. */
  body: string;
  /** A template sent by its Content SID (WhatsApp outside the window), with its placeholders' values. */
  contentSid: string | null;
  contentVariables: Record<string, string> | null;
  status: SandboxMessageStatus;
  numSegments: number;
  encoding: SmsEncoding;
  statusCallback: string | null;
  validityPeriod: number | null;
  errorCode: number | null;
  /** ISO 8601 times, from the sandbox's clock. */
  dateCreated: string;
  dateUpdated: string;
  dateSent: string | null;
  /** Inbound texts only: how the inbound webhook answered. */
  webhook?: { status: number } | { error: string };
}

export interface SandboxFault {
  mode: SandboxFaultMode;
  count: number;
}

export interface SmsSandboxOptions {
  port: number;
  accountSid: string;
  authToken: string;
  /** Accepted creates per sender (From or MessagingServiceSid) in any 1-second window. */
  ratePerSecond?: number;
  /** Where texts sent from the phone page go, signed like Twilio's inbound webhooks. */
  inboundWebhookUrl?: string;
  host?: '127.0.0.1';
  /** The number phone-page texts are addressed to when a thread has no earlier text to answer. */
  inboundTo?: string;
  /** Pause before each status step (queued/accepted -> sent -> delivered). Default 250 ms. */
  statusDelayMs?: number;
  /** Time source in epoch ms, for the rate window and timestamps; tests inject a fake. */
  now?: () => number;
  /** Logs undeliverable callbacks and webhooks to stderr. */
  verbose?: boolean;
  /** WhatsApp templates Meta approved, by Content SID (HX...): their text, placeholders {{1}} ... */
  whatsappTemplates?: Record<string, string>;
}

export interface SmsSandbox {
  /** Base URL, e.g. http://127.0.0.1:4010 (point the Twilio adapter's apiBase here). */
  url: string;
  stop(): Promise<void>;
  /** Every text, inbound and outbound, oldest first (the REST list is newest first, like Twilio). */
  messages(filter?: { to?: string; from?: string }): SandboxMessage[];
  /** How many texts it holds, inbound and outbound: cheap, where messages() copies each one. */
  messageCount(): number;
  /** Forgets texts, opt-outs, faults and rate windows; restores the rate limit given at start. */
  reset(): void;
  optOut(phone: string): void;
  optIn(phone: string): void;
  optedOut(): string[];
  setRateLimit(perSecond: number | undefined): void;
  injectFaults(fault: SandboxFault): void;
  setInboundWebhookUrl(url: string | undefined): void;
  /**
   * A text "from" a phone, as the phone page sends it: stored, keyword-handled, webhook called.
   * From a `whatsapp:` address it is a WhatsApp message, and opens that person's window.
   */
  sendInbound(text: { from: string; to?: string; body: string }): Promise<SandboxMessage>;
  /** A template Meta approved: accepted by its Content SID from now on. */
  registerWhatsAppTemplate(contentSid: string, text: string): void;
  /** WhatsApp refuses this number from now on: 63003 (not on WhatsApp) or 63024 (no valid recipient). */
  refuseWhatsApp(phone: string, errorCode: 63003 | 63024): void;
  /** When this number's WhatsApp window closes, if it is open (it opens with their messages). */
  whatsappWindowUntil(phone: string): string | undefined;
}

// ---------------------------------------------------------------------------------------------
// Segments: GSM-7 where every character allows it, UCS-2 otherwise (docs/rules.md, SMS).

export type SmsEncoding = 'GSM-7' | 'UCS-2';


/** How many SMS segments a body costs: the same count the content tests use. */
export function countSmsSegments(body: string): { encoding: SmsEncoding; segments: number } {
  const { encoding, segments } = smsSegments(body);
  return { encoding, segments };
}

// ---------------------------------------------------------------------------------------------
// Signatures and keywords

/** X-Twilio-Signature for a POST to `url` with these form parameters, computed by Twilio's own library. */
export function signTwilioRequest(authToken: string, url: string, params: Record<string, string>): string {
  return twilio.getExpectedTwilioSignature(authToken, url, params);
}

const OPT_OUT_WORDS = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT', 'OPT OUT']);
const OPT_IN_WORDS = new Set(['START', 'YES', 'UNSTOP']);

/** Twilio's default handling: a lone keyword, any case, surrounding spaces ignored. */
export function optKeyword(body: string): 'opt-out' | 'opt-in' | undefined {
  const word = body.trim().replace(/\s+/g, ' ').toUpperCase();
  if (OPT_OUT_WORDS.has(word)) return 'opt-out';
  if (OPT_IN_WORDS.has(word)) return 'opt-in';
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Input schemas

const E164 = /^\+[1-9]\d{6,14}$/;
const phoneNumber = z.string().regex(E164, 'must be an E.164 phone number like +15551234567');
/** A phone number, or a WhatsApp address (`whatsapp:` and the number), as Twilio takes them. */
const WHATSAPP_ADDRESS = /^whatsapp:\+[1-9]\d{6,14}$/;
const address = z.string().refine((a) => E164.test(a) || WHATSAPP_ADDRESS.test(a), 'must be an E.164 number like +15551234567, or whatsapp: and one');
const isWhatsApp = (a: string) => a.startsWith('whatsapp:');
const contentSid = z.string().regex(/^HX[0-9a-fA-F]{32}$/, 'must be a Content SID: HX and 32 hex digits');
/** Meta: the customer service window lasts 24 hours from the person's last message. */
const WHATSAPP_WINDOW_MS = 24 * 3_600_000;
const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .max(4000);

const OptionsSchema = z.object({
  port: z.number().int().min(0).max(65535),
  accountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must be AC followed by 32 hex digits'),
  authToken: z.string().min(1),
  ratePerSecond: z.number().int().positive().optional(),
  inboundWebhookUrl: httpUrl.optional(),
  host: z.literal('127.0.0.1').optional(),
  inboundTo: phoneNumber.optional(),
  statusDelayMs: z.number().int().min(0).max(60_000).optional(),
  now: z.custom<() => number>((value) => typeof value === 'function', 'must be a function').optional(),
  verbose: z.boolean().optional(),
  whatsappTemplates: z.record(contentSid, z.string().min(1).max(1024)).optional(),
});

const CreateMessageForm = z.object({
  To: address,
  From: address.optional(),
  MessagingServiceSid: z.string().regex(/^MG[0-9a-fA-F]{32}$/).optional(),
  Body: z
    .string()
    .min(1)
    .refine((body) => Array.from(body).length <= 1600, { params: { tooLong: true } })
    .optional(),
  ContentSid: contentSid.optional(),
  ContentVariables: z
    .string()
    .max(8000)
    .transform((text, ctx) => {
      try {
        const parsed = z.record(z.string().regex(/^\d{1,2}$/), z.string().max(1024)).safeParse(JSON.parse(text));
        if (parsed.success) return parsed.data;
      } catch {
        // Reported below as Twilio does.
      }
      ctx.addIssue({ code: 'custom', message: 'ContentVariables must be a JSON object of strings' });
      return z.NEVER;
    })
    .optional(),
  StatusCallback: httpUrl.optional(),
  ValidityPeriod: z
    .string()
    .regex(/^\d{1,6}$/)
    .transform(Number)
    .pipe(z.number().int().min(1).max(36_000))
    .optional(),
});
type CreateMessageInput = z.infer<typeof CreateMessageForm>;

const ListMessagesQuery = z.object({
  To: phoneNumber.optional(),
  From: phoneNumber.optional(),
  PageSize: z.string().regex(/^\d{1,4}$/).transform(Number).pipe(z.number().int().min(1).max(1000)).optional(),
  Page: z.string().regex(/^\d{1,6}$/).transform(Number).optional(),
});

const FaultSchema = z.object({
  mode: z.enum(['500', '429', 'hang', 'accept-then-hang']),
  count: z.number().int().min(0).max(10_000),
});
const PhoneHook = z.object({ phone: phoneNumber });
const TemplateHook = z.object({ sid: contentSid, text: z.string().min(1).max(1024) });
const RefuseHook = z.object({ phone: phoneNumber, code: z.union([z.literal(63003), z.literal(63024)]) });
const RateLimitHook = z.object({ perSecond: z.number().int().positive().nullable() });
/** A text as a phone would send it: kept byte for byte (Twilio passes spaces through), but not blank. */
const textBody = z
  .string()
  .refine((body) => body.trim() !== '', 'must not be blank')
  .refine((body) => Array.from(body).length <= 1600, 'must be at most 1600 characters');
const InboundText = z.object({
  from: address,
  to: address.optional(),
  body: textBody,
});
const MessagesHookQuery = z.object({ to: address.optional(), from: address.optional() });
const PhoneForm = z.object({ From: phoneNumber, To: phoneNumber, Body: textBody, Channel: z.enum(['sms', 'whatsapp']).default('sms') });

// ---------------------------------------------------------------------------------------------
// Twilio-style errors

interface TwilioError {
  httpStatus: number;
  code: number;
  message: string;
}

const err = (httpStatus: number, code: number, message: string): TwilioError => ({ httpStatus, code, message });

const ERRORS = {
  authenticate: err(401, 20003, 'Authenticate'),
  notFound: (path: string) => err(404, 20404, `The requested resource ${path} was not found`),
  methodNotAllowed: err(405, 20004, 'Method not allowed'),
  forbidden: err(403, 403, 'Forbidden: cross-site request'),
  tooManyRequests: err(429, 20429, 'Too Many Requests'),
  internal: err(500, 20500, 'Internal Server Error'),
  toRequired: err(400, 21604, "A 'To' phone number is required."),
  toInvalid: err(400, 21211, "The 'To' number is not a valid phone number."),
  fromRequired: err(400, 21603, "A 'From' phone number is required."),
  fromInvalid: err(400, 21212, "The 'From' number is not a valid phone number, shortcode, or alphanumeric sender ID."),
  serviceInvalid: err(400, 21705, 'The Messaging Service Sid is invalid.'),
  bodyRequired: err(400, 21602, 'Message body is required.'),
  bodyTooLong: err(400, 21617, 'The concatenated message body exceeds the 1600 character limit.'),
  statusCallbackInvalid: err(400, 21609, "Invalid 'StatusCallback' URL."),
  validityInvalid: err(400, 21624, 'Validity period can only be set to integers between 1 and 36,000 seconds.'),
  optedOut: err(400, 21610, 'Attempt to send to unsubscribed recipient'),
  channelMismatch: err(400, 21910, 'Invalid From and To pair. From and To should be of the same channel'),
  contentSidRequired: err(400, 21654, 'ContentSid Required'),
  contentSidInvalid: err(400, 21655, 'The ContentSid is Invalid'),
  contentVariablesInvalid: err(400, 21656, 'The ContentVariables Parameter is invalid'),
  badRequest: (message: string) => err(400, 400, message),
} as const;

/** The first problem in Twilio's order of checks, with the code Twilio gives it. */
function createMessageError(form: Record<string, string>, issues: z.core.$ZodIssue[]): TwilioError {
  const failed = new Set(issues.map((issue) => String(issue.path[0])));
  const missing = (field: string) => form[field] === undefined || form[field] === '';
  if (failed.has('To')) return missing('To') ? ERRORS.toRequired : ERRORS.toInvalid;
  if (failed.has('From')) return missing('From') ? ERRORS.fromRequired : ERRORS.fromInvalid;
  if (failed.has('MessagingServiceSid')) return ERRORS.serviceInvalid;
  if (failed.has('ContentSid')) return ERRORS.contentSidInvalid;
  if (failed.has('ContentVariables')) return ERRORS.contentVariablesInvalid;
  if (failed.has('Body')) {
    const tooLong = issues.some((issue) => issue.path[0] === 'Body' && issue.code === 'custom');
    return tooLong ? ERRORS.bodyTooLong : ERRORS.bodyRequired;
  }
  if (failed.has('StatusCallback')) return ERRORS.statusCallbackInvalid;
  if (failed.has('ValidityPeriod')) return ERRORS.validityInvalid;
  return ERRORS.badRequest(issues[0]?.message ?? 'Invalid request');
}

function describeIssues(issues: z.core.$ZodIssue[]): string {
  return issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ');
}

// ---------------------------------------------------------------------------------------------
// HTTP helpers

const MAX_REQUEST_BYTES = 64 * 1024;
const WEBHOOK_TIMEOUT_MS = 15_000;
const API_VERSION = '2010-04-01';

class RequestTooLarge extends Error {}
/** An inbound text the sandbox cannot address (no To and nothing to answer). */
class InboundRefused extends Error {}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) throw new RequestTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Form fields; the first value wins when a name repeats. */
function parseForm(text: string): Record<string, string> {
  const form: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(text)) {
    if (!Object.prototype.hasOwnProperty.call(form, name)) form[name] = value;
  }
  return form;
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.writableEnded) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sendError(res: http.ServerResponse, error: TwilioError, headers: Record<string, string> = {}): void {
  sendJson(
    res,
    error.httpStatus,
    { code: error.code, message: error.message, more_info: `https://www.twilio.com/docs/errors/${error.code}`, status: error.httpStatus },
    headers,
  );
}

function sendHtml(res: http.ServerResponse, status: number, html: string): void {
  if (res.headersSent || res.writableEnded) return;
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(html),
    // Defence in depth on top of escaping: no script runs on this page at all.
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'",
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
  });
  res.end(html);
}

/** Constant-time comparison that does not leak the length either. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

function basicAuth(header: string | undefined): { user: string; password: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

interface FormPostAnswer {
  status: number;
  contentType: string;
  body: string;
}

/** POSTs a form without keep-alive so nothing lingers after stop(); answers up to 64 KiB are read. */
function postForm(
  target: string,
  params: Record<string, string>,
  headers: Record<string, string>,
  timeoutMs: number,
  cancellations: Set<() => void>,
): Promise<FormPostAnswer> {
  return new Promise((resolve, reject) => {
    const url = new URL(target);
    const payload = new URLSearchParams(params).toString();
    const transport = url.protocol === 'https:' ? https : http;
    const req = transport.request(url, {
      method: 'POST',
      agent: false,
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        'Content-Length': Buffer.byteLength(payload),
        'User-Agent': 'TwilioProxy/1.1',
        ...headers,
      },
    });
    const cancel = () => req.destroy(new Error('sandbox stopped'));
    cancellations.add(cancel);
    const settle = () => cancellations.delete(cancel);
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error) => {
      settle();
      reject(error);
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_REQUEST_BYTES) chunks.push(chunk);
      });
      res.on('error', (error) => {
        settle();
        reject(error);
      });
      res.on('end', () => {
        settle();
        resolve({
          status: res.statusCode ?? 0,
          contentType: String(res.headers['content-type'] ?? ''),
          body: Buffer.concat(chunks).toString('utf8'),
        });
      });
    });
    req.end(payload);
  });
}

const XML_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeXmlText(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|lt|gt|amp|quot|apos);/gi, (whole, entity: string) => {
    const lower = entity.toLowerCase();
    if (lower.startsWith('#x')) return safeCodePoint(parseInt(lower.slice(2), 16)) ?? whole;
    if (lower.startsWith('#')) return safeCodePoint(parseInt(lower.slice(1), 10)) ?? whole;
    return XML_ENTITIES[lower] ?? whole;
  });
}

function safeCodePoint(n: number): string | undefined {
  return Number.isInteger(n) && n >= 0 && n <= 0x10ffff ? String.fromCodePoint(n) : undefined;
}

/** The texts of `<Message>` verbs in a TwiML answer (plain or with a nested `<Body>`). */
export function twimlReplies(xml: string): string[] {
  const replies: string[] = [];
  for (const match of xml.matchAll(/<Message(?:\s[^>]*)?>([\s\S]*?)<\/Message>/g)) {
    const inner = match[1] ?? '';
    const body = /<Body(?:\s[^>]*)?>([\s\S]*?)<\/Body>/.exec(inner)?.[1] ?? inner.replace(/<[^>]*>/g, '');
    const text = decodeXmlText(body.replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, '$1')).trim();
    if (text) replies.push(text);
  }
  return replies;
}

function escapeHtml(value: unknown): string {
  return String(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** The phone page's anchor for a conversation: SMS and WhatsApp threads of one number apart. */
const threadAnchor = (address: string) => `n-${address.replace(/\D/g, '')}${address.startsWith('whatsapp:') ? '-wa' : ''}`;

function rfc2822(iso: string): string {
  return new Date(iso).toUTCString().replace('GMT', '+0000');
}

const newSid = () => `SM${randomBytes(16).toString('hex')}`;
/** Duck-typed: errors from node core may come from another realm (jest runs tests in a vm context). */
const describeError = (error: unknown) =>
  typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string'
    ? (error as { message: string }).message
    : String(error);

// ---------------------------------------------------------------------------------------------
// The server

export async function startSmsSandbox(options: SmsSandboxOptions): Promise<SmsSandbox> {
  const parsedOptions = OptionsSchema.safeParse(options);
  if (!parsedOptions.success) throw new Error(`invalid SMS sandbox options: ${describeIssues(parsedOptions.error.issues)}`);

  const { accountSid, authToken } = options;
  const now = options.now ?? (() => Date.now());
  const statusDelayMs = options.statusDelayMs ?? 250;
  const isoNow = () => new Date(now()).toISOString();
  const accountPath = `/${API_VERSION}/Accounts/${accountSid}`;

  const log = (line: string) => {
    if (options.verbose) process.stderr.write(`[sms-sandbox] ${line}\n`);
  };

  let stored: SandboxMessage[] = [];
  let optOuts = new Set<string>();
  let faults: SandboxFault[] = [];
  let sendWindows = new Map<string, number[]>();
  let ratePerSecond = options.ratePerSecond;
  let inboundWebhookUrl = options.inboundWebhookUrl;
  // WhatsApp: approved templates by Content SID, each phone's last message to us, refused numbers.
  let whatsappTemplates = new Map(Object.entries(options.whatsappTemplates ?? {}));
  let lastWhatsAppInbound = new Map<string, number>();
  let whatsappRefusals = new Map<string, 63003 | 63024>();
  let stopped = false;
  const timers = new Set<NodeJS.Timeout>();
  const cancellations = new Set<() => void>();

  const copy = (message: SandboxMessage): SandboxMessage => structuredClone(message);

  function later(ms: number, task: () => void): void {
    if (stopped) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!stopped) task();
    }, ms);
    // The sandbox must never be the reason a test run or `npm start` cannot exit.
    timer.unref();
    timers.add(timer);
  }

  function takeFault(): SandboxFaultMode | undefined {
    while (faults.length > 0 && faults[0]!.count <= 0) faults.shift();
    const next = faults[0];
    if (!next) return undefined;
    next.count -= 1;
    return next.mode;
  }

  /** Sliding one-second window per sender; only accepted sends count. */
  function admitSend(sender: string): boolean {
    if (ratePerSecond === undefined) return true;
    const at = now();
    const recent = (sendWindows.get(sender) ?? []).filter((t) => t > at - 1000);
    if (recent.length >= ratePerSecond) {
      sendWindows.set(sender, recent);
      return false;
    }
    recent.push(at);
    sendWindows.set(sender, recent);
    return true;
  }

  type NewMessage = Omit<SandboxMessage, 'sid' | 'accountSid' | 'numSegments' | 'encoding' | 'dateCreated' | 'dateUpdated' | 'dateSent' | 'errorCode' | 'channel' | 'contentSid' | 'contentVariables'> &
    Partial<Pick<SandboxMessage, 'contentSid' | 'contentVariables'>>;

  function store(fields: NewMessage): SandboxMessage {
    const phoneSide = fields.direction === 'inbound' ? fields.from : fields.to;
    const { encoding, segments } = countSmsSegments(fields.body);
    const at = isoNow();
    const message: SandboxMessage = {
      sid: newSid(),
      accountSid,
      numSegments: segments,
      encoding,
      dateCreated: at,
      dateUpdated: at,
      dateSent: null,
      errorCode: null,
      channel: phoneSide && isWhatsApp(phoneSide) ? 'whatsapp' : 'sms',
      contentSid: null,
      contentVariables: null,
      ...fields,
    };
    stored.push(message);
    return message;
  }

  /**
   * queued/accepted -> sent -> delivered, each step after statusDelayMs, each step called back.
   * A message WhatsApp refuses goes queued/accepted -> failed, with the error code on the callback
   * (Twilio learns of it from WhatsApp after the create was accepted).
   */
  function progressDelivery(message: SandboxMessage, failure?: number): void {
    const step = (status: 'sent' | 'delivered' | 'failed', next?: () => void) =>
      later(statusDelayMs, () => {
        // A reset forgets the message; its pending steps must not resurrect it.
        if (!stored.includes(message)) return;
        message.status = status;
        message.dateUpdated = isoNow();
        if (status === 'sent') message.dateSent = message.dateUpdated;
        if (status === 'failed') message.errorCode = failure ?? null;
        void callBackStatus(message).finally(() => next?.());
      });
    if (failure !== undefined) step('failed');
    else step('sent', () => step('delivered'));
  }

  /** Why WhatsApp would not deliver this message now, as Twilio's error code; undefined if it would. */
  function whatsappFailure(to: string, freeText: boolean): number | undefined {
    const phone = to.slice('whatsapp:'.length);
    const refusal = whatsappRefusals.get(phone);
    if (refusal !== undefined) return refusal;
    if (freeText && !whatsappWindowOpen(phone)) return 63016;
    return undefined;
  }

  function whatsappWindowOpen(phone: string): boolean {
    const last = lastWhatsAppInbound.get(phone);
    return last !== undefined && now() < last + WHATSAPP_WINDOW_MS;
  }

  async function callBackStatus(message: SandboxMessage): Promise<void> {
    if (!message.statusCallback || stopped) return;
    const params: Record<string, string> = {
      MessageSid: message.sid,
      SmsSid: message.sid,
      MessageStatus: message.status,
      SmsStatus: message.status,
      To: message.to,
      AccountSid: accountSid,
      ApiVersion: API_VERSION,
    };
    if (message.from) params.From = message.from;
    if (message.messagingServiceSid) params.MessagingServiceSid = message.messagingServiceSid;
    if (message.status === 'failed' && message.errorCode !== null) params.ErrorCode = String(message.errorCode);
    try {
      const answer = await postForm(
        message.statusCallback,
        params,
        { 'X-Twilio-Signature': signTwilioRequest(authToken, message.statusCallback, params) },
        WEBHOOK_TIMEOUT_MS,
        cancellations,
      );
      if (answer.status >= 400) log(`status callback for ${message.sid} answered ${answer.status}`);
    } catch (error) {
      // Twilio does not retry failed status callbacks either; the sender must cope without them.
      log(`status callback for ${message.sid} failed: ${describeError(error)}`);
    }
  }

  function createMessage(input: CreateMessageInput, body: string): SandboxMessage {
    const message = store({
      direction: 'outbound-api',
      to: input.To,
      from: input.From ?? null,
      messagingServiceSid: input.MessagingServiceSid ?? null,
      body,
      ...(input.ContentSid && { contentSid: input.ContentSid, contentVariables: input.ContentVariables ?? {} }),
      // Twilio answers "accepted" when only a Messaging Service is given: it picks the number later.
      status: input.From ? 'queued' : 'accepted',
      statusCallback: input.StatusCallback ?? null,
      validityPeriod: input.ValidityPeriod ?? null,
    });
    progressDelivery(message, isWhatsApp(input.To) ? whatsappFailure(input.To, !input.ContentSid) : undefined);
    return message;
  }

  function messageResource(message: SandboxMessage) {
    const uri = `${accountPath}/Messages/${message.sid}.json`;
    return {
      account_sid: message.accountSid,
      api_version: API_VERSION,
      body: message.body,
      date_created: rfc2822(message.dateCreated),
      date_sent: message.dateSent ? rfc2822(message.dateSent) : null,
      date_updated: rfc2822(message.dateUpdated),
      direction: message.direction,
      error_code: message.errorCode,
      error_message: null,
      from: message.from,
      messaging_service_sid: message.messagingServiceSid,
      num_media: '0',
      num_segments: String(message.numSegments),
      price: null,
      price_unit: 'USD',
      sid: message.sid,
      status: message.status,
      subresource_uris: { media: `${accountPath}/Messages/${message.sid}/Media.json` },
      to: message.to,
      uri,
    };
  }

  /** A template's text with its placeholders filled, as the phone shows it. */
  function fillPlaceholders(template: string, variables: Record<string, string>): string {
    return template.replace(/\{\{\s*(\d+)\s*\}\}/g, (whole, n: string) => variables[n] ?? whole);
  }

  function filterMessages(filter: { to?: string; from?: string }): SandboxMessage[] {
    return stored.filter((m) => (!filter.to || m.to === filter.to) && (!filter.from || m.from === filter.from));
  }

  function applyOptKeyword(phone: string, body: string): void {
    // Twilio's keyword handling is for SMS; on WhatsApp the business keeps its own opt-outs.
    if (isWhatsApp(phone)) return;
    const keyword = optKeyword(body);
    if (keyword === 'opt-out') optOuts.add(phone);
    if (keyword === 'opt-in') optOuts.delete(phone);
  }

  /**
   * The sandbox address a phone's reply goes to: whoever messaged that phone (that address, SMS or
   * WhatsApp) last; else the configured number, as a WhatsApp address for a WhatsApp phone.
   */
  function replyAddress(phone: string): string | undefined {
    for (let i = stored.length - 1; i >= 0; i -= 1) {
      const m = stored[i]!;
      if (m.direction !== 'inbound' && m.to === phone && m.from) return m.from;
    }
    const sameChannel = (a: string | null) => a !== null && isWhatsApp(a) === isWhatsApp(phone);
    const fallback = options.inboundTo ? (isWhatsApp(phone) ? `whatsapp:${options.inboundTo}` : options.inboundTo) : undefined;
    return fallback ?? [...stored].reverse().find((m) => m.direction !== 'inbound' && sameChannel(m.from))?.from ?? undefined;
  }

  async function receiveInbound(text: z.infer<typeof InboundText>): Promise<SandboxMessage> {
    const to = text.to ?? replyAddress(text.from);
    if (!to) throw new InboundRefused("no 'to' given and no earlier text to answer; set inboundTo or pass to");
    if (isWhatsApp(to) !== isWhatsApp(text.from)) throw new InboundRefused('from and to must be on the same channel: both whatsapp: addresses, or both numbers');
    // A WhatsApp message opens (or renews) the person's 24-hour window.
    if (isWhatsApp(text.from)) lastWhatsAppInbound.set(text.from.slice('whatsapp:'.length), now());
    const message = store({
      direction: 'inbound',
      to,
      from: text.from,
      messagingServiceSid: null,
      body: text.body,
      status: 'received',
      statusCallback: null,
      validityPeriod: null,
    });
    applyOptKeyword(text.from, text.body);
    const webhookUrl = inboundWebhookUrl;
    if (!webhookUrl) {
      message.webhook = { error: 'no inboundWebhookUrl configured' };
      return copy(message);
    }
    // Twilio's inbound parameters (the ones a plain SMS carries), signed over the exact URL called.
    const params: Record<string, string> = {
      MessageSid: message.sid,
      SmsMessageSid: message.sid,
      SmsSid: message.sid,
      AccountSid: accountSid,
      From: text.from,
      To: to,
      Body: text.body,
      NumMedia: '0',
      NumSegments: String(message.numSegments),
      SmsStatus: 'received',
      ApiVersion: API_VERSION,
      // What Twilio adds for WhatsApp: the sender's WhatsApp id (their number's digits) and the kind.
      ...(isWhatsApp(text.from) && { WaId: text.from.slice('whatsapp:+'.length), ProfileName: 'Sandbox phone', MessageType: 'text' }),
    };
    try {
      const answer = await postForm(
        webhookUrl,
        params,
        { 'X-Twilio-Signature': signTwilioRequest(authToken, webhookUrl, params) },
        WEBHOOK_TIMEOUT_MS,
        cancellations,
      );
      message.webhook = { status: answer.status };
      if (answer.status >= 200 && answer.status < 300 && !optOuts.has(text.from)) {
        for (const reply of twimlReplies(answer.body)) {
          const replyMessage = store({
            direction: 'outbound-reply',
            to: text.from,
            from: to,
            messagingServiceSid: null,
            body: reply,
            status: 'queued',
            statusCallback: null,
            validityPeriod: null,
          });
          progressDelivery(replyMessage);
        }
      }
      if (answer.status >= 400) log(`inbound webhook answered ${answer.status}`);
    } catch (error) {
      message.webhook = { error: describeError(error) };
      log(`inbound webhook failed: ${describeError(error)}`);
    }
    return copy(message);
  }

  // ---- REST API ------------------------------------------------------------------------------

  async function handleCreate(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const form = parseForm(await readBody(req));
    const fault = takeFault();
    if (fault === '500') return sendError(res, ERRORS.internal);
    if (fault === '429') return sendError(res, ERRORS.tooManyRequests, { 'Retry-After': '1' });
    if (fault === 'hang') return hang(res);

    const parsed = CreateMessageForm.safeParse(form);
    if (!parsed.success) return sendError(res, createMessageError(form, parsed.error.issues));
    const input = parsed.data;
    if (!input.From && !input.MessagingServiceSid) return sendError(res, ERRORS.fromRequired);
    if (input.From && isWhatsApp(input.From) !== isWhatsApp(input.To)) return sendError(res, ERRORS.channelMismatch);
    if (input.ContentVariables && !input.ContentSid) return sendError(res, ERRORS.contentSidRequired);
    const template = input.ContentSid ? whatsappTemplates.get(input.ContentSid) : undefined;
    if (input.ContentSid && template === undefined) return sendError(res, ERRORS.contentSidInvalid);
    if (input.Body === undefined && template === undefined) return sendError(res, ERRORS.bodyRequired);
    if (optOuts.has(input.To)) return sendError(res, ERRORS.optedOut);
    if (!admitSend(input.From ?? input.MessagingServiceSid!)) {
      return sendError(res, ERRORS.tooManyRequests, { 'Retry-After': '1' });
    }
    const body = template !== undefined ? fillPlaceholders(template, input.ContentVariables ?? {}) : input.Body!;
    const message = createMessage(input, body);
    if (fault === 'accept-then-hang') return hang(res);
    sendJson(res, 201, messageResource(message));
  }

  function handleList(url: URL, res: http.ServerResponse): void {
    const query = Object.fromEntries(url.searchParams);
    const parsed = ListMessagesQuery.safeParse(query);
    if (!parsed.success) {
      const field = String(parsed.error.issues[0]?.path[0] ?? '');
      if (field === 'To') return sendError(res, ERRORS.toInvalid);
      if (field === 'From') return sendError(res, ERRORS.fromInvalid);
      return sendError(res, ERRORS.badRequest(`Invalid ${field || 'query'}: ${parsed.error.issues[0]?.message ?? ''}`));
    }
    const { To, From, PageSize = 50, Page = 0 } = parsed.data;
    const newestFirst = filterMessages({ to: To, from: From }).reverse();
    const start = Page * PageSize;
    const page = newestFirst.slice(start, start + PageSize);
    const pageUri = (n: number) => {
      const params = new URLSearchParams();
      if (To) params.set('To', To);
      if (From) params.set('From', From);
      params.set('PageSize', String(PageSize));
      params.set('Page', String(n));
      return `${accountPath}/Messages.json?${params.toString()}`;
    };
    sendJson(res, 200, {
      first_page_uri: pageUri(0),
      next_page_uri: start + PageSize < newestFirst.length ? pageUri(Page + 1) : null,
      previous_page_uri: Page > 0 ? pageUri(Page - 1) : null,
      page: Page,
      page_size: PageSize,
      start,
      end: start + Math.max(page.length - 1, 0),
      uri: pageUri(Page),
      messages: page.map(messageResource),
    });
  }

  function handleFetch(path: string, messageSid: string, res: http.ServerResponse): void {
    const message = stored.find((m) => m.sid === messageSid);
    if (!message) return sendError(res, ERRORS.notFound(path));
    sendJson(res, 200, messageResource(message));
  }

  async function handleApi(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const credentials = basicAuth(req.headers.authorization);
    const route = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages(?:\/([^/]+?))?\.json$/.exec(url.pathname);
    const pathAccount = route?.[1] ?? /^\/2010-04-01\/Accounts\/([^/]+)/.exec(url.pathname)?.[1];
    const authorised =
      credentials !== undefined &&
      sameSecret(credentials.user, accountSid) &&
      sameSecret(credentials.password, authToken) &&
      (pathAccount === undefined || pathAccount === accountSid);
    if (!authorised) {
      req.resume();
      return sendError(res, ERRORS.authenticate, { 'WWW-Authenticate': 'Basic realm="Twilio API"' });
    }
    if (!route) {
      req.resume();
      return sendError(res, ERRORS.notFound(url.pathname));
    }
    const messageSid = route[2];
    if (messageSid === undefined && req.method === 'POST') return handleCreate(req, res);
    req.resume();
    if (req.method !== 'GET') return sendError(res, ERRORS.methodNotAllowed);
    if (messageSid === undefined) return handleList(url, res);
    return handleFetch(url.pathname, messageSid, res);
  }

  // ---- Test hooks ----------------------------------------------------------------------------

  async function readJson(req: http.IncomingMessage): Promise<{ ok: true; value: unknown } | { ok: false }> {
    const text = await readBody(req);
    try {
      return { ok: true, value: text.trim() === '' ? {} : JSON.parse(text) };
    } catch {
      return { ok: false };
    }
  }

  async function handleHook(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const route = `${req.method} ${url.pathname}`;
    if (route === 'GET /_sandbox/messages') {
      req.resume();
      const query = MessagesHookQuery.safeParse(Object.fromEntries(url.searchParams));
      if (!query.success) return sendError(res, ERRORS.badRequest(describeIssues(query.error.issues)));
      return sendJson(res, 200, filterMessages(query.data));
    }
    if (route === 'GET /_sandbox/opt-outs') {
      req.resume();
      return sendJson(res, 200, [...optOuts]);
    }
    if (req.method !== 'POST') {
      req.resume();
      const known = ['/_sandbox/reset', '/_sandbox/opt-out', '/_sandbox/opt-in', '/_sandbox/faults', '/_sandbox/rate-limit', '/_sandbox/inbound', '/_sandbox/whatsapp/templates', '/_sandbox/whatsapp/refuse'];
      return sendError(res, known.includes(url.pathname) ? ERRORS.methodNotAllowed : ERRORS.notFound(url.pathname));
    }
    const json = await readJson(req);
    if (!json.ok) return sendError(res, ERRORS.badRequest('The request body is not valid JSON'));
    const body = json.value;

    const withParsed = <T>(schema: z.ZodType<T>, act: (value: T) => void) => {
      const parsed = schema.safeParse(body);
      if (!parsed.success) return sendError(res, ERRORS.badRequest(describeIssues(parsed.error.issues)));
      act(parsed.data);
      return sendJson(res, 200, { ok: true });
    };
    switch (url.pathname) {
      case '/_sandbox/reset':
        api.reset();
        return sendJson(res, 200, { ok: true });
      case '/_sandbox/opt-out':
        return withParsed(PhoneHook, ({ phone }) => optOuts.add(phone));
      case '/_sandbox/opt-in':
        return withParsed(PhoneHook, ({ phone }) => optOuts.delete(phone));
      case '/_sandbox/faults':
        return withParsed(FaultSchema, (fault) => api.injectFaults(fault));
      case '/_sandbox/rate-limit':
        return withParsed(RateLimitHook, ({ perSecond }) => api.setRateLimit(perSecond ?? undefined));
      case '/_sandbox/whatsapp/templates':
        return withParsed(TemplateHook, ({ sid, text }) => api.registerWhatsAppTemplate(sid, text));
      case '/_sandbox/whatsapp/refuse':
        return withParsed(RefuseHook, ({ phone, code }) => api.refuseWhatsApp(phone, code));
      case '/_sandbox/inbound': {
        const parsed = InboundText.safeParse(body);
        if (!parsed.success) return sendError(res, ERRORS.badRequest(describeIssues(parsed.error.issues)));
        try {
          return sendJson(res, 200, await receiveInbound(parsed.data));
        } catch (error) {
          if (error instanceof InboundRefused) return sendError(res, ERRORS.badRequest(error.message));
          throw error;
        }
      }
      default:
        return sendError(res, ERRORS.notFound(url.pathname));
    }
  }

  // ---- Phone page ----------------------------------------------------------------------------

  function renderPhonePage(notice?: { error: string; values: Record<string, string> }): string {
    // Group by the phone's side of each conversation; newest conversation and newest text first.
    const threads = new Map<string, SandboxMessage[]>();
    for (const message of [...stored].reverse()) {
      const phone = message.direction === 'inbound' ? message.from! : message.to;
      const thread = threads.get(phone) ?? [];
      thread.push(message);
      threads.set(phone, thread);
    }
    const sections = [...threads].map(([phone, texts]) => {
      const whatsapp = isWhatsApp(phone);
      const number = whatsapp ? phone.slice('whatsapp:'.length) : phone;
      const anchor = threadAnchor(phone);
      const items = texts
        .map((m) => {
          const incoming = m.direction === 'inbound';
          const outcome =
            m.status === 'failed'
              ? ` · <strong>failed ${escapeHtml(m.errorCode ?? '')}</strong>${m.errorCode === 63016 ? ' (outside the 24-hour window: not delivered)' : m.errorCode === 63003 ? ' (not on WhatsApp)' : ''}`
              : '';
          const template = m.contentSid ? ` · template ${escapeHtml(m.contentSid)}` : '';
          const webhook = m.webhook
            ? 'status' in m.webhook
              ? ` · webhook ${escapeHtml(m.webhook.status)}`
              : ` · webhook not reached: ${escapeHtml(m.webhook.error)}`
            : '';
          const size = whatsapp ? '' : ` · ${escapeHtml(m.numSegments)} ${escapeHtml(m.encoding)} segment${m.numSegments === 1 ? '' : 's'}`;
          const meta = incoming
            ? `you → ${escapeHtml(m.to)}${webhook}`
            : `${escapeHtml(m.from ?? m.messagingServiceSid ?? '')} → you · ${escapeHtml(m.status)}${size}${template}${outcome}`;
          return `<li class="${incoming ? 'out' : 'in'}${m.status === 'failed' ? ' failed' : ''}"><p>${escapeHtml(m.body)}</p><small><time datetime="${escapeHtml(m.dateCreated)}">${escapeHtml(m.dateCreated.replace('T', ' ').slice(0, 19))}</time> · ${meta}</small></li>`;
        })
        .join('');
      const replyTo = (replyAddress(phone) ?? '').replace(/^whatsapp:/, '');
      const until = whatsapp ? api.whatsappWindowUntil(number) : undefined;
      const windowLine = whatsapp
        ? `<p class="hint">${until ? `Window open until ${escapeHtml(until.replace('T', ' ').slice(0, 16))} UTC: free text from the service arrives.` : 'Window closed: only approved templates arrive until this phone writes.'}</p>`
        : '';
      return `<section id="${escapeHtml(anchor)}" class="${whatsapp ? 'whatsapp' : 'sms'}">
<h2>${whatsapp ? 'WhatsApp' : 'SMS'} · ${escapeHtml(number)}${optOuts.has(phone) ? ' <span class="badge">opted out</span>' : ''}</h2>
${windowLine}
<form method="post" action="/phone/send" class="reply">
<input type="hidden" name="From" value="${escapeHtml(number)}">
<input type="hidden" name="Channel" value="${whatsapp ? 'whatsapp' : 'sms'}">
<label>To <input name="To" value="${escapeHtml(replyTo)}" required inputmode="tel"></label>
<label>${whatsapp ? 'Message' : 'Text'} <textarea name="Body" rows="2" maxlength="1600" required></textarea></label>
<button>Send as ${escapeHtml(number)}${whatsapp ? ' on WhatsApp' : ''}</button>
</form>
<ul>${items}</ul>
</section>`;
    });
    const values = notice?.values ?? {};
    return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>SMS sandbox · phone</title>
<style>
body{font:16px/1.4 system-ui,sans-serif;margin:0 auto;max-width:40rem;padding:1rem;color:#111;background:#f6f6f6}
h1{font-size:1.3rem}h2{font-size:1.1rem;margin:.2rem 0}
section,form.new{background:#fff;border-radius:.6rem;padding:.8rem;margin:0 0 1rem;box-shadow:0 1px 2px #0002}
label{display:block;margin:.3rem 0}input,textarea{width:100%;box-sizing:border-box;font:inherit;padding:.4rem}
button{font:inherit;padding:.4rem .9rem;margin-top:.3rem}
ul{list-style:none;padding:0;margin:.6rem 0 0}li{margin:.4rem 0;padding:.5rem .7rem;border-radius:.8rem;max-width:85%;overflow-wrap:anywhere}
li p{margin:0;white-space:pre-wrap}li small{color:#555;font-size:.75rem}
li.in{background:#e9e9eb}li.out{background:#0b84ff;color:#fff;margin-left:auto}li.out small{color:#e0ecff}
section.whatsapp{border-left:.4rem solid #25d366}section.whatsapp li.in{background:#dcf8c6}section.whatsapp li.out{background:#128c7e}
li.failed{opacity:.7;border:1px dashed #c00}
.badge{background:#c00;color:#fff;border-radius:.3rem;padding:0 .3rem;font-size:.8rem}
.error{background:#fde;border:1px solid #c00;padding:.5rem;border-radius:.4rem}.hint{color:#555;font-size:.85rem}
</style></head>
<body>
<h1>SMS and WhatsApp sandbox · phone</h1>
<p class="hint">${inboundWebhookUrl ? `Texts you send here are posted, signed, to ${escapeHtml(inboundWebhookUrl)}.` : 'No inbound webhook is configured: texts sent here are only stored.'} <a href="/phone">Refresh</a></p>
${notice ? `<p class="error" role="alert">${escapeHtml(notice.error)}</p>` : ''}
<form method="post" action="/phone/send" class="new">
<h2>Message from a phone</h2>
<label>From (the phone) <input name="From" value="${escapeHtml(values.From ?? '')}" placeholder="+15551234567" required inputmode="tel"></label>
<label>By <select name="Channel"><option value="sms"${values.Channel === 'whatsapp' ? '' : ' selected'}>SMS</option><option value="whatsapp"${values.Channel === 'whatsapp' ? ' selected' : ''}>WhatsApp</option></select></label>
<label>To (the service) <input name="To" value="${escapeHtml(values.To ?? options.inboundTo ?? replyAddressAny() ?? '')}" placeholder="+15557654321" required inputmode="tel"></label>
<label>Text <textarea name="Body" rows="2" maxlength="1600" required>${escapeHtml(values.Body ?? '')}</textarea></label>
<button>Send</button>
</form>
${sections.join('\n') || '<p>No texts yet.</p>'}
</body></html>`;
  }

  function replyAddressAny(): string | undefined {
    return [...stored].reverse().find((m) => m.direction !== 'inbound' && m.from)?.from?.replace(/^whatsapp:/, '') ?? undefined;
  }

  async function handlePhoneSend(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const form = parseForm(await readBody(req));
    const parsed = PhoneForm.safeParse(form);
    if (!parsed.success) {
      return sendHtml(res, 400, renderPhonePage({ error: `Not sent: ${describeIssues(parsed.error.issues)}`, values: form }));
    }
    const { From, To, Body, Channel } = parsed.data;
    const as = (number: string) => (Channel === 'whatsapp' ? `whatsapp:${number}` : number);
    await receiveInbound({ from: as(From), to: as(To), body: Body });
    if (res.headersSent || res.writableEnded) return;
    res.writeHead(303, { Location: `/phone#${threadAnchor(as(From))}`, 'Content-Length': 0 });
    res.end();
  }

  // ---- Dispatch ------------------------------------------------------------------------------

  /** The phone page's own origins (filled in once the port is known). */
  const ownOrigins = new Set<string>();
  const hanging = new Set<http.ServerResponse>();
  /** Never answers; stop() closes the connection. */
  function hang(res: http.ServerResponse): void {
    hanging.add(res);
    res.on('close', () => hanging.delete(res));
  }

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://127.0.0.1');
    } catch {
      req.resume();
      return sendError(res, ERRORS.badRequest('Malformed request URL'));
    }
    const origin = req.headers.origin;
    if (origin !== undefined && req.method !== 'GET' && req.method !== 'HEAD' && !ownOrigins.has(origin)) {
      // Another site open in the developer's browser must not text, reset or fault the sandbox.
      req.resume();
      return sendError(res, ERRORS.forbidden);
    }
    if (url.pathname.startsWith(`/${API_VERSION}/`)) return handleApi(req, res, url);
    if (url.pathname.startsWith('/_sandbox/')) return handleHook(req, res, url);
    if (url.pathname === '/phone' || url.pathname === '/') {
      req.resume();
      if (req.method !== 'GET') return sendError(res, ERRORS.methodNotAllowed);
      return sendHtml(res, 200, renderPhonePage());
    }
    if (url.pathname === '/phone/send') {
      if (req.method !== 'POST') {
        req.resume();
        return sendError(res, ERRORS.methodNotAllowed);
      }
      return handlePhoneSend(req, res);
    }
    req.resume();
    return sendError(res, ERRORS.notFound(url.pathname));
  }

  const server = http.createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      if (error instanceof RequestTooLarge) {
        // Stop reading a body we will not use, and let the client see why.
        res.setHeader('Connection', 'close');
        return sendError(res, ERRORS.badRequest(`Request body larger than ${MAX_REQUEST_BYTES} bytes`));
      }
      if (req.destroyed || res.destroyed) return; // the client went away mid-request
      log(`internal error: ${describeError(error)}`);
      sendError(res, ERRORS.internal);
    });
  });
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  ownOrigins.add(`http://127.0.0.1:${port}`).add(`http://localhost:${port}`);

  let stopping: Promise<void> | undefined;
  const api: SmsSandbox = {
    url: `http://127.0.0.1:${port}`,
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        stopped = true;
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        for (const cancel of [...cancellations]) cancel();
        server.close(() => resolve());
        // Hanging faults and keep-alive sockets would otherwise hold close() open forever.
        server.closeAllConnections();
      });
      return stopping;
    },
    messages(filter = {}) {
      return filterMessages(filter).map(copy);
    },
    messageCount() {
      return stored.length;
    },
    reset() {
      stored = [];
      optOuts = new Set();
      faults = [];
      sendWindows = new Map();
      ratePerSecond = options.ratePerSecond;
      whatsappTemplates = new Map(Object.entries(options.whatsappTemplates ?? {}));
      lastWhatsAppInbound = new Map();
      whatsappRefusals = new Map();
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
    optOut(phone) {
      optOuts.add(phoneNumber.parse(phone));
    },
    optIn(phone) {
      optOuts.delete(phoneNumber.parse(phone));
    },
    optedOut() {
      return [...optOuts];
    },
    setRateLimit(perSecond) {
      ratePerSecond = z.number().int().positive().optional().parse(perSecond);
      sendWindows = new Map();
    },
    injectFaults(fault) {
      const parsed = FaultSchema.parse(fault);
      if (parsed.count > 0) faults.push({ ...parsed });
    },
    setInboundWebhookUrl(url) {
      inboundWebhookUrl = httpUrl.optional().parse(url);
    },
    async sendInbound(text) {
      return receiveInbound(InboundText.parse(text));
    },
    registerWhatsAppTemplate(sid, text) {
      const parsed = TemplateHook.parse({ sid, text });
      whatsappTemplates.set(parsed.sid, parsed.text);
    },
    refuseWhatsApp(phone, code) {
      const parsed = RefuseHook.parse({ phone, code });
      whatsappRefusals.set(parsed.phone, parsed.code);
    },
    whatsappWindowUntil(phone) {
      const last = lastWhatsAppInbound.get(phoneNumber.parse(phone));
      return last !== undefined && whatsappWindowOpen(phone) ? new Date(last + WHATSAPP_WINDOW_MS).toISOString() : undefined;
    },
  };
  return api;
}

