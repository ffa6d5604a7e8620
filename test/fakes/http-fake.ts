/**
 * FAKE — plumbing shared by the fake provider servers in this folder (test/fakes/github.ts,
 * test/fakes/slack.ts): a node:http server on 127.0.0.1 port 0 with a small route table, per-route
 * call counters the tests read, and fault injection (the next N calls of a route answer with a canned
 * reply, or answer late). With a `Contract` (test/fakes/contract.ts), every request and every reply —
 * injected faults included — is checked against the provider's published API description. Never used
 * by production code.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ViolationLog, violationReply, type Contract, type Violation } from './contract.js';

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  /** Path parameters from the route template (`/keys/{key_id}` → `key_id`). */
  params: Record<string, string>;
  /** JSON or form body, parsed; `{}` when empty. */
  body: Record<string, unknown>;
  rawBody: string;
}

export interface FakeReply {
  status: number;
  headers?: Record<string, string>;
  /** Serialised as JSON unless a string. */
  body?: unknown;
}

export type FakeHandler = (req: FakeRequest) => FakeReply;

/** A canned misbehaviour: answer late (`delayMs`), and/or answer with `reply` instead of the handler. */
export interface Fault {
  delayMs?: number;
  reply?: (req: FakeRequest) => FakeReply;
  /**
   * Why this reply breaks the provider's published description on purpose (a provider seen doing
   * so anyway): it is sent as is, unchecked. Without it, a fault is checked like any reply.
   */
  offDescription?: string;
}

interface Route {
  key: string;
  method: string;
  pattern: RegExp;
  names: string[];
  handler: FakeHandler;
}

export class FakeHttpServer {
  readonly #routes: Route[] = [];
  readonly #faults = new Map<string, { fault: Fault; remaining: number }[]>();
  readonly #calls = new Map<string, number>();
  readonly #server: Server;
  #baseUrl = '';
  /** Headers added to every answer (e.g. rate-limit headers a real provider always sends). */
  commonHeaders: (req: FakeRequest) => Record<string, string> = () => ({});

  readonly #violations = new ViolationLog();

  constructor(
    readonly label: string,
    readonly contract?: Contract,
  ) {
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((err: unknown) => {
        // A fake's own bug: answer 500 so that the test sees it, and say why on stderr.
        process.stderr.write(`${this.label} fake failed: ${String(err)}\n`);
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
  }

  get baseUrl(): string {
    return this.#baseUrl;
  }

  /** Registers `METHOD /path/{param}`; the same string is the key for `calls` and `inject`. */
  route(key: string, handler: FakeHandler): void {
    this.contract?.checkRoute(key);
    const [method = '', template = ''] = key.split(' ');
    const names: string[] = [];
    const source = template
      .split(/(\{[^}]+\})/)
      .map((part) => {
        const name = /^\{([^}]+)\}$/.exec(part)?.[1];
        if (name === undefined) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        names.push(name);
        return '([^/]+)';
      })
      .join('');
    this.#routes.push({ key, method, pattern: new RegExp(`^${source}$`), names, handler });
  }

  /** The next `times` calls of `key` (or of every route, with `*`) misbehave as `fault` says. */
  inject(key: string, fault: Fault, times = 1): void {
    const list = this.#faults.get(key) ?? [];
    list.push({ fault, remaining: times });
    this.#faults.set(key, list);
  }

  clearFaults(): void {
    this.#faults.clear();
  }

  /** How many requests reached `key` (faulted ones included). */
  calls(key: string): number {
    return this.#calls.get(key) ?? 0;
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    const { port } = this.#server.address() as AddressInfo;
    this.#baseUrl = `http://127.0.0.1:${port}`;
    return this.#baseUrl;
  }

  /**
   * Closes the server, then fails with every contract violation nobody collected: each test closes
   * its fakes, so a violation fails the test that caused it.
   */
  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      this.#server.close((err) => (err ? reject(err) : resolve())),
    );
    this.#violations.assertNone(this.label);
  }

  /** Collects the contract violations seen so far (for tests that send wrong requests on purpose). */
  takeViolations(): Violation[] {
    return this.#violations.take();
  }

  #takeFault(key: string): Fault | undefined {
    for (const k of [key, '*']) {
      const list = this.#faults.get(k);
      const entry = list?.find((f) => f.remaining > 0);
      if (entry) {
        entry.remaining -= 1;
        return entry.fault;
      }
    }
    return undefined;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const rawBody = await readBody(req);
    const method = req.method ?? 'GET';
    const route = this.#routes.find((r) => r.method === method && r.pattern.test(url.pathname));
    const match = route?.pattern.exec(url.pathname);
    const params: Record<string, string> = {};
    route?.names.forEach((name, i) => (params[name] = decodeURIComponent(match?.[i + 1] ?? '')));
    const request: FakeRequest = {
      method,
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      params,
      body: parseBody(rawBody, req.headers['content-type']),
      rawBody,
    };
    const refused = this.#breach(request, 'request', this.contract?.request(request, route?.key));
    if (refused) return send(res, refused, this.commonHeaders(request));
    if (!route)
      return send(res, { status: 404, body: { message: 'Not Found' } }, this.commonHeaders(request));
    this.#calls.set(route.key, (this.#calls.get(route.key) ?? 0) + 1);
    const fault = this.#takeFault(route.key);
    if (fault?.delayMs) {
      await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
      if (res.destroyed) return;
    }
    const reply = fault?.reply ? fault.reply(request) : route.handler(request);
    const checked = fault?.reply && fault.offDescription !== undefined ? undefined : this.contract;
    const wrong = this.#breach(request, 'response', checked?.response(request, route.key, reply));
    send(res, wrong ?? reply, this.commonHeaders(request));
  }

  /** Records a breach and returns the 500 to answer instead; undefined when there is none. */
  #breach(req: FakeRequest, kind: Violation['kind'], problems: string[] | undefined): FakeReply | undefined {
    if (!problems?.length) return undefined;
    this.#violations.record({ fake: this.label, request: `${req.method} ${req.path}`, kind, problems });
    return violationReply(kind, problems);
  }
}

function send(res: ServerResponse, reply: FakeReply, common: Record<string, string>): void {
  if (res.destroyed) return;
  const headers: Record<string, string> = { ...common, ...reply.headers };
  let payload = '';
  if (reply.body !== undefined && reply.status !== 204) {
    payload = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    headers['content-type'] ??= 'application/json; charset=utf-8';
  }
  res.writeHead(reply.status, headers).end(payload);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (raw === '') return {};
  if (contentType?.includes('application/x-www-form-urlencoded'))
    return Object.fromEntries(new URLSearchParams(raw));
  const parsed: unknown = JSON.parse(raw);
  return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
}
