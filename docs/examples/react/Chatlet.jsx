// A Chatlet window as a React component: mounted into its own element when the component
// mounts, removed with it. Every prop but `onMessage` is a mount option
// (docs/embedding.md "Options"); a new `bot` mounts a new window.
import { useEffect, useRef } from 'react';
import { mount } from 'chatlet';

export function Chatlet({ onMessage, style, ...options }) {
  const element = useRef(null);
  const listener = useRef(onMessage);
  listener.current = onMessage;
  useEffect(() => {
    const widget = mount(element.current, options);
    // Events bubble from the window's element: listening here hears this window only.
    const heard = (event) => listener.current?.(event.detail);
    element.current.addEventListener('chatlet:message', heard);
    const node = element.current;
    return () => {
      node.removeEventListener('chatlet:message', heard);
      widget.destroy();
    };
  }, [options.bot]); // eslint-disable-line react-hooks/exhaustive-deps
  return <div ref={element} style={{ height: 520, ...style }} />;
}
