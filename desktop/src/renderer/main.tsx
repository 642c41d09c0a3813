import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { installWebBridge } from '../renderer-bridge/index.js';
import { App } from './App.js';
import './styles/app.css';

// Electron: the preload already defined window.datacrypt (no-op). Browser: the web host client.
installWebBridge();

const root = document.getElementById('root');
if (root === null) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
