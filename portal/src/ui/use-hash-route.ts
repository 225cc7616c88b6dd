// Portal UI: the route is the URL's hash (`#/inbox`, `#/exchange/<id>`), so the exchange serves one page and
// no path of the API is ever shadowed by the app.
import { useEffect, useState } from 'react';

export type Route =
  | { readonly page: 'boxes'; readonly box: 'inbox' | 'outbox' }
  | { readonly page: 'exchange'; readonly exchangeId: string }
  | { readonly page: 'request' }
  | { readonly page: 'audit'; readonly exchangeId: string }
  | { readonly page: 'keys' }
  | { readonly page: 'figures' }
  | { readonly page: 'directory' };

export function parseRoute(hash: string): Route {
  const [, page = '', id = ''] = hash.replace(/^#/, '').split('/');
  const safeId = /^[A-Za-z0-9_-]{1,64}$/.test(id) ? id : undefined;
  if (page === 'outbox') return { page: 'boxes', box: 'outbox' };
  if (page === 'exchange' && safeId) return { page: 'exchange', exchangeId: safeId };
  if (page === 'audit' && safeId) return { page: 'audit', exchangeId: safeId };
  if (page === 'new') return { page: 'request' };
  if (page === 'keys') return { page: 'keys' };
  if (page === 'figures') return { page: 'figures' };
  if (page === 'directory') return { page: 'directory' };
  return { page: 'boxes', box: 'inbox' };
}

export function useHashRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const update = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}
