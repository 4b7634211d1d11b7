// A real OpenID Connect provider for the realmgate tests: panva's oidc-provider
// (pinned in package.json) on 127.0.0.1, plus a test-control layer under
// /__test/ on the same port.  Started by tests/integration/peers_oidc.py.
//
//   node provider.mjs [--port N] [--redirect-uris URI,URI...] [--state-dir DIR]
//   env:  OP_PORT, OP_REDIRECT_URIS, OP_STATE_DIR (the options win)
//
// --port 0 (the default) listens on a free port first and builds the issuer
// from it.  Prints "READY <issuer>" on stdout once requests are served.
//
// Clients (code flow, PKCE S256 required):
//   pve      / pve-secret       client_secret_basic
//   pve-post / pve-post-secret  client_secret_post
// Redirect URIs: the registered list (--redirect-uris; default
// http://127.0.0.1/ and https://127.0.0.1/), any http(s)://127.0.0.1:PORT/
// (path "/" exactly, any port; also without the "/", the window.location.origin
// form a Proxmox-style web page sends), and whatever POST /__test/redirects
// added.
// oidc-provider itself only does exact matching (loopback port wildcards
// only for native clients over http), so Client#redirectUriAllowed is
// wrapped.
//
// Accounts (login name = sub; the devInteractions login form, with the
// password checked here - oidc-provider's dev login accepts any password):
//   alice/alicepw  groups ["admins","devs"], email
//   bob/bobpw      groups ["devs","Domain Ops","bad:name"]
//   carol/carolpw  no groups claim, no email
//   dave/davepw    groups "devs" (a string, not an array)
//
// Test control (JSON in and out):
//   POST /__test/mode {"mode": M}      how the next /token answers' id_token
//        is mangled (see MODES); stays until changed
//   POST /__test/rotate {"drop_old": bool}  new RSA signing key, new kid
//   POST /__test/discovery {"broken": bool, "how": "500"|"json"}
//   POST /__test/fault {"endpoint": E, "how": H}   a hostile provider: every
//        following request to endpoint E (discovery, jwks, token, userinfo)
//        is answered as H until changed ("none" turns it off):
//          500         HTTP 500 with a JSON error
//          json        200, a JSON document cut off in the middle
//          not-object  200, a JSON array instead of an object
//          huge        200, a valid JSON object of 12 MiB
//          hang        the request is read and never answered
//          drip        200, a valid document sent one byte every 200 ms
//          junk-keys   200, a JWKS whose keys (one with the signing kid)
//                      are broken: bad base64url, an unknown curve, not
//                      objects at all
//   POST /__test/redirects {"add": [uri...]}  allow further redirect URIs
//   POST /__test/reset                 mode normal, discovery fine, counters 0
//   GET  /__test/state                 mode, kids, signing kid, counters
// The token endpoint insists on each client's registered authentication
// method (oidc-provider alone takes client_secret_basic and _post from any
// client_secret_* client): pve with the secret in the body, or pve-post with
// an Authorization: Basic header, gets 401 invalid_client.
// Keys live in STATE_DIR/keys.json (when given), so a restart keeps them;
// mode, discovery breakage and counters do not survive a restart.
import http from 'node:http';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Provider from 'oidc-provider';
// oidc-provider's quick-start memory adapter, made once and shared by every
// Provider instance this process builds (a rotation builds a new one), so
// sessions, grants and codes survive rotate().  No "exports" map in the
// package: the deep import works for the pinned version.
import { createMemoryAdapter } from 'oidc-provider/lib/adapters/memory_adapter.js';

const HOST = '127.0.0.1';

