/**
 * Console sessions: server-side, in memory, one per sign-in. The browser holds only a random id in
 * an HttpOnly, SameSite=Strict cookie scoped to /console; the session holds the operator's identity
 * and its CSRF token, never the token the operator signed in with. Idle sessions expire; a restart
 * signs everyone out (acceptable for a console: sign in again with the same token).
 */
import { randomBytes } from 'node:crypto';
import type { Identity } from '../http/operator-auth.js';

export const COOKIE = 'tourniquet_console';
export const IDLE_MS = 30 * 60_000;

export interface Session {
  readonly id: string;
  readonly who: Identity;
  /** The synchronizer token every state-changing form carries. */
  readonly csrf: string;
  lastSeen: number;
}

const random = () => randomBytes(32).toString('base64url');

export class Sessions {
  readonly #byId = new Map<string, Session>();
  readonly #ended = new Map<string, Set<() => void>>();

  constructor(
    private readonly idleMs: number = IDLE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  create(who: Identity): Session {
    this.#sweep();
    const s: Session = {
      id: random(),
      who: { name: who.name, role: who.role },
      csrf: random(),
      lastSeen: this.now(),
    };
    this.#byId.set(s.id, s);
    return s;
  }

  /** The live session with this id, touched (its idle clock restarts); null when unknown or expired. */
  get(id: string | undefined): Session | null {
    if (!id) return null;
    const s = this.#byId.get(id);
    if (!s) return null;
    if (this.#expired(s)) {
      this.end(id);
      return null;
    }
    s.lastSeen = this.now();
    return s;
  }

  /** Whether the session is still live, without touching it (a live stream's check). */
  alive(id: string): boolean {
    const s = this.#byId.get(id);
    if (s && this.#expired(s)) this.end(id);
    return this.#byId.has(id);
  }

  end(id: string): void {
    this.#byId.delete(id);
    const listeners = this.#ended.get(id);
    this.#ended.delete(id);
    for (const f of listeners ?? []) f();
  }

  /** Called once when the session ends (sign-out, expiry, server shutdown); returns an unsubscribe. */
  onEnd(id: string, f: () => void): () => void {
    const set = this.#ended.get(id) ?? new Set();
    set.add(f);
    this.#ended.set(id, set);
    return () => set.delete(f);
  }

  /** Ends every session (server shutdown): their live streams close. */
  endAll(): void {
    for (const id of [...this.#byId.keys()]) this.end(id);
  }

  #expired(s: Session): boolean {
    return this.now() - s.lastSeen > this.idleMs;
  }

  #sweep(): void {
    for (const s of [...this.#byId.values()]) if (this.#expired(s)) this.end(s.id);
  }
}

/** The Set-Cookie value for a session id; `secure` when the request came over TLS. */
export function sessionCookie(id: string, opts: { secure: boolean; maxAgeSeconds?: number }): string {
  const parts = [`${COOKIE}=${id}`, 'Path=/console', 'HttpOnly', 'SameSite=Strict'];
  if (opts.maxAgeSeconds !== undefined) parts.push(`Max-Age=${opts.maxAgeSeconds}`);
  if (opts.secure) parts.push('Secure');
  return parts.join('; ');
}

/** The Set-Cookie value that removes the session cookie. */
export const clearedCookie = (opts: { secure: boolean }) => sessionCookie('', { ...opts, maxAgeSeconds: 0 });

/** One cookie's value from a Cookie header. */
export function cookieValue(header: string | undefined, name: string = COOKIE): string | undefined {
  for (const pair of (header ?? '').split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
  }
  return undefined;
}
