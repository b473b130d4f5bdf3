// The API key (or JWT) this tab uses, when the service asks for one. Kept in sessionStorage: it lasts as long as
// the tab and is never written to disk or shared with other tabs.
const storageKey = 'sluice.credential';
const listeners = new Set();

export function credential() {
  return sessionStorage.getItem(storageKey) ?? '';
}

export function setCredential(token) {
  if (token) sessionStorage.setItem(storageKey, token);
  else sessionStorage.removeItem(storageKey);
  for (const listener of listeners) listener(token);
}

// Called when a request was refused with 401: the service needs a (new) credential.
export function onCredentialNeeded(listener) {
  listeners.add(listener);
}

export function credentialNeeded() {
  for (const listener of listeners) listener(null);
}

export function authorizationHeaders() {
  const token = credential();
  return token ? { authorization: `Bearer ${token}` } : {};
}
