// The web page's QR encoder (www/qr.js) against an independent decoder
// (jsQR): texts of every length class up to the encoder's limit, so every
// version 1-20 and both character-count widths are decoded back, plus
// otpauth:// URIs like the Two-factor page's and non-ASCII text.
//
//   node qr.spec.mjs
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';
import jsQR from 'jsqr';

const here = dirname(fileURLToPath(import.meta.url));
const src = readFileSync(resolve(here, '..', '..', 'www', 'qr.js'), 'utf8');
const sandbox = { TextEncoder };
sandbox.globalThis = sandbox;
runInNewContext(src, sandbox);
const qr = sandbox.RG.qr;

// the modules as an RGBA image, 3 pixels a module, 4 modules quiet zone
function decode(m) {
	const px = 3, full = (m.size + 8) * px;
	const rgba = new Uint8ClampedArray(full * full * 4).fill(255);
	for (let y = 0; y < m.size; y++)
		for (let x = 0; x < m.size; x++) {
			if (!m.dark[y][x])
				continue;
			for (let dy = 0; dy < px; dy++)
				for (let dx = 0; dx < px; dx++) {
					const o = (((y + 4) * px + dy) * full + (x + 4) * px + dx) * 4;
					rgba[o] = rgba[o + 1] = rgba[o + 2] = 0;
				}
		}
	const r = jsQR(rgba, full, full, { inversionAttempts: 'dontInvert' });
	return r && r.data;
}

function text(len, seed) {
	const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789%:/?&=._-';
	let s = '', x = seed * 2654435761 >>> 0;
	for (let i = 0; i < len; i++) {
		x = (x * 1103515245 + 12345) >>> 0;
		s += abc[(x >>> 16) % abc.length];
	}
	return s;
}

let failed = 0, passed = 0;
const versions = new Set(), masks = new Set();
function check(t, what) {
	const m = qr.matrix(t);
	versions.add(m.version);
	masks.add(m.mask);
	const got = decode(m);
	if (got === t) {
		passed++;
		return;
	}
	failed++;
	console.error(`qr: FAIL ${what} (${t.length} chars, version ${m.version}, mask ${m.mask}): got ${JSON.stringify(got)}`);
}

for (let len = 1; len <= qr.MAX_BYTES; len += len < 40 ? 1 : 7)
	check(text(len, len), `length ${len}`);
check(text(qr.MAX_BYTES, 7), 'the longest');
for (let i = 0; i < 20; i++)
	check(`otpauth://totp/realmgate:user${i}%40pve?secret=${text(32, i).toUpperCase().replace(/[^A-Z2-7]/g, 'A')}` +
	    '&period=30&digits=6&algorithm=SHA1&issuer=realmgate', `otpauth ${i}`);
check('Zoë ✓ 二要素', 'UTF-8');
let threw = false;
try {
	qr.matrix(text(qr.MAX_BYTES + 1, 3));
} catch {
	threw = true;
}
if (!threw) {
	failed++;
	console.error('qr: FAIL a text past the limit did not throw');
} else {
	passed++;
}
for (let v = 1; v <= 20; v++)
	if (!versions.has(v)) {
		failed++;
		console.error(`qr: FAIL version ${v} never used`);
	}
console.log(`qr: versions ${[...versions].sort((a, b) => a - b).join(',')}; masks ${[...masks].sort().join(',')}`);
console.log(`qr: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