// options ------------------------------------------------------------------
function parseArgs(argv) {
  const o = {
    port: process.env.OP_PORT ?? '0',
    redirectUris: process.env.OP_REDIRECT_URIS ?? '',
    stateDir: process.env.OP_STATE_DIR ?? '',
  };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    const v = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      i += 1;
      return argv[i];
    };
    if (a === '--port') o.port = v();
    else if (a === '--redirect-uris') o.redirectUris = v();
    else if (a === '--state-dir') o.stateDir = v();
    else throw new Error(`unknown argument ${a}`);
  }
  o.port = Number(o.port);
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) throw new Error('bad port');
  o.redirectUris = o.redirectUris.split(',').map((s) => s.trim()).filter(Boolean);
  if (o.redirectUris.length === 0) o.redirectUris = ['http://127.0.0.1/', 'https://127.0.0.1/'];
  return o;
}
const OPTS = parseArgs(process.argv.slice(2));

// accounts -----------------------------------------------------------------
const ACCOUNTS = {
  alice: {
    password: 'alicepw',
    claims: {
      preferred_username: 'alice', name: 'Alice Example', given_name: 'Alice', family_name: 'Example',
      email: 'alice@example.org', email_verified: true, groups: ['admins', 'devs'],
    },
  },
  bob: {
    password: 'bobpw',
    claims: {
      preferred_username: 'bob', name: 'Bob Example', given_name: 'Bob', family_name: 'Example',
      email: 'bob@example.org', email_verified: false, groups: ['devs', 'Domain Ops', 'bad:name'],
    },
  },
  carol: {
    password: 'carolpw',
    claims: { preferred_username: 'carol', name: 'Carol Example', given_name: 'Carol', family_name: 'Example' },
  },
  dave: {
    password: 'davepw',
    claims: {
      preferred_username: 'dave', name: 'Dave Example', given_name: 'Dave', family_name: 'Example',
      email: 'dave@example.org', email_verified: true, groups: 'devs',
    },
  },
};

const CLIENTS = [
  { client_id: 'pve', client_secret: 'pve-secret', token_endpoint_auth_method: 'client_secret_basic' },
  { client_id: 'pve-post', client_secret: 'pve-post-secret', token_endpoint_auth_method: 'client_secret_post' },
];

// keys ---------------------------------------------------------------------
const KEYS_FILE = OPTS.stateDir ? path.join(OPTS.stateDir, 'keys.json') : '';

function newRsaJwk(kid) {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
}

function newKid() {
  return `rsa-${crypto.randomBytes(6).toString('hex')}`;
}

// keys[0] is the signing key (oidc-provider signs with the first match)
let keys;
if (KEYS_FILE && fs.existsSync(KEYS_FILE)) {
  keys = JSON.parse(fs.readFileSync(KEYS_FILE, 'utf8')).keys;
} else {
  keys = [newRsaJwk(newKid())];
}
function saveKeys() {
  if (!KEYS_FILE) return;
  fs.mkdirSync(OPTS.stateDir, { recursive: true });
  fs.writeFileSync(`${KEYS_FILE}.tmp`, JSON.stringify({ keys }), { mode: 0o600 });
  fs.renameSync(`${KEYS_FILE}.tmp`, KEYS_FILE);
}
saveKeys();

let foreignKey; // an RSA key that is never in the JWKS (lazily made)
function getForeignKey() {
  if (!foreignKey) foreignKey = newRsaJwk('foreign');
  return foreignKey;
}

function privateKeyObject(jwk) {
  return crypto.createPrivateKey({ key: jwk, format: 'jwk' });
}

function publicPem(jwk) {
  return crypto.createPublicKey({ key: { kty: jwk.kty, n: jwk.n, e: jwk.e }, format: 'jwk' })
    .export({ type: 'spki', format: 'pem' });
}

// JWT helpers --------------------------------------------------------------
const b64u = (buf) => Buffer.from(buf).toString('base64url');
const b64uJson = (obj) => b64u(JSON.stringify(obj));

function decodeJwt(token) {
  const [h, p, s] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(h, 'base64url').toString('utf8')),
    payload: JSON.parse(Buffer.from(p, 'base64url').toString('utf8')),
    parts: [h, p, s],
  };
}

