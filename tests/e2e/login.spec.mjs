// End-to-end: realmgate serve's web page in Debian's Chromium (playwright-core).
//
//   node login.spec.mjs            (or ./run-e2e.sh)
//
// Starts its own daemon on a seeded temporary config directory (binary:
// $REALMGATE_BIN, default <repo>/build/realmgate), unless RG_URL and RG_CERT
// are given (then the server must know alice@pve / $RG_PASSWORD).  TLS is
// pinned: Chromium only accepts the daemon's own certificate, by the SPKI
// hash computed with openssl (--ignore-certificate-errors-spki-list).
// Exits non-zero on any failure; a screenshot goes to $RG_SCREENSHOT_DIR
// (default <repo>/build/e2e).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, chmodSync, mkdirSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');
const BIN = process.env.REALMGATE_BIN || join(repo, 'build', 'realmgate');
const CHROMIUM = process.env.RG_CHROMIUM || '/usr/bin/chromium';
const SHOTS = process.env.RG_SCREENSHOT_DIR || join(repo, 'build', 'e2e');
const PASSWORD = process.env.RG_PASSWORD || 'alice-secret-1';
const TIMEOUT = 15000;

function log(...a) { console.error('e2e:', ...a); }

function fail(msg) { throw new Error(msg); }

function cli(dir, ...args) {
	return execFileSync(BIN, ['--config-dir', dir, ...args],
	    { env: { ...process.env, REALMGATE_CONFIG_DIR: dir }, encoding: 'utf8' });
}

// bob@pve's second factor: a TOTP entry in priv/tfa.cfg as Proxmox writes it
const TOTP_SECRET = 'JBSWY3DPEHPK3PXP';

function base32(s) {
	const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
	let bits = 0, value = 0;
	const out = [];
	for (const ch of s) {
		value = (value << 5) | abc.indexOf(ch);
		bits += 5;
		if (bits >= 8) {
			out.push((value >>> (bits - 8)) & 255);
			bits -= 8;
		}
	}
	return Buffer.from(out);
}

// RFC 6238: the code of the current 30 s period
function totpNow() {
	const msg = Buffer.alloc(8);
	msg.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30000)));
	const mac = createHmac('sha1', base32(TOTP_SECRET)).update(msg).digest();
	const off = mac[mac.length - 1] & 15;
	return String((mac.readUInt32BE(off) & 0x7fffffff) % 1000000).padStart(6, '0');
}

function writeTfaCfg(dir) {
	const uri = `otpauth://totp/realmgate:bob%40pve?secret=${TOTP_SECRET}` +
	    '&digits=6&algorithm=SHA1&period=30&issuer=realmgate';
	mkdirSync(join(dir, 'priv'), { recursive: true, mode: 0o700 });
	writeFileSync(join(dir, 'priv', 'tfa.cfg'), JSON.stringify({ users: { 'bob@pve': {
		totp: [{ id: '0b1e7a4c-35f1-4d3e-9a51-2f7c1c0e8d11', description: 'phone',
		    created: 1767225600, entry: uri }] } } }), { mode: 0o600 });
}

function freePort() {
	return new Promise((res, rej) => {
		const s = createServer();
		s.on('error', rej);
		s.listen(0, '127.0.0.1', () => {
			const p = s.address().port;
			s.close(() => res(p));
		});
	});
}

// A private slapd (tests/peers) for the realm-sync panel: 20 users, 2 groups.
async function startSlapd() {
	const dir = mkdtempSync(join(tmpdir(), 'realmgate-e2e-ldap-'));
	const peers = join(repo, 'tests', 'peers');
	const port = await freePort(), tlsPort = await freePort();
	execFileSync(join(peers, 'slapd.sh'), ['conf', dir], { stdio: 'ignore' });
	const ldif = execFileSync(join(peers, 'ldap-data.sh'), ['20', '2', '5']);
	execFileSync('slapadd', ['-q', '-f', join(dir, 'slapd.conf')], { input: ldif });
	execFileSync(join(peers, 'slapd.sh'), ['start', dir, String(port), String(tlsPort)],
	    { stdio: 'ignore' });
	return { dir, port, stop() {
		execFileSync(join(peers, 'slapd.sh'), ['stop', dir], { stdio: 'ignore' });
		rmSync(dir, { recursive: true, force: true });
	} };
}

