// End-to-end: the Two-factor page and the admin's TFA unlock, in Debian's
// Chromium against a real daemon (Proxmox's /access/tfa API).
//
//   node tfa.spec.mjs            (or ./run-e2e.sh)
//
// carol@pve adds a TOTP (its QR code decoded back with jsQR), generates
// recovery codes, registers a WebAuthn key with the DevTools protocol's
// virtual authenticator, and logs in with each; she disables, enables and
// removes an entry.  erin@pve logs in with a WebAuthn key that tfa.cfg
// and the virtual authenticator were given beforehand.  alice@pve
// (Administrator) sees the TOTP lock of dave@pve on the Users page and
// unlocks it; dave then logs in with TOTP.
//
// Chromium refuses an IP address as WebAuthn RP id ("This is an invalid
// domain"), so the page is opened as https://realmgate.test:<port>: the
// browser's resolver maps that name to 127.0.0.1 and resolves no other
// name at all, so nothing reaches an address other than 127.0.0.1.  The
// daemon's certificate is still pinned by its SPKI hash, which Chromium
// accepts whatever the name.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import jsQR from 'jsqr';
import {
	CHROMIUM, SHOTS, TIMEOUT, log, fail, cli, totpAt, startDaemon, stopDaemon,
	launchBrowser, watchPage, reportFailure, assertNoPageErrors, main, fillLogin,
	logout,
} from './common.mjs';

const HOST = 'realmgate.test';
const ALICE_PW = 'alice-secret-1';
const CAROL_PW = 'carol-secret-12';
const DAVE_PW = 'dave-secret-123';
const DAVE_SECRET = 'KRSXG5CTMVRXEZLUKN2XAZLSKNSWG4TF';
const ERIN_PW = 'erin-secret-1234';

// erin's key: an ES256 key pair, the public half in tfa.cfg as
// webauthn-rs stores it, the private half given to the virtual authenticator
const erinKey = (() => {
	const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
	const jwk = publicKey.export({ format: 'jwk' });
	return { id: randomBytes(16), x: jwk.x, y: jwk.y,
	    pkcs8: privateKey.export({ format: 'der', type: 'pkcs8' }) };
})();

function seed(dir) {
	cli(dir, 'user', 'add', 'alice@pve', '--password', ALICE_PW, '--firstname', 'Alice');
	cli(dir, 'user', 'add', 'carol@pve', '--password', CAROL_PW, '--firstname', 'Carol');
	cli(dir, 'user', 'add', 'dave@pve', '--password', DAVE_PW, '--firstname', 'Dave');
	cli(dir, 'acl', 'modify', '/', '--roles', 'Administrator', '--users', 'alice@pve');
	// dave: a TOTP that 8 wrong codes locked, as Proxmox writes it
	const uri = `otpauth://totp/realmgate:dave%40pve?secret=${DAVE_SECRET}` +
	    '&digits=6&algorithm=SHA1&period=30&issuer=realmgate';
	cli(dir, 'user', 'add', 'erin@pve', '--password', ERIN_PW, '--firstname', 'Erin');
	mkdirSync(join(dir, 'priv'), { recursive: true, mode: 0o700 });
	writeFileSync(join(dir, 'priv', 'tfa.cfg'), JSON.stringify({ users: {
		'dave@pve': {
			totp: [{ id: '5d1c0a52-5a43-4c55-8d0e-3f1a9e2b7c40', description: 'phone',
			    created: 1767225600, entry: uri }],
			'totp-locked': true },
		'erin@pve': {
			webauthn: [{ id: '8e2a4c6e-0b1d-4f3a-9c5e-7a9b1d3f5a7c', description: 'key',
			    created: 1767225700, entry: {
				cred_id: erinKey.id.toString('base64url'),
				cred: { type_: 'ES256', key: { EC_EC2: { curve: 'SECP256R1',
				    x: erinKey.x, y: erinKey.y } } },
				counter: 0, backup_eligible: false, backup_state: false } }] },
	} }), { mode: 0o600 });
}

function tfaCfg(dir) {
	return JSON.parse(readFileSync(join(dir, 'priv', 'tfa.cfg'), 'utf8'));
}