function signRs256(header, payload, jwk) {
  const input = `${b64uJson(header)}.${b64uJson(payload)}`;
  const sig = crypto.sign('sha256', Buffer.from(input), privateKeyObject(jwk));
  return `${input}.${b64u(sig)}`;
}

function signingJwkFor(kid) {
  return keys.find((k) => k.kid === kid) || keys[0];
}

// the id_token mangling modes ------------------------------------------------
const now = () => Math.floor(Date.now() / 1000);
const MODES = {
  normal: null,
  // RS256 with a fresh key that is not in the JWKS, the real kid
  'unknown-key': (h, p) => signRs256(h, p, getForeignKey()),
  // RS256 with a fresh key, a kid that is not in the JWKS
  'unknown-kid': (h, p) => signRs256({ ...h, kid: 'unknown-kid-not-in-jwks' }, p, getForeignKey()),
  // alg none, empty signature ("h.p.")
  'alg-none': (h, p) => `${b64uJson({ ...h, alg: 'none' })}.${b64uJson(p)}.`,
  // HS256 keyed with the provider's public key PEM (SPKI, as exported, with
  // its final newline): the RS/HS key-confusion attack
  'hs256-pubkey': (h, p) => {
    const hh = { ...h, alg: 'HS256' };
    const input = `${b64uJson(hh)}.${b64uJson(p)}`;
    const mac = crypto.createHmac('sha256', publicPem(signingJwkFor(h.kid))).update(input).digest();
    return `${input}.${b64u(mac)}`;
  },
  'wrong-aud': (h, p, own) => own(h, { ...p, aud: 'someone-else' }),
  'wrong-iss': (h, p, own) => own(h, { ...p, iss: `http://${HOST}:1/not-the-issuer` }),
  'wrong-nonce': (h, p, own) => own(h, { ...p, nonce: 'not-the-nonce-you-sent' }),
  // exp one hour ago, iat one hour and a minute ago
  expired: (h, p, own) => own(h, { ...p, iat: now() - 3660, exp: now() - 3600 }),
  // iat one hour ahead, exp one hour after that
  'future-iat': (h, p, own) => own(h, { ...p, iat: now() + 3600, exp: now() + 7200 }),
  'no-sub': (h, p, own) => {
    const q = { ...p };
    delete q.sub;
    delete q.preferred_username;
    return own(h, q);
  },
  // original header and payload, one signature byte flipped
  'bad-signature': (h, p, own, parts) => {
    const sig = Buffer.from(parts[2], 'base64url');
    sig[Math.floor(sig.length / 2)] ^= 0x01;
    return `${parts[0]}.${parts[1]}.${b64u(sig)}`;
  },
};

const FAULT_ENDPOINTS = {
  discovery: '/.well-known/openid-configuration', jwks: '/jwks', token: '/token', userinfo: '/me',
};
const FAULT_HOWS = ['none', '500', 'json', 'not-object', 'huge', 'hang', 'drip', 'junk-keys'];
const hanging = new Set(); // responses of "hang" faults, ended at reset

const state = {
  mode: 'normal',
  faults: {},
  discoveryBroken: false,
  discoveryHow: '500',
  extraRedirects: new Set(),
  counters: {},
  lastMangled: null,
};
function resetCounters() {
  state.counters = {
    token: 0, token_auth_refused: 0, jwks: 0, discovery: 0, auth: 0, userinfo: 0, interaction: 0,
  };
}
resetCounters();

function mangle(idToken) {
  const fn = MODES[state.mode];
  if (!fn) return idToken;
  const { header, payload, parts } = decodeJwt(idToken);
  const own = (h, p) => signRs256(h, p, signingJwkFor(h.kid));
  state.lastMangled = state.mode;
  return fn(header, payload, own, parts);
}

