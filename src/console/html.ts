/**
 * HTML templating for the console. `esc` is the one escaping function: every value interpolated by
 * the `html` tag goes through it unless it is already `Html` (a fragment built by `html` itself),
 * so a page cannot put an unescaped value into markup by forgetting to call anything.
 */

/** A fragment of markup that is already safe: only `html` (and `joinHtml`) make these. */
export class Html {
  readonly #value: string;
  private constructor(value: string) {
    this.#value = value;
  }
  /** For this module only: the tag builds fragments from escaped parts. */
  static trusted(value: string): Html {
    return new Html(value);
  }
  toString(): string {
    return this.#value;
  }
}

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Escapes a value for element content and for quoted attribute values alike. */
export function esc(value: unknown): string {
  return String(value).replace(/[&<>"'`]/g, (c) => ENTITIES[c] ?? c);
}

type Part = Html | string | number | boolean | null | undefined | readonly Part[];

function render(v: Part): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof Html) return v.toString();
  if (Array.isArray(v)) return v.map((x: Part) => render(x)).join('');
  return esc(v);
}

/** Tagged template: literal parts are markup, interpolated values are escaped (arrays joined). */
export function html(strings: TemplateStringsArray, ...values: readonly Part[]): Html {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += render(v) + (strings[i + 1] ?? '');
  });
  return Html.trusted(out);
}
