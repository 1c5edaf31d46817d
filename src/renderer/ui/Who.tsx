// A person or device shown by name, with the id on hover (decision 0025). Never a bare prof_…/dev_….
import { useEffect } from 'react';
import { splitIds, whoLabel, type WhoRef } from './who';
import { useDirectory } from './directory-store';

let requested = false;
function useDirectoryLoaded() {
  const directory = useDirectory((s) => s.directory);
  useEffect(() => {
    if (!requested) {
      requested = true;
      void useDirectory.getState().refresh();
    }
  }, []);
  return directory;
}

export function Who(p: WhoRef & { className?: string }) {
  const dir = useDirectoryLoaded();
  const l = whoLabel(dir, p);
  return (
    <span className={['who', l.known ? '' : 'who-unknown', p.className ?? ''].join(' ').trim()} title={l.title} data-who={l.title}>
      {l.text}
    </span>
  );
}

/** Free text with any ids inside it shown by name (audit subjects, rationales, messages). */
export function Named({ text }: { text: string }) {
  const dir = useDirectoryLoaded();
  return (
    <>
      {splitIds(dir, text).map((part, i) =>
        typeof part === 'string' ? (
          part
        ) : (
          <span key={i} className={part.known ? 'who' : 'who who-unknown'} title={part.title}>
            {part.text}
          </span>
        ),
      )}
    </>
  );
}