// the provider ---------------------------------------------------------------
const LOOPBACK_ROOT = /^https?:\/\/127\.0\.0\.1:([0-9]{1,5})\/?$/;
function loopbackRootAllowed(uri) {
  const m = LOOPBACK_ROOT.exec(uri);
  if (!m) return false;
  const port = Number(m[1]);
  return port >= 1 && port <= 65535 && String(port) === m[1];
}

const sharedAdapter = createMemoryAdapter();

let issuer;
let provider;
let callback;

function makeProvider() {
  const p = new Provider(issuer, {
    clients: CLIENTS.map((c) => ({
      ...c,
      redirect_uris: [...OPTS.redirectUris],
      response_types: ['code'],
      grant_types: ['authorization_code'],
    })),
    jwks: { keys: keys.map((k) => ({ ...k })) },
    adapter: sharedAdapter,
    claims: {
      openid: ['sub'],
      profile: ['name', 'given_name', 'family_name', 'preferred_username'],
      email: ['email', 'email_verified'],
      groups: ['groups'],
    },
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    cookies: { keys: ['realmgate-test-cookie-key-0123456789'] },
    features: { devInteractions: { enabled: true } },
    async findAccount(ctx, sub) {
      const a = ACCOUNTS[sub];
      if (!a) return undefined;
      return { accountId: sub, async claims() { return { sub, ...structuredClone(a.claims) }; } };
    },
  });
  p.proxy = false;

  // every Provider has its own Client class: widen its redirect URI check
  const orig = p.Client.prototype.redirectUriAllowed;
  p.Client.prototype.redirectUriAllowed = function redirectUriAllowed(value) {
    return orig.call(this, value) || loopbackRootAllowed(value) || state.extraRedirects.has(value);
  };

  // the token "proxy": runs after oidc-provider's /token action
  p.use(async (ctx, next) => {
    await next();
    if (ctx.method === 'POST' && ctx.path === '/token' && ctx.status === 200
        && ctx.body && typeof ctx.body === 'object' && typeof ctx.body.id_token === 'string') {
      ctx.body = { ...ctx.body, id_token: mangle(ctx.body.id_token) };
    }
  });
  return p;
}

function install() {
  provider = makeProvider();
  callback = provider.callback();
}

// test control ---------------------------------------------------------------
function stateJson() {
  return {
    issuer,
    mode: state.mode,
    modes: Object.keys(MODES),
    kids: keys.map((k) => k.kid),
    signing_kid: keys[0].kid,
    discovery_broken: state.discoveryBroken,
    faults: { ...state.faults },
    discovery_how: state.discoveryHow,
    extra_redirects: [...state.extraRedirects],
    registered_redirects: OPTS.redirectUris,
    last_mangled: state.lastMangled,
    counters: { ...state.counters },
    pid: process.pid,
  };
}

function sendJson(res, status, obj) {
  const body = JSON.stringify(obj);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(body);
}

