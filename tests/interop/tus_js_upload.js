// Uploads a file to a tus server with tus-js-client (Node), as a foreign client would.
const tus = require('tus-js-client');
const fs = require('fs');
const [endpoint, token, path] = process.argv.slice(2);
const file = fs.readFileSync(path);
const upload = new tus.Upload(file, {
  endpoint,
  headers: { Authorization: `Bearer ${token}` },
  chunkSize: 50000,
  retryDelays: [0, 500],
  metadata: { filename: 'scan.pdf', filetype: 'application/pdf' },
  uploadSize: file.length,
  onError: (e) => { console.error('ERROR', e.message); process.exit(1); },
  onSuccess: () => { console.log('URL', upload.url); },
});
upload.start();
