// Who is signed in: asks the service (GET /api/auth/me), shows the credential in the top bar, and opens the
// sign-in dialog when the service refuses a request with 401. Nothing shows when no credential is needed.
import { api } from './api.js';
import { credential, setCredential, onCredentialNeeded } from './credential.js';
import { emit } from './ui-hooks.js';
import { $ } from './dom.js';
import { setScopes } from './permissions.js';

let onSignedIn = () => {};

export function initSession(signedIn) {
  onSignedIn = signedIn;
  const dialog = $('#sign-in');
  $('#sign-in-form').addEventListener('submit', async event => {
    event.preventDefault();
    setCredential(new FormData(event.target).get('token').trim());
    if (await refresh()) {
      dialog.close();
      onSignedIn();
    } else {
      $('#sign-in-message').textContent = 'That credential was refused.';
    }
  });
  $('#sign-out').addEventListener('click', () => {
    setCredential('');
    $('#sign-in-message').textContent = '';
    refresh();
  });
  $('#who').addEventListener('click', () => dialog.showModal());
  onCredentialNeeded(token => {
    if (token === null && !dialog.open) {
      $('#sign-in-message').textContent = credential() ? 'The service refused this credential; give another.' : '';
      dialog.showModal();
    }
  });
  refresh();
}

async function refresh() {
  const who = $('#who');
  try {
    const me = await api.whoAmI();
    setScopes(me.scopes, me.credentialsRequired);
    who.hidden = !me.credentialsRequired;
    who.textContent = me.credential.replace(/^key:/, 'key ').replace(/^jwt:/, '') + (me.scopes === 'admin' ? ' · admin' : '');
    who.title = `Signed in as ${me.credential}, scopes: ${me.scopes || '(none)'}. Click to change.`;
    emit('signed-in', me);
    return true;
  } catch {
    who.hidden = true;
    return false;
  }
}