function testControl(req, res, body) {
  const url = new URL(req.url, issuer);
  let input = {};
  if (body) {
    try {
      input = JSON.parse(body);
    } catch {
      return sendJson(res, 400, { error: 'invalid JSON' });
    }
    if (!input || typeof input !== 'object' || Array.isArray(input)) {
      return sendJson(res, 400, { error: 'JSON object expected' });
    }
  }
  const route = `${req.method} ${url.pathname}`;
  switch (route) {
    case 'GET /__test/state':
      return sendJson(res, 200, stateJson());
    case 'POST /__test/mode':
      if (!Object.hasOwn(MODES, input.mode)) {
        return sendJson(res, 400, { error: `unknown mode ${JSON.stringify(input.mode)}`, modes: Object.keys(MODES) });
      }
      state.mode = input.mode;
      return sendJson(res, 200, stateJson());
    case 'POST /__test/rotate': {
      const k = newRsaJwk(newKid());
      keys = input.drop_old ? [k] : [k, ...keys];
      saveKeys();
      install(); // jwks is a constructor option: a new Provider, same storage
      return sendJson(res, 200, stateJson());
    }
    case 'POST /__test/discovery':
      if (typeof input.broken !== 'boolean') return sendJson(res, 400, { error: 'broken: boolean expected' });
      if (input.how !== undefined && !['500', 'json'].includes(input.how)) {
        return sendJson(res, 400, { error: 'how: "500" or "json"' });
      }
      state.discoveryBroken = input.broken;
      state.discoveryHow = input.how ?? '500';
      return sendJson(res, 200, stateJson());
    case 'POST /__test/fault':
      if (!Object.hasOwn(FAULT_ENDPOINTS, input.endpoint)) {
        return sendJson(res, 400, { error: `endpoint: one of ${Object.keys(FAULT_ENDPOINTS)}` });
      }
      if (!FAULT_HOWS.includes(input.how)) return sendJson(res, 400, { error: `how: one of ${FAULT_HOWS}` });
      if (input.how === 'none') delete state.faults[input.endpoint];
      else state.faults[input.endpoint] = input.how;
      return sendJson(res, 200, stateJson());
    case 'POST /__test/redirects':
      if (!Array.isArray(input.add) || !input.add.every((u) => typeof u === 'string')) {
        return sendJson(res, 400, { error: 'add: list of strings expected' });
      }
      input.add.forEach((u) => state.extraRedirects.add(u));
      return sendJson(res, 200, stateJson());
    case 'POST /__test/reset':
      state.mode = 'normal';
      state.discoveryBroken = false;
      state.discoveryHow = '500';
      state.faults = {};
      hanging.forEach((r) => r.destroy());
      hanging.clear();
      state.lastMangled = null;
      resetCounters();
      return sendJson(res, 200, stateJson());
    default:
      return sendJson(res, 404, { error: `no test route ${route}` });
  }
}

// the HTTP server --------------------------------------------------------------
function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

