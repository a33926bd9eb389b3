import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '@xterm/xterm/css/xterm.css';
import './styles.css';
import { App } from './components/App';
import { LabClient } from './app/labClient';

const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
const client = new LabClient(`${scheme}://${window.location.host}/ws`);
client.start();

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <App client={client} />
  </StrictMode>,
);