// The real oidc-provider (tests/oidc/provider.mjs) on a free port.
async function startProvider() {
	const dir = mkdtempSync(join(tmpdir(), 'realmgate-e2e-op-'));
	const proc = spawn(process.execPath, [join(repo, 'tests', 'oidc', 'provider.mjs'),
	    '--port', '0', '--state-dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
	let out = '', err = '';
	proc.stderr.on('data', (d) => { err += d; });
	const issuer = await new Promise((res, rej) => {
		const timer = setTimeout(() => rej(new Error(`provider not ready; ${err}`)), 20000);
		proc.stdout.on('data', (d) => {
			out += d;
			const m = out.match(/READY (\S+)/);
			if (m) { clearTimeout(timer); res(m[1]); }
		});
		proc.on('exit', (code) => { clearTimeout(timer); rej(new Error(`provider exited ${code}: ${err}`)); });
	});
	proc.removeAllListeners('exit');
	return { issuer, stop() { proc.kill('SIGTERM'); rmSync(dir, { recursive: true, force: true }); } };
}

async function startDaemon(ldap, op) {
	const dir = mkdtempSync(join(tmpdir(), 'realmgate-e2e-'));
	chmodSync(dir, 0o755);
	if (ldap)
		cli(dir, 'realm', 'add', 'corp', '--type', 'ldap', '--server1', '127.0.0.1',
		    '--port', String(ldap.port), '--base_dn', 'dc=example,dc=org',
		    '--user_attr', 'uid', '--bind_dn', 'cn=svc,ou=services,dc=example,dc=org',
		    '--password', 'svcpw', '--sync_attributes', 'email=mail');
	if (op)
		cli(dir, 'realm', 'add', 'sso', '--type', 'openid', '--issuer-url', op.issuer,
		    '--client-id', 'pve', '--client-key', 'pve-secret', '--username-claim',
		    'username', '--autocreate', '1', '--scopes', 'email profile groups',
		    '--comment', 'Company SSO');
	cli(dir, 'user', 'add', 'alice@pve', '--password', PASSWORD, '--firstname', 'Alice');
	cli(dir, 'user', 'add', 'bob@pve', '--password', 'bob-secret-12');
	writeTfaCfg(dir);
	cli(dir, 'group', 'add', 'ops');
	cli(dir, 'acl', 'modify', '/', '--roles', 'Administrator', '--users', 'alice@pve');
	cli(dir, 'acl', 'modify', '/vms', '--roles', 'PVEVMUser', '--groups', 'ops');
	const port = await freePort();
	const proc = spawn(BIN, ['--config-dir', dir, 'serve', '--listen', `127.0.0.1:${port}`],
	    { stdio: ['ignore', 'ignore', 'pipe'] });
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
	return { dir, proc, url: `https://127.0.0.1:${port}/`,
	    cert: join(dir, 'local', 'realmgate-ssl.pem'), stderr: () => stderr };
}

async function stopDaemon(d) {
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

function spkiHash(certFile) {
	// base64(sha256(SubjectPublicKeyInfo DER)), the form Chromium expects
	const pub = execFileSync('openssl', ['x509', '-in', certFile, '-noout', '-pubkey']);
	const der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'DER'], { input: pub });
	const dgst = execFileSync('openssl', ['dgst', '-sha256', '-binary'], { input: der });
	return Buffer.from(dgst).toString('base64');
}

async function tableText(page, sel) {
	return page.locator(`${sel} tbody`).innerText();
}

async function run() {
	if (!existsSync(CHROMIUM))
		fail(`no Chromium at ${CHROMIUM} (apt-get install chromium)`);
	let daemon = null, url = process.env.RG_URL, cert = process.env.RG_CERT;
	let ldap = null, op = null;
	if (!url || !cert) {
		ldap = await startSlapd();
		op = await startProvider();
		daemon = await startDaemon(ldap, op);
		url = daemon.url;
		cert = daemon.cert;
	}
	const spki = spkiHash(cert);
	log('server', url, 'spki', spki);
	mkdirSync(SHOTS, { recursive: true });
	const browser = await chromium.launch({
		executablePath: CHROMIUM,
		headless: true,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
		    '--no-first-run', '--disable-background-networking',
		    '--disable-component-update', '--disable-sync',
		    `--ignore-certificate-errors-spki-list=${spki}`],
	});
	const errors = [];
	let page;
	try {
		const ctx = await browser.newContext({ ignoreHTTPSErrors: false });
		page = await ctx.newPage();
		page.setDefaultTimeout(TIMEOUT);
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
			// expected: the deliberately wrong password
			if (r.status() === 401 && u.pathname === '/api2/json/access/ticket')
				return;
			errors.push(`HTTP ${r.status()} for ${r.request().method()} ${u.pathname}`);
		});

		// 1. login page, realms from GET /access/domains
		const resp = await page.goto(url);
		if (!resp || resp.status() !== 200)
			fail(`GET / answered ${resp && resp.status()}`);
		await page.locator('#login-form').waitFor({ state: 'visible' });
		await page.locator('#login-form select[name=realm] option[value=pve]')
		    .waitFor({ state: 'attached' });

		// a wrong password shows an error and keeps the form
		await page.fill('#login-form input[name=username]', 'alice');
		await page.fill('#login-form input[name=password]', 'wrong-password');
		await page.selectOption('#login-form select[name=realm]', 'pve');
		await page.click('#login-submit');
		await page.locator('#login-error').waitFor({ state: 'visible', timeout: 10000 });
		if (await page.locator('#whoami').isVisible())
			fail('logged in with a wrong password');

		// 2. log in
		await page.fill('#login-form input[name=username]', 'alice');
		await page.fill('#login-form input[name=password]', PASSWORD);
		await page.selectOption('#login-form select[name=realm]', 'pve');
		await page.click('#login-submit');
		await page.locator('#whoami').waitFor({ state: 'visible' });
		const who = (await page.locator('#whoami').innerText()).trim();
		if (!who.includes('alice@pve'))
			fail(`#whoami says '${who}'`);
		const cookies = await page.context().cookies();
		if (!cookies.some((c) => c.name === 'PVEAuthCookie' && c.value.startsWith('PVE')))
			fail('no PVEAuthCookie after login');

		// 3. permissions table
		await page.click('#nav-permissions');
		await page.locator('#permissions-table tbody tr').first().waitFor({ state: 'visible' });
		const perms = await tableText(page, '#permissions-table');
		for (const want of ['/', 'Sys.Audit', 'User.Modify'])
			if (!perms.includes(want))
				fail(`permissions table lacks '${want}':\n${perms}`);

		// 4. create a user through the admin form
		await page.click('#nav-users');
		await page.locator('#users-table tbody tr').first().waitFor({ state: 'visible' });
		const form = page.locator('#user-form');
		await form.locator('input[name=userid]').fill('e2euser@pve');
		await form.locator('input[name=password]').fill('e2e-password-1');
		await form.locator('input[name=firstname]').fill('Eetwo');
		await form.locator('input[name=email]').fill('e2e@example.com');
		await page.click('#user-submit');
		await page.locator('#users-table tbody', { hasText: 'e2euser@pve' })
		    .waitFor({ state: 'visible' });

		// 5. an ACL entry for the new user
		await page.click('#nav-acl');
		const acl = page.locator('#acl-form');
		await acl.waitFor({ state: 'visible' });
		await acl.locator('input[name=path]').fill('/vms/100');
		await acl.locator('input[name=roles]').fill('PVEVMUser');
		await acl.locator('input[name=users]').fill('e2euser@pve');
		await page.click('#acl-submit');
		await page.locator('#acl-table tbody tr', { hasText: 'e2euser@pve' })
		    .filter({ hasText: '/vms/100' }).first().waitFor({ state: 'visible' });

		// the server really has them (the page is not just pretending)
		if (daemon) {
			const users = cli(daemon.dir, 'user', 'list', '--output-format', 'json');
			if (!JSON.parse(users).some((u) => u.userid === 'e2euser@pve'))
				fail('e2euser@pve not in user.cfg');
			const acls = JSON.parse(cli(daemon.dir, 'acl', 'list', '--output-format', 'json'));
			if (!acls.some((e) => e.ugid === 'e2euser@pve' && e.path === '/vms/100' &&
			    e.roleid === 'PVEVMUser'))
				fail(`ACL entry missing: ${JSON.stringify(acls)}`);
		}

		// 6. realms page lists pam and pve
		await page.click('#nav-realms');
		await page.locator('#realms-table tbody', { hasText: 'pve' }).waitFor({ state: 'visible' });
		if (ldap) {
			// 6b. sync an LDAP realm from the page: preview, then apply
			await page.click('#realms-table tr[data-realm=corp] button:has-text("Sync")');
			await page.locator('#sync-form').waitFor({ state: 'visible' });
			await page.click('#sync-preview');
			await page.locator('#sync-log', { hasText: 'NOTE: Dry test run' })
			    .waitFor({ state: 'visible' });
			const dry = await page.locator('#sync-log').innerText();
			if (!dry.includes('(dry test run) starting sync for realm corp') ||
			    !dry.includes('+ user user7@corp') || !dry.includes('+ group group1-corp'))
				fail('dry-run log lacks the diff: ' + dry);
			await page.click('#sync-run');
			await page.locator('#sync-log', { hasText: 'successfully updated users and groups' })
			    .waitFor({ state: 'visible' });
			await page.screenshot({ path: join(SHOTS, 'e2e-sync.png'), fullPage: true });
			const users = await page.evaluate(() => window.RG.api('GET', '/access/users'));
			if (!users.some((u) => u.userid === 'user7@corp'))
				fail('synced users missing after Sync now');
		}

		await page.click('#nav-acl');
		await page.screenshot({ path: join(SHOTS, 'e2e-admin.png'), fullPage: true });

		// 7. log out: back to the login form, the ticket is gone
		await page.click('#logout');
		await page.locator('#login-form').waitFor({ state: 'visible' });
		if (await page.locator('#whoami').isVisible())
			fail('#whoami still visible after logout');
		const after = await page.context().cookies();
		if (after.some((c) => c.name === 'PVEAuthCookie' && c.value.startsWith('PVE')))
			fail('PVEAuthCookie still set after logout');
		// a reload stays logged out
		await page.reload();
		await page.locator('#login-form').waitFor({ state: 'visible' });

		// the new user logs in and sees its permission on /vms/100
		await page.fill('#login-form input[name=username]', 'e2euser');
		await page.fill('#login-form input[name=password]', 'e2e-password-1');
		await page.selectOption('#login-form select[name=realm]', 'pve');
		await page.click('#login-submit');
		await page.locator('#whoami').waitFor({ state: 'visible' });
		await page.click('#nav-permissions');
		await page.locator('#permissions-table tbody', { hasText: '/vms/100' })
		    .waitFor({ state: 'visible' });
		// the "why": which ACL entry and role granted the privilege
		await page.fill('#why-path', '/vms/100');
		await page.click('#why-submit');
		await page.locator('#why-result', { hasText: 'VM.Console' })
		    .waitFor({ state: 'visible' });
		const why = await page.locator('#why-result').innerText();
		if (!why.includes('PVEVMUser') || !why.includes('/vms/100'))
			fail('why panel does not name the role and ACL path: ' + why);
		await page.screenshot({ path: join(SHOTS, 'e2e-user.png'), fullPage: true });
		await page.click('#logout');
		await page.locator('#login-form').waitFor({ state: 'visible' });

		if (op) {
			// 8. OpenID: the realm sends the browser to the provider's own
			// login page and back, logged in (user created by autocreate)
			await page.selectOption('#login-form select[name=realm]', 'sso');
			await page.locator('#login-openid-hint').waitFor({ state: 'visible' });
			await page.click('#login-submit');
			await page.waitForURL((u) => u.href.startsWith(op.issuer));
			await page.fill('input[name=login]', 'alice');
			await page.fill('input[name=password]', 'alicepw');
			await page.screenshot({ path: join(SHOTS, 'e2e-openid-provider.png'), fullPage: true });
			await page.click('button[type=submit]');
			// the consent step of the provider's dev interactions
			const consent = page.locator('button[type=submit]', { hasText: 'Continue' });
			await Promise.race([
			    consent.waitFor({ state: 'visible' }),
			    page.waitForURL((u) => u.href.startsWith(url))]);
			if (!page.url().startsWith(url))
				await consent.click();
			await page.waitForURL((u) => u.href.startsWith(url));
			await page.locator('#whoami', { hasText: 'alice@sso' })
			    .waitFor({ state: 'visible' });
			await page.screenshot({ path: join(SHOTS, 'e2e-openid.png'), fullPage: true });
			await page.click('#logout');
			await page.locator('#login-form').waitFor({ state: 'visible' });
		}

		// 9. second factor: bob's password, then a wrong and a right TOTP code
		await page.selectOption('#login-form select[name=realm]', 'pve');
		await page.fill('#login-form input[name=username]', 'bob');
		await page.fill('#login-form input[name=password]', 'bob-secret-12');
		await page.click('#login-submit');
		await page.locator('#tfa-form').waitFor({ state: 'visible' });
		if (await page.locator('#login-form').isVisible())
			fail('password form still shown beside the second factor');
		if ((await page.locator('#tfa-kind').inputValue()) !== 'totp')
			fail('TOTP not offered for bob');
		const right = totpNow();
		await page.fill('#tfa-code', right === '000000' ? '111111' : '000000');
		await page.click('#tfa-submit');
		await page.locator('#tfa-error').waitFor({ state: 'visible', timeout: 10000 });
		await page.screenshot({ path: join(SHOTS, 'e2e-tfa.png'), fullPage: true });
		await page.fill('#tfa-code', totpNow());
		await page.click('#tfa-submit');
		await page.locator('#whoami', { hasText: 'bob@pve' }).waitFor({ state: 'visible' });
		await page.click('#logout');
		await page.locator('#login-form').waitFor({ state: 'visible' });

		if (errors.length)
			fail(`errors in the page:\n${errors.join('\n')}`);
	} catch (e) {
		if (page) {
			try {
				await page.screenshot({ path: join(SHOTS, 'e2e-failure.png'), fullPage: true });
				log('failure screenshot:', join(SHOTS, 'e2e-failure.png'));
			} catch { /* the page may be gone */ }
		}
		if (errors.length)
			log('page errors:\n' + errors.join('\n'));
		throw e;
	} finally {
		await browser.close();
		if (daemon) {
			await stopDaemon(daemon);
			rmSync(daemon.dir, { recursive: true, force: true });
		}
		if (ldap)
			ldap.stop();
		if (op)
			op.stop();
	}
}

run().then(() => {
	console.log('e2e: PASS (screenshots in ' + SHOTS + ')');
	process.exit(0);
}, (e) => {
	console.error('e2e: FAIL: ' + (e && e.stack || e));
	process.exit(1);
});
