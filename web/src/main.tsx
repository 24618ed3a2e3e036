import { render } from 'preact';
import { App } from './app';
import { restoreSession } from './auth';
import './styles.css';

const root = document.getElementById('app');
if (root !== null) {
  void restoreSession().finally(() => {
    render(<App />, root);
  });
}
