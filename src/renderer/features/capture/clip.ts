// Long values (a 100 KB paste) shown in lists: clipped in the text, and the full value as a tooltip
// only while it is short enough to be read there.

/** Characters of a value shown in a list row. */
export const CLIP_CHARS = 200;
/** The longest value put whole into a `title` attribute. */
export const TITLE_MAX_CHARS = 1000;

/** `text` with whitespace runs collapsed, cut to `max` characters (code points) with an ellipsis. */
export function clipText(text: string, max = CLIP_CHARS): string {
  const flat = text.length > max * 8 ? text.slice(0, max * 8) : text; // never scan all of a huge paste
  const squeezed = flat.replace(/\s+/g, ' ').trim();
  const chars = Array.from(squeezed);
  if (chars.length <= max && flat.length === text.length) return squeezed;
  return `${chars
    .slice(0, max - 1)
    .join('')
    .trimEnd()}…`;
}

/** A tooltip for a clipped value: the whole of it when short, none when it would be too long. */
export function clipTitle(text: string, max = TITLE_MAX_CHARS): string | undefined {
  return text.length <= max ? text : undefined;
}
