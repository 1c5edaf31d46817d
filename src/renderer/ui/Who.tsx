// A person or device shown by name, with the id on hover (decision 0025). Never a bare prof_…/dev_….
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { isThisDevice, splitIds, whoLabel, type WhoRef } from './who';
import { useDirectory } from './directory-store';

let requested = false;
function useDirectoryLoaded() {
  // The labels are words in the language in use: re-render when it changes.
  useTranslation('ui');
  const directory = useDirectory((s) => s.directory);
  useEffect(() => {
    if (!requested) {
      requested = true;
      void useDirectory.getState().refresh();
    }
  }, []);
  return directory;
}

/** `tagSelf`: this device shows as the "this device" tag (lists where other rows name their device). */
export function Who(p: WhoRef & { className?: string; tagSelf?: boolean }) {
  const dir = useDirectoryLoaded();
  const l = whoLabel(dir, p);
  // This device's own row (the directory marks it local): shown as the "this device" tag.
  const tag = p.tagSelf && p.device && isThisDevice(dir, p.device);
  return (
    <span className={['who', l.known ? '' : 'who-unknown', tag ? 'tag' : '', p.className ?? ''].join(' ').trim()} title={l.title} data-who={l.title}>
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
