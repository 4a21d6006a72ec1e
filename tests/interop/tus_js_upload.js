// Uploads a file to a tus server with tus-js-client (Node), as a foreign client would.
// Usage: node tus_js_upload.js ENDPOINT TOKEN FILE [override]
// With "override", every PATCH goes as POST with X-HTTP-Method-Override: PATCH, as a client in
// an environment without PATCH sends it.
const tus = require('tus-js-client');
const fs = require('fs');
const [endpoint, token, path, mode] = process.argv.slice(2);
const file = fs.readFileSync(path);
const upload = new tus.Upload(file, {
  endpoint,
  headers: { Authorization: `Bearer ${token}` },
  chunkSize: 50000,
  retryDelays: [0, 500],
  overridePatchMethod: mode === 'override',
  metadata: { filename: 'scan.pdf', filetype: 'application/pdf' },
  uploadSize: file.length,
  onError: (e) => { console.error('ERROR', e.message); process.exit(1); },
  onSuccess: () => { console.log('URL', upload.url); },
});
upload.start();
