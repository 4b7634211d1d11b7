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
import { mkdtempSync, mkdirSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
	repo, CHROMIUM, SHOTS, TIMEOUT, log, fail, cli, totpNow as totpOf, freePort,
	startDaemon as startSeededDaemon, stopDaemon, launchBrowser, watchPage,
	reportFailure, assertNoPageErrors, main,
} from './common.mjs';

const PASSWORD = process.env.RG_PASSWORD || 'alice-secret-1';

// bob@pve's second factor: a TOTP entry in priv/tfa.cfg as Proxmox writes it
const TOTP_SECRET = 'JBSWY3DPEHPK3PXP';

function totpNow() { return totpOf(TOTP_SECRET); }

function writeTfaCfg(dir) {
	const uri = `otpauth://totp/realmgate:bob%40pve?secret=${TOTP_SECRET}` +
	    '&digits=6&algorithm=SHA1&period=30&issuer=realmgate';
	mkdirSync(join(dir, 'priv'), { recursive: true, mode: 0o700 });
	writeFileSync(join(dir, 'priv', 'tfa.cfg'), JSON.stringify({ users: { 'bob@pve': {
		totp: [{ id: '0b1e7a4c-35f1-4d3e-9a51-2f7c1c0e8d11', description: 'phone',
		    created: 1767225600, entry: uri }] } } }), { mode: 0o600 });
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

function startDaemon(ldap, op) {
	return startSeededDaemon((dir) => {
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
	});
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
	log('server', url);
	mkdirSync(SHOTS, { recursive: true });
	const browser = await launchBrowser(cert);
	let errors = [];
	let page;
	try {
		const ctx = await browser.newContext({ ignoreHTTPSErrors: false });
		page = await ctx.newPage();
		page.setDefaultTimeout(TIMEOUT);
		// expected: the deliberately wrong password
		errors = watchPage(page, (method, path, status) =>
		    status === 401 && path === '/api2/json/access/ticket');

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

		assertNoPageErrors(errors);
	} catch (e) {
		await reportFailure(page, errors, 'e2e-failure.png');
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

main('e2e', run);