// The QR code as the page draws it: its <svg>'s geometry painted on a
// canvas by the browser (the page's CSP rightly refuses data: images),
// decoded by jsQR in node.
async function decodeQr(page) {
	const img = await page.evaluate(() => {
		const svg = document.querySelector('#totp-qr svg');
		const box = svg.viewBox.baseVal, px = 4;
		const c = document.createElement('canvas');
		c.width = box.width * px;
		c.height = box.height * px;
		const ctx = c.getContext('2d');
		ctx.scale(px, px);
		for (const el of svg.children) {
			ctx.fillStyle = el.getAttribute('fill');
			if (el.tagName === 'rect')
				ctx.fillRect(0, 0, Number(el.getAttribute('width')),
				    Number(el.getAttribute('height')));
			else
				ctx.fill(new Path2D(el.getAttribute('d')));
		}
		return { w: c.width, h: c.height,
		    data: Array.from(ctx.getImageData(0, 0, c.width, c.height).data) };
	});
	const r = jsQR(Uint8ClampedArray.from(img.data), img.w, img.h);
	return r && r.data;
}

// The second step of the login: choose a kind, give the code (or none).
async function secondFactor(page, kind, code) {
	await page.locator('#tfa-form').waitFor({ state: 'visible' });
	await page.selectOption('#tfa-kind', kind);
	if (code !== undefined)
		await page.fill('#tfa-code', code);
	await page.click('#tfa-submit');
}

async function loggedInAs(page, userid) {
	await page.locator('#whoami', { hasText: userid }).waitFor({ state: 'visible' });
}

async function openTfaPage(page) {
	await page.click('#nav-tfa');
	await page.locator('#view-tfa').waitFor({ state: 'visible' });
	await page.locator('#tfa-status').waitFor({ state: 'hidden' });
}

function row(page, type) {
	return page.locator(`#tfa-table tbody tr[data-type=${type}]`);
}