// the registered method of the client a token request authenticates as,
// if the request uses the other one: a reason; else undefined
function wrongAuthMethod(req, body) {
  const methodOf = (id) => CLIENTS.find((c) => c.client_id === id)?.token_endpoint_auth_method;
  const auth = req.headers.authorization;
  if (auth && /^basic /i.test(auth)) {
    let id;
    try {
      id = decodeURIComponent(Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8').split(':')[0]);
    } catch {
      return undefined; // oidc-provider answers malformed headers itself
    }
    if (methodOf(id) === 'client_secret_post') {
      return `client ${id} must use client_secret_post, not client_secret_basic`;
    }
    return undefined;
  }
  const f = new URLSearchParams(body);
  if (f.has('client_secret') && methodOf(f.get('client_id')) === 'client_secret_basic') {
    return `client ${f.get('client_id')} must use client_secret_basic, not client_secret_post`;
  }
  return undefined;
}

function count(pathname) {
  const c = state.counters;
  if (pathname === '/token') c.token += 1;
  else if (pathname === '/jwks') c.jwks += 1;
  else if (pathname === '/.well-known/openid-configuration') c.discovery += 1;
  else if (pathname === '/auth' || pathname.startsWith('/auth/')) c.auth += 1;
  else if (pathname === '/me') c.userinfo += 1;
  else if (pathname.startsWith('/interaction/')) c.interaction += 1;
}

// the answer of a hostile provider (POST /__test/fault)
async function faulty(how, req, res) {
  await readBody(req);
  const head = { 'content-type': 'application/json', 'cache-control': 'no-store' };
  switch (how) {
    case '500':
      return sendJson(res, 500, { error: 'server_error', error_description: 'broken on purpose' });
    case 'json':
      res.writeHead(200, head);
      return res.end(`{"issuer": "${issuer}", "keys": [{"kty": "RSA", `);
    case 'not-object':
      return sendJson(res, 200, ['an', 'array']);
    case 'junk-keys':
      return sendJson(res, 200, {
        keys: [
          { kty: 'RSA', kid: keys[0].kid, alg: 'RS256', use: 'sig', n: '%%%not base64url%%%', e: 'AQAB' },
          { kty: 'RSA', kid: keys[0].kid, alg: 'RS256', use: 'sig', n: '', e: '' },
          { kty: 'EC', kid: keys[0].kid, crv: 'P-999', x: 'AAAA', y: 'AAAA' },
          { kty: 'oct', kid: keys[0].kid, k: 'c2VjcmV0' },
          42, 'a string', null, {}, [],
        ],
      });
    case 'huge': {
      const body = Buffer.alloc(12 << 20, 'a');
      body.write('{"pad": "', 0);
      body.write('"}', body.length - 2);
      res.writeHead(200, { ...head, 'content-length': body.length });
      return res.end(body);
    }
    case 'hang':
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return undefined;
    case 'drip': {
      const body = Buffer.from(JSON.stringify({ issuer, note: 'dripped one byte at a time' }));
      res.writeHead(200, { ...head, 'content-length': body.length });
      hanging.add(res);
      let i = 0;
      const t = setInterval(() => {
        if (res.destroyed || i >= body.length) {
          clearInterval(t);
          hanging.delete(res);
          if (!res.destroyed) res.end();
          return;
        }
        res.write(body.subarray(i, i + 1));
        i += 1;
      }, 200);
      res.on('close', () => clearInterval(t));
      return undefined;
    }
    default:
      return sendJson(res, 500, { error: `unknown fault ${how}` });
  }
}

async function handle(req, res) {
  const { pathname } = new URL(req.url, `http://${HOST}`);
  if (pathname.startsWith('/__test/')) {
    return testControl(req, res, await readBody(req));
  }
  count(pathname);
  if (!callback) return sendJson(res, 503, { error: 'starting' });
  const fault = Object.keys(state.faults).find((e) => FAULT_ENDPOINTS[e] === pathname);
  if (fault) return faulty(state.faults[fault], req, res);
  if (pathname === '/.well-known/openid-configuration' && state.discoveryBroken) {
    if (state.discoveryHow === 'json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end('{"issuer": "broken-on-purpose", ');
    }
    return sendJson(res, 500, { error: 'server_error', error_description: 'discovery broken on purpose' });
  }
  if (req.method === 'POST' && pathname === '/token') {
    const body = await readBody(req);
    const refused = wrongAuthMethod(req, body);
    if (refused) {
      state.counters.token_auth_refused += 1;
      return sendJson(res, 401, { error: 'invalid_client', error_description: refused });
    }
    req.body = body;
    return callback(req, res);
  }
  // devInteractions accepts any password: check it before oidc-provider sees the form
  if (req.method === 'POST' && pathname.startsWith('/interaction/')) {
    const body = await readBody(req);
    const f = new URLSearchParams(body);
    if (f.get('prompt') === 'login') {
      const a = Object.hasOwn(ACCOUNTS, f.get('login')) ? ACCOUNTS[f.get('login')] : undefined;
      if (!a || a.password !== f.get('password')) {
        res.writeHead(401, { 'content-type': 'text/plain' });
        return res.end('invalid login\n');
      }
    }
    req.body = body; // the stream is consumed; oidc-provider takes req.body
  }
  return callback(req, res);
}

const server = http.createServer((req, res) => {
  handle(req, res).catch((err) => {
    console.error('request failed:', err);
    if (!res.headersSent) sendJson(res, 500, { error: String(err) });
    else res.destroy();
  });
});

server.on('error', (err) => {
  console.error(`listen on ${HOST}:${OPTS.port} failed: ${err.message}`);
  process.exit(2);
});
server.listen(OPTS.port, HOST, () => {
  issuer = `http://${HOST}:${server.address().port}`;
  install();
  console.log(`READY ${issuer}`);
});

function shutdown() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
