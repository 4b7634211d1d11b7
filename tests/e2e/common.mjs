// Helpers shared by the end-to-end specs (login.spec.mjs, tfa.spec.mjs):
// the realmgate command line, a daemon on a free 127.0.0.1 port serving
// this checkout's www/, Chromium pinned to the daemon's certificate, the
// page's error watch, and RFC 6238 codes.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, chmodSync } from 'node:fs';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const repo = resolve(here, '..', '..');
export const BIN = process.env.REALMGATE_BIN || join(repo, 'build', 'realmgate');
export const CHROMIUM = process.env.RG_CHROMIUM || '/usr/bin/chromium';
export const SHOTS = process.env.RG_SCREENSHOT_DIR || join(repo, 'build', 'e2e');
export const TIMEOUT = 15000;

export function log(...a) { console.error('e2e:', ...a); }

export function fail(msg) { throw new Error(msg); }

export function cli(dir, ...args) {
	return execFileSync(BIN, ['--config-dir', dir, ...args],
	    { env: { ...process.env, REALMGATE_CONFIG_DIR: dir }, encoding: 'utf8' });
}

export function base32Decode(s) {
	const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
	let bits = 0, value = 0;
	const out = [];
	for (const ch of s.replace(/=+$/, '')) {
		value = (value << 5) | abc.indexOf(ch);
		bits += 5;
		if (bits >= 8) {
			out.push((value >>> (bits - 8)) & 255);
			bits -= 8;
		}
	}
	return Buffer.from(out);
}

// RFC 6238: the 6-digit SHA-1 code of a base32 secret, 30 s periods
export function totpAt(secret, unixSeconds) {
	const msg = Buffer.alloc(8);
	msg.writeBigUInt64BE(BigInt(Math.floor(unixSeconds / 30)));
	const mac = createHmac('sha1', base32Decode(secret)).update(msg).digest();
	const off = mac[mac.length - 1] & 15;
	return String((mac.readUInt32BE(off) & 0x7fffffff) % 1000000).padStart(6, '0');
}

export function totpNow(secret) {
	return totpAt(secret, Date.now() / 1000);
}

export function freePort() {
	return new Promise((res, rej) => {
		const s = createServer();
		s.on('error', rej);
		s.listen(0, '127.0.0.1', () => {
			const p = s.address().port;
			s.close(() => res(p));
		});
	});
}

// A daemon on a fresh config directory; setup(dir) seeds it first.
export async function startDaemon(setup) {
	const dir = mkdtempSync(join(tmpdir(), 'realmgate-e2e-'));
	chmodSync(dir, 0o755);
	await setup(dir);
	const port = await freePort();
	const proc = spawn(BIN, ['--config-dir', dir, 'serve', '--listen', `127.0.0.1:${port}`,
	    '--www', join(repo, 'www')], { stdio: ['ignore', 'ignore', 'pipe'] });
	let stderr = '';
	const want = `listening on https://127.0.0.1:${port}`;
	await new Promise((res, rej) => {
		const timer = setTimeout(() => rej(new Error(
		    `daemon not ready after 20 s; stderr:\n${stderr}`)), 20000);
		proc.stderr.on('data', (d) => {
			stderr += d;
			if (stderr.includes(want)) { clearTimeout(timer); res(); }
		});
		proc.on('exit', (code) => {
			clearTimeout(timer);
			rej(new Error(`daemon exited (${code}) before listening; stderr:\n${stderr}`));
		});
	});
	proc.removeAllListeners('exit');
	return { dir, proc, port, url: `https://127.0.0.1:${port}/`,
	    cert: join(dir, 'local', 'realmgate-ssl.pem'), stderr: () => stderr };
}

export async function stopDaemon(d) {
	if (d.proc.exitCode !== null)
		fail(`daemon died during the test (${d.proc.exitCode}); stderr:\n${d.stderr()}`);
	const done = new Promise((res) => d.proc.on('exit', (code, sig) => res({ code, sig })));
	d.proc.kill('SIGTERM');
	const r = await Promise.race([done,
	    new Promise((res) => setTimeout(() => res(null), 5000))]);
	if (r === null) {
		d.proc.kill('SIGKILL');
		fail('daemon did not exit within 5 s of SIGTERM');
	}
	if (r.code !== 0)
		fail(`daemon exited with ${r.code ?? r.sig} after SIGTERM; stderr:\n${d.stderr()}`);
}

export function spkiHash(certFile) {
	// base64(sha256(SubjectPublicKeyInfo DER)), the form Chromium expects
	const pub = execFileSync('openssl', ['x509', '-in', certFile, '-noout', '-pubkey']);
	const der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'DER'], { input: pub });
	const dgst = execFileSync('openssl', ['dgst', '-sha256', '-binary'], { input: der });
	return Buffer.from(dgst).toString('base64');
}

// Debian's Chromium, headless, accepting only the daemon's certificate.
export function launchBrowser(certFile, extraArgs = []) {
	return chromium.launch({
		executablePath: CHROMIUM,
		headless: true,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
		    '--no-first-run', '--disable-background-networking',
		    '--disable-component-update', '--disable-sync',
		    `--ignore-certificate-errors-spki-list=${spkiHash(certFile)}`, ...extraArgs],
	});
}

// Collect the page's errors: script errors, console errors and HTTP
// answers >= 400 except those expected(method, pathname, status) allows.
export function watchPage(page, expected = () => false) {
	const errors = [];
	page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
	// failed loads are judged by URL below (console messages lack it)
	page.on('console', (m) => {
		if (m.type() === 'error' && !m.text().startsWith('Failed to load resource'))
			errors.push(`console: ${m.text()}`);
	});
	page.on('response', (r) => {
		const u = new URL(r.url());
		if (r.status() < 400 || u.pathname === '/favicon.ico')
			return;
		if (expected(r.request().method(), u.pathname, r.status()))
			return;
		errors.push(`HTTP ${r.status()} for ${r.request().method()} ${u.pathname}`);
	});
	return errors;
}

// Log in through the page's form (realm pve); the second step is the caller's.
export async function fillLogin(page, user, password, realm = 'pve') {
	await page.locator('#login-form').waitFor({ state: 'visible' });
	await page.locator(`#login-form select[name=realm] option[value=${realm}]`)
	    .waitFor({ state: 'attached' });
	await page.selectOption('#login-form select[name=realm]', realm);
	await page.fill('#login-form input[name=username]', user);
	await page.fill('#login-form input[name=password]', password);
	await page.click('#login-submit');
}

export async function logout(page) {
	await page.click('#logout');
	await page.locator('#login-form').waitFor({ state: 'visible' });
}

// After a failure: a screenshot of the page (when there still is one) and
// the errors the page had.
export async function reportFailure(page, errors, shot) {
	if (page) {
		try {
			await page.screenshot({ path: join(SHOTS, shot), fullPage: true });
			log('failure screenshot:', join(SHOTS, shot));
		} catch { /* the page may be gone */ }
	}
	if (errors.length)
		log('page errors:\n' + errors.join('\n'));
}

export function assertNoPageErrors(errors) {
	if (errors.length)
		fail(`errors in the page:\n${errors.join('\n')}`);
}

// Run a spec: PASS or FAIL (with the stack) on the last line, exit 0 or 1.
export function main(name, run) {
	run().then((note) => {
		console.log(`${name}: PASS${note ? ' - ' + note : ''} (screenshots in ${SHOTS})`);
		process.exit(0);
	}, (e) => {
		console.error(`${name}: FAIL: ` + (e && e.stack || e));
		process.exit(1);
	});
}
