import { Fragment, type ReactNode } from 'react';

/** Stands for the value in a translated message; never part of a message itself. */
export const VALUE_MARK = '\u2063';

/**
 * A whole translated sentence with one value set in its own element (e.g. a monospace id): the
 * message is asked for with `VALUE_MARK` as that argument, and the element goes where the mark lands,
 * so translators keep the sentence whole and place the value as their language needs.
 */
export function InlineValue({ text, children }: { text: string; children: ReactNode }) {
  const parts = text.split(VALUE_MARK);
  return (
    <>
      {parts.map((p, i) => (
        <Fragment key={i}>
          {i > 0 && children}
          {p}
        </Fragment>
      ))}
    </>
  );
}
