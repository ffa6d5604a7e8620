/**
 * Provider families by declaration: an HTTP token API described as data (src/providers/families/*),
 * run by one generic adapter (src/providers/http-family.ts), and the config of an instance of one.
 *
 * Templates (paths, bodies) substitute, URL-encoded in paths:
 * - `{id}` the task's providerId; `{id.0}`, `{id.1}`… its `:`-separated parts (`project:tokenId`);
 * - `{secret}` the leaked value itself (revoke/verify by value);
 * - `{secretId}` the provider id carried inside the value (`idFromSecret`: SendGrid's `SG.<id>.<key>`);
 * - `{var.NAME}` a configured variable (Twilio's account SID, an Atlassian org id).
 */
import { z } from 'zod';
import { RateBudgetSetting, SecretSetting } from '../common.js';

const Template = z.string().min(1).max(500);
const Method = z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
const Scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** An answer that means something (gone, dead): a status, optionally with a body field's value. */
export const AnswerMatch = z
  .object({
    status: z.number().int().min(100).max(599),
    /** Dotted path into the JSON body (`error.invalidToken`, `errors.0.code`). */
    field: z.string().min(1).optional(),
    /** The field's value; with `field` and no `equals`, the field being present and truthy. */
    equals: Scalar.optional(),
    /**
     * Dead when the list (the body, or the array at `list`) has no element whose `key` equals the
     * providerId's last `:`-separated part (Atlassian lists a user's API tokens; a deleted one is gone).
     */
    notListed: z
      .object({ list: z.string().min(1).optional(), key: z.string().min(1) })
      .strict()
      .optional(),
  })
  .strict();
export type AnswerMatch = z.infer<typeof AnswerMatch>;

/** How one part of the adapter's own authentication is sent, from configured secrets. */
export const AuthPart = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('header'),
      header: z.string().min(1),
      /** `{}` is replaced by the secret: `Bearer {}`, `Token token={}`, `{}` (Datadog's DD-API-KEY). */
      format: z.string().includes('{}').default('Bearer {}'),
      secret: z.string().min(1),
    })
    .strict(),
  z.object({ type: z.literal('basic'), user: z.string().min(1), password: z.string().min(1) }).strict(),
]);
export type AuthPart = z.infer<typeof AuthPart>;

export const FamilyRequest = z
  .object({
    method: Method,
    /** Key into the family's `baseUrls`. */
    base: z.string().min(1).default('api'),
    path: Template,
    /** `admin`: the configured credentials; `token`: the leaked value itself authenticates. */
    auth: z.enum(['admin', 'token']),
    json: z.record(z.string(), Template).optional(),
    form: z.record(z.string(), Template).optional(),
    /** Answers to a revoke meaning "already gone" (outcome already_revoked). */
    gone: z.array(AnswerMatch).default([]),
  })
  .strict();
export type FamilyRequest = z.infer<typeof FamilyRequest>;
export type FamilyRequestInput = z.input<typeof FamilyRequest>;

export const FamilyVerify = FamilyRequest.omit({ gone: true })
  .extend({
    /** Answers proving the credential dead; any other 2xx means alive. */
    dead: z.array(AnswerMatch).min(1),
  })
  .strict();
export type FamilyVerify = z.infer<typeof FamilyVerify>;
export type FamilyVerifyInput = z.input<typeof FamilyVerify>;

/** A dotted path into a listed item (`attributes.created_at`, `user.id`). */
const ItemPath = z.string().min(1).max(200);

/**
 * How a listing pages. Every kind stops at an empty page too, so a provider that caps the page size
 * below the one asked for is still read to the end:
 * - `link`: the `Link: <…>; rel="next"` header (RFC 8288), followed only on the same origin and path;
 * - `page`: a page number (`param`, from `first`) or an item offset (`unit: item`), with the page
 *   size in `sizeParam`; it stops where the body says there is no more (`more` falsy, or the
 *   page number reached `totalPages`);
 * - `cursor`: the body's `field` (`pagination.next`) sent back as `param`, until it is absent;
 * - `next`: the body's `field` holds the next page's URL or absolute path (npm `urls.next`, Twilio
 *   `next_page_uri`), followed only on the same origin.
 */
export const FamilyPaging = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none') }).strict(),
  z.object({ type: z.literal('link') }).strict(),
  z
    .object({
      type: z.literal('page'),
      param: z.string().min(1),
      first: z.number().int().min(0).default(1),
      unit: z.enum(['page', 'item']).default('page'),
      sizeParam: z.string().min(1),
      size: z.number().int().min(1).max(1000),
      more: ItemPath.optional(),
      totalPages: ItemPath.optional(),
    })
    .strict(),
  z.object({ type: z.literal('cursor'), param: z.string().min(1), field: ItemPath }).strict(),
  z.object({ type: z.literal('next'), field: ItemPath }).strict(),
]);
export type FamilyPaging = z.infer<typeof FamilyPaging>;

/**
 * Listing a kind's credentials for discovery (src/discovery/family.ts): a GET with the adapter's own
 * credentials, the items' array, how it pages, and where each field of a discovered credential is
 * in an item. Only the fields named here are read from an item: a listing may carry a secret
 * (Heroku lists access tokens with their value), and nothing else of it is kept.
 */
