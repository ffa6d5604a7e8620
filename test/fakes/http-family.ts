/**
 * FAKE — a declared provider family's API (src/providers/families/<name>.ts) on FakeHttpServer: the
 * routes the definition declares, answering in that provider's documented shapes (family-wires.ts).
 * It holds credentials (value, provider id, alive), checks the adapter's own credentials and the
 * token a request authenticates with, and kills a credential when a revoke route reaches it.
 * Never used by production code.
 */
import type {
  AuthPart,
  FamilyDefinition,
  FamilyRequest,
  FamilyVerify,
} from '../../schemas/providers/family.js';
import { FakeHttpServer, type FakeReply, type FakeRequest } from './http-fake.js';
import { LISTINGS } from './family-listings.js';
import { WIRES, type FakeToken, type FamilyWire, type TokenMeta } from './family-wires.js';

export class FakeFamily extends FakeHttpServer {
  readonly wire: FamilyWire;
  readonly tokens: FakeToken[] = [];
  /** Route keys of revoke requests, by kind and `byValue` / `byId`. */
  readonly revokeKeys = new Map<string, string>();
  #seq = 100;

  constructor(
    readonly def: FamilyDefinition,
    readonly secrets: Readonly<Record<string, string>>,
    readonly vars: Readonly<Record<string, string>>,
  ) {
    super(def.name);
    const wire = WIRES[def.name];
    if (!wire) throw new Error(`no wire shapes for ${def.name}`);
    this.wire = wire;
    const documented = new Set(wire.routes.map(shape));
    const seen = new Map<string, { req: FamilyRequest | FamilyVerify; revoke: boolean }[]>();
    for (const kind of def.kinds) {
      const reqs: [string, FamilyRequest | FamilyVerify | undefined, boolean][] = [
        ['byValue', kind.byValue, true],
        ['verifyByValue', kind.verifyByValue, false],
        ['byId', kind.byId, true],
        ['verifyById', kind.verifyById, false],
      ];
      for (const [slot, req, revoke] of reqs) {
        if (!req) continue;
        const key = this.keyOf(req);
        if (!documented.has(shape(`${req.method} ${req.path}`))) {
          throw new Error(
            `${def.name} ${kind.kind} ${slot}: ${req.method} ${req.path} is not a documented endpoint`,
          );
        }
        if (revoke) this.revokeKeys.set(`${kind.kind}:${slot}`, key);
        // One route may serve two requests that authenticate differently (npm deletes a token by
        // its value with the token itself, or by its key with the owner's token): the first whose
        // credentials the request carries answers.
        const sharing = seen.get(key);
        if (sharing) {
          sharing.push({ req, revoke });
          continue;
        }
        const all = [{ req, revoke }];
        seen.set(key, all);
        const override = wire.overrides?.[key];
        this.route(key, (r) => {
          const served = all.find((a) => this.#authorised(a.req, r) === undefined);
          if (!served) return this.#authorised(req, r) ?? this.wire.unauthorized;
          return override ? override(r, this.tokens) : this.#handle(served.req, served.revoke, r);
        });
      }
      if (kind.list) this.#listing(kind.kind, kind.list.path);
    }
  }

  /** An instance of the family configured against this fake (`secrets`: default the right ones). */
  instanceConfig(name: string, secrets: Readonly<Record<string, string>> = this.secrets, timeoutMs = 5_000) {
    return {
      type: 'http_family' as const,
      name,
      family: this.def.name,
      baseUrls: Object.fromEntries(Object.keys(this.def.baseUrls).map((k) => [k, this.baseUrl])),
      secrets: { ...secrets },
      vars: { ...this.vars },
      timeoutMs,
      propagationMs: 0,
    };
  }

  /** Most items a listing's page holds, whatever the client asks for (tests set it low). */
  pageMax = 100;

  #listing(kind: string, path: string): void {
    const listing = LISTINGS[this.def.name]?.find((l) => l.kind === kind);
    if (!listing || shape(listing.route) !== shape(`GET ${path}`)) {
      throw new Error(`${this.def.name} ${kind} list: GET ${path} is not a documented endpoint`);
    }
    const ofKind = () => this.tokens.filter((t) => (t.kind ?? kind) === kind);
    this.route(
      listing.route,
      (r) =>
        this.#authorised({ auth: 'admin' }, r) ??
        listing.list(r, ofKind(), { baseUrl: this.baseUrl, pageMax: this.pageMax, vars: this.vars }),
    );
  }