async function run() {
	if (!existsSync(CHROMIUM))
		fail(`no Chromium at ${CHROMIUM} (apt-get install chromium)`);
	mkdirSync(SHOTS, { recursive: true });
	const daemon = await startDaemon(seed);
	const url = `https://${HOST}:${daemon.port}/`;
	log('server', url, '(127.0.0.1)');
	const browser = await launchBrowser(daemon.cert,
	    [`--host-resolver-rules=MAP ${HOST} 127.0.0.1, MAP * ~NOTFOUND`]);
	let page, errors = [];
	try {
		const ctx = await browser.newContext();
		page = await ctx.newPage();
		page.setDefaultTimeout(TIMEOUT);
		// expected: one refusal, of the deliberately wrong password at the
		// recovery form
		let refusals = 0;
		errors = watchPage(page, (method, path) => method === 'POST' &&
		    path === '/api2/json/access/tfa/carol@pve' && ++refusals > 0);
		// every request, to show the TOTP secret stays in the page
		const sent = [];
		page.on('request', (r) => sent.push(`${r.url()} ${r.postData() || ''}`));

		// the virtual authenticator: a USB CTAP2 key with user verification
		const cdp = await ctx.newCDPSession(page);
		await cdp.send('WebAuthn.enable');
		const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
			options: { protocol: 'ctap2', transport: 'usb', hasResidentKey: true,
			    hasUserVerification: true, isUserVerified: true },
		});
		await cdp.send('WebAuthn.addCredential', { authenticatorId, credential: {
			credentialId: erinKey.id.toString('base64'), isResidentCredential: false,
			rpId: HOST, privateKey: erinKey.pkcs8.toString('base64'), signCount: 0 } });

		await page.goto(url);
		await fillLogin(page, 'carol', CAROL_PW);
		await loggedInAs(page, 'carol@pve');

		// 1. no factor yet
		await openTfaPage(page);
		await page.locator('#tfa-table tbody', { hasText: 'No second factor yet' })
		    .waitFor({ state: 'visible' });

		// 2. TOTP: the QR code says the URI the page will send
		const secret = await page.inputValue('#totp-secret');
		if (!/^[A-Z2-7]{32}$/.test(secret))
			fail(`secret is not 32 base32 letters: ${secret}`);
		const wantUri = `otpauth://totp/realmgate:carol%40pve?secret=${secret}` +
		    '&period=30&digits=6&algorithm=SHA1&issuer=realmgate';
		const qrText = await decodeQr(page);
		if (qrText !== wantUri)
			fail(`QR code decodes to ${JSON.stringify(qrText)}, want ${wantUri}`);
		await page.screenshot({ path: join(SHOTS, 'e2e-tfa-page.png'), fullPage: true });
		await page.click('#totp-randomize');
		const secret2 = await page.inputValue('#totp-secret');
		if (secret2 === secret || (await decodeQr(page)) !== wantUri.replace(secret, secret2))
			fail('New secret did not give a new secret and QR code');
		if (sent.some((s) => s.includes(secret) || s.includes(secret2)))
			fail('a TOTP secret reached the server before it was confirmed');
		const now = Date.now() / 1000;
		await page.fill('#totp-description', 'phone');
		await page.fill('#totp-value', totpAt(secret2, now));
		await page.fill('#totp-password', CAROL_PW);
		await page.click('#totp-submit');
		await row(page, 'totp').waitFor({ state: 'visible' });
		await page.locator('#tfa-status.ok').waitFor({ state: 'visible' });
		const carolTfa = tfaCfg(daemon.dir).users['carol@pve'];
		if (!carolTfa || !carolTfa.totp || carolTfa.totp.length !== 1 ||
		    !JSON.stringify(carolTfa.totp[0]).includes(secret2))
			fail(`tfa.cfg lacks carol's TOTP: ${JSON.stringify(carolTfa)}`);

		// a wrong password is refused and shown at the form
		await page.fill('#recovery-password', 'not-her-password');
		await page.click('#recovery-submit');
		await page.locator('#recovery-form .form-error').waitFor({ state: 'visible' });

		// 3. recovery codes, shown once
		await page.fill('#recovery-password', CAROL_PW);
		await page.click('#recovery-submit');
		await page.locator('#recovery-dialog').waitFor({ state: 'visible' });
		const codes = (await page.inputValue('#recovery-codes')).split('\n')
		    .map((l) => l.replace(/^\d+: /, ''));
		if (codes.length !== 10 || !codes.every((c) => /^[0-9a-f]{4}(-[0-9a-f]{4}){3}$/.test(c)))
			fail(`recovery codes: ${JSON.stringify(codes)}`);
		const [download] = await Promise.all([page.waitForEvent('download'),
		    page.click('#recovery-download')]);
		const dl = readFileSync(await download.path(), 'utf8');
		if (!codes.every((c) => dl.includes(c)))
			fail('the downloaded file lacks codes');
		await page.screenshot({ path: join(SHOTS, 'e2e-tfa-recovery.png'), fullPage: true });
		await page.click('#recovery-close');
		await row(page, 'recovery').waitFor({ state: 'visible' });
		if (!(await page.isDisabled('#recovery-submit')))
			fail('a second set of recovery codes is offered');

		// 4. WebAuthn: the virtual key registers
		await page.fill('#webauthn-description', 'virtual key');
		await page.fill('#webauthn-password', CAROL_PW);
		await page.click('#webauthn-submit');
		const regError = page.locator('#webauthn-form .form-error');
		await Promise.race([row(page, 'webauthn').waitFor({ state: 'visible' }),
		    regError.waitFor({ state: 'visible' })]);
		if (await regError.isVisible())
			fail('WebAuthn registration: ' + await regError.innerText());
		const creds = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
		if (creds.credentials.length !== 2)
			fail(`virtual authenticator holds ${creds.credentials.length} credentials`);
		await page.screenshot({ path: join(SHOTS, 'e2e-tfa-factors.png'), fullPage: true });

		// 5. disable and enable the TOTP (password asked in a dialog)
		await row(page, 'totp').locator('button', { hasText: 'Disable' }).click();
		await page.fill('#tfa-password-input', CAROL_PW);
		await page.click('#tfa-password-ok');
		await row(page, 'totp').locator('.tag.no').waitFor({ state: 'visible' });
		await row(page, 'totp').locator('button', { hasText: 'Enable' }).click();
		await page.fill('#tfa-password-input', CAROL_PW);
		await page.click('#tfa-password-ok');
		await row(page, 'totp').locator('.tag.yes').waitFor({ state: 'visible' });
		await logout(page);

		// 6. log in with the TOTP (next period's code: never a replay of
		// the code that confirmed it)
		await fillLogin(page, 'carol', CAROL_PW);
		await secondFactor(page, 'totp', totpAt(secret2, Date.now() / 1000 + 30));
		await loggedInAs(page, 'carol@pve');
		await logout(page);

		// 7. with a recovery code
		await fillLogin(page, 'carol', CAROL_PW);
		await secondFactor(page, 'recovery', codes[3]);
		await loggedInAs(page, 'carol@pve');
		await logout(page);

		// 8. with the WebAuthn key
		await fillLogin(page, 'carol', CAROL_PW);
		await page.locator('#tfa-form').waitFor({ state: 'visible' });
		if ((await page.inputValue('#tfa-kind')) !== 'webauthn')
			fail('WebAuthn is not the first choice for a user with a key');
		await secondFactor(page, 'webauthn');
		await loggedInAs(page, 'carol@pve');

		// 9. remove the recovery codes
		await openTfaPage(page);
		await row(page, 'recovery').locator('button', { hasText: 'Remove' }).click();
		await page.fill('#tfa-password-input', CAROL_PW);
		await page.click('#tfa-password-ok');
		await row(page, 'recovery').waitFor({ state: 'detached' });
		if (tfaCfg(daemon.dir).users['carol@pve'].recovery)
			fail('recovery codes still in tfa.cfg after Remove');
		await logout(page);

		// 10. the admin: dave's TOTP lock on the Users page, unlocked
		await fillLogin(page, 'alice', ALICE_PW);
		await loggedInAs(page, 'alice@pve');
		await page.click('#nav-users');
		const dave = page.locator('#users-table tr[data-userid="dave@pve"]');
		await dave.locator('.tag', { hasText: 'TOTP locked' }).waitFor({ state: 'visible' });
		const carol = page.locator('#users-table tr[data-userid="carol@pve"]');
		await carol.locator('.tag', { hasText: 'totp' }).waitFor({ state: 'visible' });
		await page.locator('#users-table tr[data-userid="erin@pve"] .tag', { hasText: 'webauthn' })
		    .waitFor({ state: 'visible' });
		await page.screenshot({ path: join(SHOTS, 'e2e-tfa-users.png'), fullPage: true });
		await dave.locator('button', { hasText: 'Unlock TFA' }).click();
		await page.click('#confirm-ok');
		await page.locator('#users-status', { hasText: 'unlocked' }).waitFor({ state: 'visible' });
		await dave.locator('.tag', { hasText: 'TOTP locked' }).waitFor({ state: 'detached' });
		if (tfaCfg(daemon.dir).users['dave@pve']['totp-locked'])
			fail('dave still totp-locked in tfa.cfg');
		// and carol's factors, as the admin sees them
		await carol.locator('a', { hasText: 'Two-factor' }).click();
		await page.locator('#tfa-userid', { hasText: 'carol@pve' }).waitFor({ state: 'visible' });
		await row(page, 'totp').waitFor({ state: 'visible' });
		if (await page.locator('#tfa-add').isVisible())
			fail('the admin is offered to add factors for another user');
		await page.screenshot({ path: join(SHOTS, 'e2e-tfa-admin.png'), fullPage: true });
		await logout(page);

		// 11. dave logs in with his TOTP again
		await fillLogin(page, 'dave', DAVE_PW);
		await secondFactor(page, 'totp', totpAt(DAVE_SECRET, Date.now() / 1000));
		await loggedInAs(page, 'dave@pve');
		await logout(page);

		// 12. erin logs in with the key given to the virtual authenticator
		await fillLogin(page, 'erin', ERIN_PW);
		await page.locator('#tfa-form').waitFor({ state: 'visible' });
		if ((await page.inputValue('#tfa-kind')) !== 'webauthn')
			fail('WebAuthn is not offered to erin');
		await secondFactor(page, 'webauthn');
		await loggedInAs(page, 'erin@pve');
		const erinCounter = tfaCfg(daemon.dir).users['erin@pve'].webauthn[0].entry.counter;
		if (!(erinCounter >= 1))
			fail(`erin's key counter not saved: ${erinCounter}`);
		await logout(page);

		assertNoPageErrors(errors);
		if (refusals !== 1)
			fail(`${refusals} refused changes of carol's factors, want 1`);
		return '';
	} catch (e) {
		await reportFailure(page, errors, 'e2e-tfa-failure.png');
		throw e;
	} finally {
		await browser.close();
		await stopDaemon(daemon);
		rmSync(daemon.dir, { recursive: true, force: true });
	}
}

main('e2e tfa', run);
