/** The fleet view's one script: draws the view the server named in <body data-view>. */
import { agentsView } from './agents.js';
import { billingView } from './billing.js';
import { VIEW } from './chrome.js';
import { deviceView } from './device.js';
import { devicesView } from './devices.js';

if (VIEW === 'devices') devicesView();
else if (VIEW === 'device') void deviceView();
else if (VIEW === 'billing') void billingView();
else agentsView();