export const FamilyList = z
  .object({
    base: z.string().min(1).default('api'),
    path: Template,
    /** Fixed query parameters (`per_page` when the page size has no paging parameter). */
    query: z.record(z.string(), z.string()).default({}),
    /** The items' array in the body; absent: the body is the array. */
    items: ItemPath.optional(),
    paging: FamilyPaging.default({ type: 'none' }),
    /** The providerId the by-id actions take: `{id}`, `{project_id}:{id}` (item paths in braces). */
    providerId: Template,
    ownerIdentity: ItemPath.optional(),
    owner: ItemPath.optional(),
    /** An array of strings, or one string of space- or comma-separated scopes. */
    scopes: ItemPath.optional(),
    /** ISO 8601 text, or a Unix time in seconds or milliseconds. */
    issuedAt: ItemPath.optional(),
    lastUsedAt: ItemPath.optional(),
    expiresAt: ItemPath.optional(),
    /** Active only while this field equals this value (GitLab `active` true); otherwise disabled. */
    activeWhen: z.object({ field: ItemPath, equals: Scalar }).strict().optional(),
    /** Item fields kept as labels (`name`, `readonly`), stringified and cut to 200 characters. */
    labels: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,39}$/), ItemPath).default({}),
    /** The item is also an account at the provider (PagerDuty users): its identity event. */
    identity: z
      .object({ identity: ItemPath, email: ItemPath.optional(), displayName: ItemPath.optional() })
      .strict()
      .optional(),
    /** What a refused listing names: the permission or scope the configured credential lacks. */
    permission: z.string().min(1),
  })
  .strict();
export type FamilyList = z.infer<typeof FamilyList>;
export type FamilyListInput = z.input<typeof FamilyList>;

export const FamilyKind = z
  .object({
    /** `<family>.<kind>`: the same name the classifier gives a leaked value of this format. */
    kind: z.string().regex(/^[a-z0-9_]+\.[a-z0-9_]+$/),
    /** Revoke by value: the leak carries the secret. */
    byValue: FamilyRequest.optional(),
    verifyByValue: FamilyVerify.optional(),
    /** Revoke by the provider-side id (inventory `providerId`). */
    byId: FamilyRequest.optional(),
    verifyById: FamilyVerify.optional(),
    /** The provider id inside the value: split on `split`, take part `index`. */
    idFromSecret: z
      .object({ split: z.string().min(1), index: z.number().int().min(0) })
      .strict()
      .optional(),
    /** What providerId holds, for the operator (`project_id:token_id`). */
    providerId: z.string().optional(),
    /**
     * The providerId is a person's account at the instance (her `identities` entry): an offboarding
     * runs the by-id action from her identity alone (PagerDuty: her user id → her sessions).
     */
    identity: z.boolean().default(false),
    /** How discovery lists this kind's credentials (absent: the provider has no such listing). */
    list: FamilyList.optional(),
  })
  .strict()
  .refine((k) => k.byValue !== undefined || k.byId !== undefined, 'a kind needs byValue or byId');
export type FamilyKind = z.infer<typeof FamilyKind>;

export const FamilyDefinition = z
  .object({
    /** Provider type: what the classifier's providerType names (`gitlab`, `npm`). */
    name: z.string().regex(/^[a-z][a-z0-9_]*$/),
    title: z.string().min(1),
    /** The provider's documentation the definition follows. */
    docs: z.array(z.url()).min(1),
    baseUrls: z.record(z.string(), z.url()).refine((b) => 'api' in b, 'baseUrls needs `api`'),
    /** Headers every request sends (versioned Accept headers). */
    headers: z.record(z.string(), z.string()).default({}),
    /** The adapter's own credentials (when some kind uses `auth: admin`). */
    auth: z.array(AuthPart).default([]),
    /** How the leaked value authenticates itself (`auth: token`). */
    tokenAuth: z
      .object({ header: z.string().min(1), format: z.string().includes('{}').default('Bearer {}') })
      .strict()
      .default({ header: 'authorization', format: 'Bearer {}' }),
    /** Configured secrets and variables, with what each is for (shown by `tourniquet providers`). */
    secrets: z.record(z.string(), z.string()).default({}),
    vars: z.record(z.string(), z.string()).default({}),
    kinds: z.array(FamilyKind).min(1),
    /** Where a rate-limited answer says when to come back. */
    rateLimit: z
      .object({
        retryAfter: z.array(z.string()).default(['retry-after']),
        /** Headers holding a UTC epoch second. */
        resetEpoch: z.array(z.string()).default([]),
        /** Headers holding seconds from now (RateLimit-Reset, IETF draft). */
        resetSeconds: z.array(z.string()).default([]),
        /** Statuses besides 429 that mean rate limited. */
        statuses: z.array(z.number().int()).default([429]),
      })
      .strict()
      .prefault({}),
    propagationMs: z.number().int().nonnegative(),
    rateBudget: RateBudgetSetting,
  })
  .strict();
export type FamilyDefinition = z.infer<typeof FamilyDefinition>;
export type FamilyDefinitionInput = z.input<typeof FamilyDefinition>;

export const FamilyProviderConfig = z
  .object({
    type: z.literal('http_family'),
    name: z.string().min(1),
    /** The definition's `name` (`tourniquet providers` lists them). */
    family: z.string().min(1),
    /** Overrides of the definition's base URLs (self-hosted GitLab, Datadog EU, a fake in tests). */
    baseUrls: z.record(z.string(), z.url()).default({}),
    secrets: z.record(z.string(), SecretSetting).default({}),
    vars: z.record(z.string(), z.string().min(1)).default({}),
    /** Restricts the kinds this instance serves (default: all the definition's). */
    credentialKinds: z.array(z.string()).min(1).optional(),
    timeoutMs: z.number().int().positive().default(10_000),
    propagationMs: z.number().int().nonnegative().optional(),
    rateBudget: RateBudgetSetting.optional(),
  })
  .strict();
export type FamilyProviderConfig = z.infer<typeof FamilyProviderConfig>;
export type FamilyProviderConfigInput = z.input<typeof FamilyProviderConfig>;