  /** `METHOD /path/{p0}/…`: the definition's placeholders as fake path parameters. */
  keyOf(req: FamilyRequest | FamilyVerify): string {
    let n = 0;
    const path = req.path.replace(/\{([^}]+)\}/g, (_, name: string) =>
      name.startsWith('var.') ? (this.vars[name.slice(4)] ?? '') : `{p${n++}}`,
    );
    return `${req.method} ${path}`;
  }

  /** A live credential: its value in the provider's format and a provider id (`parts` `:`-joined). */
  mint(parts = 1, opts: { kind?: string; meta?: Partial<TokenMeta> } = {}): FakeToken {
    const ids = Array.from({ length: parts }, () => String(++this.#seq));
    const value = this.wire.mint();
    // Twilio's key SID is the value a leak shows; SendGrid's key id is the value's middle part.
    const providerId =
      this.def.name === 'twilio'
        ? value
        : this.def.name === 'sendgrid'
          ? (value.split('.')[1] ?? '')
          : ids.join(':');
    const meta: TokenMeta = {
      name: `key-${this.#seq}`,
      created: Date.UTC(2025, 0, 1) + this.#seq * 60_000,
      ...opts.meta,
    };
    const token: FakeToken = {
      value,
      providerId,
      alive: true,
      meta,
      ...(opts.kind ? { kind: opts.kind } : {}),
    };
    this.tokens.push(token);
    return token;
  }

  #authorised(req: Pick<FamilyRequest, 'auth'>, r: FakeRequest): FakeReply | undefined {
    if (req.auth === 'token') {
      const token = this.#bearer(r);
      return token?.alive ? undefined : this.wire.unauthorized;
    }
    return this.def.auth.every((part) => this.#adminOk(part, r)) ? undefined : this.wire.unauthorized;
  }

  #adminOk(part: AuthPart, r: FakeRequest): boolean {
    if (part.type === 'basic') {
      const want = `Basic ${Buffer.from(`${this.secrets[part.user]}:${this.secrets[part.password]}`).toString('base64')}`;
      return r.headers.authorization === want;
    }
    return (
      r.headers[part.header.toLowerCase()] ===
      part.format.replace('{}', this.secrets[part.secret] ?? '\u0000')
    );
  }

  #bearer(r: FakeRequest): FakeToken | undefined {
    const { header, format } = this.def.tokenAuth;
    const sent = r.headers[header.toLowerCase()];
    return this.tokens.find((t) => sent === format.replace('{}', t.value));
  }

  #find(req: FamilyRequest | FamilyVerify, r: FakeRequest): FakeToken | undefined {
    if (req.auth === 'token') return this.#bearer(r);
    const params = Object.keys(r.params)
      .sort()
      .map((k) => r.params[k] ?? '');
    const joined = params.join(':');
    const bodyValues = Object.values(r.body).filter((v): v is string => typeof v === 'string');
    const candidates = new Set([...params, ...bodyValues]);
    return this.tokens.find((t) => (params.length > 0 && t.providerId === joined) || candidates.has(t.value));
  }

  #handle(req: FamilyRequest | FamilyVerify, revoke: boolean, r: FakeRequest): FakeReply {
    const denied = this.#authorised(req, r);
    if (denied) return denied;
    const token = this.#find(req, r);
    if (!token) return this.wire.notFound;
    if (revoke) {
      if (!token.alive) return this.wire.notFound;
      token.alive = false;
      return this.wire.revoked ?? { status: 204 };
    }
    if (token.alive) return { status: 200, body: this.wire.alive(token) };
    return this.wire.dead?.(token) ?? this.wire.notFound;
  }
}

/** A route with its parameter names dropped: `DELETE /users/{id}` → `DELETE /users/{}`. */
function shape(route: string): string {
  return route.replace(/\{[^}]+\}/g, '{}');
}
