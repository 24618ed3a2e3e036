import { useState } from 'preact/hooks';
import { describeError } from '../api/client';
import { signIn, signInNotice } from '../auth';
import { Alert, Button, Field } from '../components/ui';

export function SignInScreen() {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const trimmed = key.trim();
    if (trimmed === '') {
      setError('Paste an API key.');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await signIn(trimmed);
    } catch (reason) {
      setError(describeError(reason));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="signin" id="main">
      <form class="panel signin-panel" onSubmit={(event) => void submit(event)} noValidate>
        <div class="brand brand-large">
          <span class="brand-mark" aria-hidden="true" />
          WA Blaster
        </div>
        <h1>Sign in</h1>
        <p class="muted">
          Paste an API key. The admin key is in <code>DATA_DIR/admin-api-key</code> (or <code>ADMIN_API_KEY</code>); an
          admin can create keys limited to one business unit. The key stays in this tab only.
        </p>
        {signInNotice.value !== undefined && <Alert kind="warning">{signInNotice.value}</Alert>}
        <Field id="api-key" label="API key" error={error}>
          <input
            id="api-key"
            name="api-key"
            type="password"
            autoComplete="off"
            spellcheck={false}
            value={key}
            onInput={(event) => { setKey(event.currentTarget.value); }}
            aria-invalid={error !== undefined}
            autoFocus
          />
        </Field>
        <Button type="submit" variant="primary" busy={busy}>
          Sign in
        </Button>
      </form>
    </main>
  );
}
