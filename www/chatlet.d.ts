// TypeScript declarations of Chatlet's page API: the ES module entry (`import { mount }
// from 'chatlet'`), the one-tag loader's `window.chatlet`, and the `chatlet:*` events on
// `window`, `document` and elements. tools/release.mjs writes the package's chatlet.d.ts
// from this file and the types chatlet-types writes from the widget's Rust types (the
// options and every event's detail), which take the place of the marker below.
// docs/embedding.md documents each call, option and event.

/* __GENERATED__ */

/** A `chatlet:*` event's detail: the event's own fields and the conversation's id (null
 * before the conversation exists: an `open` before the widget loaded, a `widget` error). */
export type Detail<K extends keyof ChatletEventDetails> = ChatletEventDetails[K] & {
  conversationId: string | null;
};

/** Every `chatlet:*` event, by name, as `addEventListener` hands it over. */
export type ChatletEventMap = {
  [K in keyof ChatletEventDetails]: CustomEvent<Detail<K>>;
};

/** An event's name without its `chatlet:` prefix, as `on` also takes it. */
export type ChatletEventShortName = keyof ChatletEventDetails extends infer K
  ? K extends `chatlet:${infer S}` ? S : never
  : never;

/** Who answers as the person who took the conversation over. */
export interface Person {
  /** Shown above their messages. */
  name?: string;
  /** A picture's URL. */
  avatar?: string;
}

/** One mounted window, as `mount` returns it. */
export interface ChatletWidget {
  /** The widget's host element (`<chatlet-widget>`), where its events are dispatched. */
  readonly element: HTMLElement;
  /** Opens the window (a bubble) and puts the text box in focus. */
  open(): void;
  /** Closes a bubble's window. */
  close(): void;
  /** Opens a closed bubble, closes an open one. */
  toggle(): void;
  /** Sends `text` as if the visitor typed it (the widget loads if it has not). */
  send(text: string): void;
  /** Sets a session variable the bot reads as `{$botContext.NAME}`. */
  setVariable(name: string, value: unknown): void;
  /** Starts the conversation over. */
  reset(): void;
  /** Shows `text` beside the closed launcher; none: hides it. */
  teaser(text?: string | null): void;
  /** Removes the window and forgets its conversation. */
  destroy(): void;
}

/** Mounts a window: inline in `element` (the default mode), or a bubble
 * (`mode: 'bubble'`, `element` unused: pass `null`). Throws a `TypeError` without
 * `options.bot`, or without an element for an inline window. */
export declare function mount(element: Element | null, options: MountOptions): ChatletWidget;
/** Opens the first window on the page. */
export declare function open(): void;
/** Closes the first window on the page. */
export declare function close(): void;
/** Toggles the first window on the page. */
export declare function toggle(): void;
/** Sends `text` to the first window on the page, as if the visitor typed it. */
export declare function send(text: string): void;
/** Sets a session variable of the first window's conversation. */
export declare function setVariable(name: string, value: unknown): void;
/** Starts the first window's conversation over. */
export declare function reset(): void;
/** Shows `text` beside the first window's closed launcher; none: hides it. */
export declare function teaser(text?: string | null): void;
/** The page's answer to a `chatlet:transfer` event: the person took the conversation
 * (`accepted`, with who they are) or nobody can (`failed`: the bot gets
 * `__agent_escalation_failed__`). */
export declare function reportTransfer(
  conversationId: string,
  outcome: 'accepted' | 'failed',
  who?: Person,
): void;
/** A message from the person who took the conversation over. */
export declare function agentMessage(conversationId: string, text: string, who?: Person): void;
/** The person hands the conversation back to the bot. */
export declare function endTransfer(conversationId: string): void;
/** Listens to a `chatlet:*` event of every window on the page, by its full name
 * (`'chatlet:message'`) or its short one (`'message'`). Returns what stops listening. */
export declare function on<K extends keyof ChatletEventMap>(
  type: K,
  listener: (event: ChatletEventMap[K]) => void,
): () => void;
export declare function on<S extends ChatletEventShortName>(
  type: S,
  listener: (event: ChatletEventMap[`chatlet:${S}`]) => void,
): () => void;

/** `window.chatlet`, which the one-tag loader (`chatlet.js`) installs. */
export interface ChatletApi {
  mount: typeof mount;
  open: typeof open;
  close: typeof close;
  toggle: typeof toggle;
  send: typeof send;
  setVariable: typeof setVariable;
  reset: typeof reset;
  teaser: typeof teaser;
  reportTransfer: typeof reportTransfer;
  agentMessage: typeof agentMessage;
  endTransfer: typeof endTransfer;
}

declare global {
  interface Window {
    /** Chatlet's page API, installed by the one-tag loader (`chatlet.js`). */
    chatlet: ChatletApi;
  }
  interface WindowEventMap extends ChatletEventMap {}
  interface DocumentEventMap extends ChatletEventMap {}
  interface HTMLElementEventMap extends ChatletEventMap {}
}
