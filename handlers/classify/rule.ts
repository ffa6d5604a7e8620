/** One recognisable token format: what a leaked value matching it is, and where it is revoked. */
export interface TokenRule {
  readonly pattern: RegExp;
  readonly tokenType: string;
  readonly providerType: string;
  readonly credential?: false;
  /** Extra condition beyond the pattern, to keep short prefixes from matching ordinary text. */
  readonly also?: (value: string) => boolean;
  /** A built-in checksum (npm): whether it holds. A failing checksum = not a real token. */
  readonly checksum?: (value: string) => boolean;
}
