// A reason or a next step as decision cards and run records keep it: a message (code and params,
// worded by the renderer in the reader's language), or a plain string on rows stored before
// messages (decision 0030), which is shown as it is. Nothing stored is rewritten.
import { Type } from '@sinclair/typebox';
import { messageForLog, messageSchema, type Message } from '../messages';

export const reasonSchema = Type.Union([Type.String(), messageSchema]);
export type Reason = string | Message;

/** A reason as one line of text for logs, audit entries and search: a string as it is, a message as `code {params}`. */
export const reasonForLog = (r: Reason): string => (typeof r === 'string' ? r : messageForLog(r));
