// Portal entry: mounts the app. Everything the officer sees starts here; app.tsx decides signed-in or not.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.tsx';
import { TextProvider } from './i18n/use-text.tsx';
import './styles.css';

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <TextProvider>
        <App />
      </TextProvider>
    </StrictMode>,
  );
}
